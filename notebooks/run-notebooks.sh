#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless with the project's Java kernel, offline; fails when a cell fails.
#   notebooks/run-notebooks.sh            # executed copies go to target/notebooks/
#   notebooks/run-notebooks.sh --update   # re-render the committed notebooks in place (outputs included)
# Needs jupyter-nbconvert and python3-nbclient (Debian packages; .ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1
mode=${1:-check}
jupyter_path=$(mktemp -d)
trap 'rm -rf "$jupyter_path"' EXIT
bash notebooks/install-kernel.sh "$jupyter_path" >/dev/null
export JUPYTER_PATH=$jupyter_path
mkdir -p target/notebooks
for nb in notebooks/*.ipynb; do
  start=$(date +%s)
  if [[ $mode == --update ]]; then
    out=(--inplace)
  else
    out=(--output-dir target/notebooks)
  fi
  jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=java \
    --ExecutePreprocessor.timeout=600 "${out[@]}" "$nb"
  echo "notebook OK: $nb ($(( $(date +%s) - start )) s)"
done
# Self-check of the failure path: a notebook whose cell throws must make nbconvert fail.
failing=$jupyter_path/must-fail.ipynb
python3 - "$failing" <<'PY'
import json, sys
cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
        "source": "int[] a = new int[1];\na[1] = 2;"}
nb = {"cells": [cell], "metadata": {"kernelspec": {"name": "java", "display_name": "Java", "language": "java"}},
      "nbformat": 4, "nbformat_minor": 4}
json.dump(nb, open(sys.argv[1], "w"))
PY
if jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=java \
    --ExecutePreprocessor.timeout=120 --output-dir "$jupyter_path" "$failing" >"$jupyter_path/must-fail.log" 2>&1; then
  echo "a notebook cell that throws did not fail the run" >&2
  exit 1
fi
grep -q ArrayIndexOutOfBoundsException "$jupyter_path/must-fail.log" \
  || { cat "$jupyter_path/must-fail.log" >&2; echo "the failing cell did not report its exception" >&2; exit 1; }
echo "notebook failure check OK: a throwing cell fails the run"
# Self-check of display: a final expression without a semicolon shows its value as the cell's result, and nothing
# else does.
display=$jupyter_path/display-check.ipynb
python3 - "$display" <<'PY'
import json, sys
sources = ["1 + 1", "1 + 1;", "int x = 20;\nx + 1", "String s = \"a\" + \"b\"", "System.out.println(\"printed\")"]
cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s} for s in sources]
nb = {"cells": cells, "metadata": {"kernelspec": {"name": "java", "display_name": "Java", "language": "java"}},
      "nbformat": 4, "nbformat_minor": 4}
json.dump(nb, open(sys.argv[1], "w"))
PY
jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=java \
  --ExecutePreprocessor.timeout=120 --output-dir "$jupyter_path" --output display-checked "$display" \
  >"$jupyter_path/display-check.log" 2>&1 || { cat "$jupyter_path/display-check.log" >&2; exit 1; }
python3 - "$jupyter_path/display-checked.ipynb" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
def results(cell):
    return ["".join(o["data"]["text/plain"]) for o in cell["outputs"] if o["output_type"] == "execute_result"]
expected = [["2"], [], ["21"], [], []]
actual = [results(c) for c in cells]
if actual != expected:
    sys.exit(f"kernel display check failed: cell results {actual}, expected {expected}")
printed = "".join("".join(o.get("text", "")) for o in cells[4]["outputs"] if o["output_type"] == "stream")
if printed.strip() != "printed":
    sys.exit(f"kernel display check failed: System.out gave {printed!r}")
PY
echo "notebook display check OK: a final expression shows its value, statements and a trailing semicolon do not"
# Committed notebooks must keep their rendered outputs: every code cell executed.
python3 - notebooks/*.ipynb <<'PY'
import json, sys
for path in sys.argv[1:]:
    cells = [c for c in json.load(open(path))["cells"] if c["cell_type"] == "code"]
    missing = [i for i, c in enumerate(cells) if c.get("execution_count") is None]
    if missing or not any(c.get("outputs") for c in cells):
        sys.exit(f"{path}: code cells {missing} have no rendered output; run notebooks/run-notebooks.sh --update")
PY
