#!/usr/bin/env bash
# Installs the project's Java kernel spec (name "java") for Jupyter: the JShell kernel in
# src/test/java/io/superloss/notebooks/JavaKernel.java, started on this project's resolved class path
# (target/classes, target/test-classes and every dependency from ~/.m2), so that notebooks can use the library,
# the examples, DL4J and XChart without any magic or network access.
#   notebooks/install-kernel.sh                  # into the user's Jupyter data dir (jupyter --data-dir)
#   notebooks/install-kernel.sh DIR              # into DIR/kernels/java (then run Jupyter with JUPYTER_PATH=DIR)
# Re-run it after changing the project's dependencies. Needs Java 17 and Maven; does not need Python's Jupyter
# unless DIR is omitted.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target=${1:-}
if [[ -z $target ]]; then
  target=$(jupyter --data-dir)
fi
(cd "$root" && mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/notebook-classpath.txt)
classpath="$root/target/test-classes:$root/target/classes:$(cat "$root/target/notebook-classpath.txt")"
spec="$target/kernels/java"
mkdir -p "$spec"
python3 - "$spec/kernel.json" "$classpath" <<'PY'
import json, sys
path, classpath = sys.argv[1], sys.argv[2]
spec = {
    # Logging: src/test/resources/simplelogger.properties, on the class path.
    "argv": ["java", "-Xmx4g", "-Djava.awt.headless=true",
             "-cp", classpath, "io.superloss.notebooks.JavaKernel", "{connection_file}"],
    "display_name": "Java (superloss-dl4j)",
    "language": "java",
    "interrupt_mode": "message",
    # One OpenMP thread: DL4J is several times faster on small machines (see README).
    "env": {"OMP_NUM_THREADS": "1"},
}
with open(path, "w") as f:
    json.dump(spec, f, indent=1)
PY
echo "Installed kernel spec 'java' in $spec"
