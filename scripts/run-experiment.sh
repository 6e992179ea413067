#!/usr/bin/env bash
# Reproduces one table of EXPERIMENTS.md with one command:
#   scripts/run-experiment.sh digits            # 5 noise rates x 3 losses x 3 seeds, about 6 minutes on 2 cores
#   scripts/run-experiment.sh mnist             # fetches MNIST if needed; 3 x 3 x 3 runs, about 15 minutes
# Extra arguments go to io.superloss.examples.NoiseExperiment (e.g. --seeds 1 --noise 0.4 --lambda 0.5
# --out /tmp/try). Results, tables and plots land in experiments/DATASET/ unless --out says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=${1:?usage: scripts/run-experiment.sh digits|mnist [options]}
shift
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
if [[ $dataset == mnist ]]; then
  scripts/fetch-mnist.sh
fi
MAVEN_OPTS="${MAVEN_OPTS:-} -Xmx6g -Djava.awt.headless=true" mvn -q -B test-compile exec:java \
  -Ddemo.mainClass=io.superloss.examples.NoiseExperiment -Dexec.args="--dataset $dataset $*"
