#!/usr/bin/env bash
# Lambert W0 throughput, Java vs Boost.Math 1.74, in one run on the same argument arrays:
#   1. writes the argument files (io.superloss.bench.LambertWInputs: SuperLoss-shaped and wide-range sets, double and
#      float) into $OUT (default target/bench);
#   2. builds scripts/lambertw_boost_bench.cpp with g++ -O2 against Debian's libboost-dev (installed if missing) and
#      times boost::math::lambert_w0 on those files;
#   3. times LambertW.w0(double) / w0(float) on the same files (io.superloss.bench.LambertWThroughput, the same
#      loop and the same timing as the C++ harness: samples of SAMPLE_MS of the thread's CPU time; every case in a
#      JVM of its own, like JMH's forks), and the array loop of LambertW.w0(INDArray); and Boost again:
#      ROUNDS times Boost then Java, then Boost once more, so that load changing during the run (the machine may be
#      shared) hits both sides alike; all samples of a side are pooled;
#   4. prints the table (io.superloss.bench.LambertWComparison): medians in ns per evaluation and Java / Boost.
# Usage: scripts/bench-boost-lambertw.sh            (about 2.5 minutes with the defaults)
# Environment: OUT (output folder), ROUNDS (default 3), SAMPLES / SAMPLE_MS (samples per case and round, and their
#              length in ms of CPU time), CXXFLAGS (default -O2, the level of the comparison in BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1
OUT=${OUT:-target/bench}
SAMPLES=${SAMPLES:-10}
SAMPLE_MS=${SAMPLE_MS:-200}
CXXFLAGS=${CXXFLAGS:--O2}
mkdir -p "$OUT"

if [ ! -f /usr/include/boost/math/special_functions/lambert_w.hpp ] || ! command -v g++ >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq libboost-dev g++
fi
BOOST_VERSION=$(sed -n 's/^#define BOOST_LIB_VERSION "\(.*\)"/\1/p' /usr/include/boost/version.hpp)
echo "Boost $BOOST_VERSION, $(g++ --version | head -1), flags $CXXFLAGS"
# shellcheck disable=SC2086
g++ $CXXFLAGS -std=c++17 -o "$OUT/lambertw_boost_bench" scripts/lambertw_boost_bench.cpp

MVN="mvn -B -q -Dstyle.color=never -Pbench"
$MVN test-compile exec:exec -Dbench.main=io.superloss.bench.LambertWInputs "-Dbench.args=$OUT"
$MVN dependency:build-classpath -Dmdep.includeScope=test "-Dmdep.outputFile=$OUT/classpath.txt"
CP="target/test-classes:target/classes:$(cat "$OUT/classpath.txt")"

rm -f "$OUT"/samples-*.txt
for round in $(seq 1 "${ROUNDS:-3}"); do
  echo "round $round: Boost, then Java ..."
  "$OUT/lambertw_boost_bench" "$OUT" "$SAMPLES" "$SAMPLE_MS" > "$OUT/samples-boost-$round.txt"
  : > "$OUT/samples-java-$round.txt"
  for impl in java javaArrayLoop; do  # one JVM per case: what the JIT makes of a loop depends on what ran before
    for set in superloss wide; do
      for type in f64 f32; do
        java -cp "$CP" io.superloss.bench.LambertWThroughput "$OUT" "$SAMPLES" "$SAMPLE_MS" $impl $set $type \
          >> "$OUT/samples-java-$round.txt"
      done
    done
  done
done
echo "last round: Boost ..."
"$OUT/lambertw_boost_bench" "$OUT" "$SAMPLES" "$SAMPLE_MS" > "$OUT/samples-boost-0.txt"

echo "$(getconf _NPROCESSORS_ONLN) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
$MVN exec:exec -Dbench.main=io.superloss.bench.LambertWComparison "-Dbench.args=$OUT"
