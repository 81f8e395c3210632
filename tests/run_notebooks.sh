#!/usr/bin/env bash
# Executes every notebook headless so none can rot: sudoku_compute on the committed result CSVs,
# accuracy_vs_compute and energy_landscape on a small sweep and a trace this script makes with the
# CLI; python_minimize through the Python module. Figures go to a temporary folder.
# Usage: tests/run_notebooks.sh path/to/ebm
set -euo pipefail
ebm=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
# The Python module `import ebm` is built beside the CLI: build/cli/ebm -> build/python.
export PYTHONPATH="$(dirname "$(dirname "$ebm")")/python${PYTHONPATH:+:$PYTHONPATH}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ebm" sweep --tier easy --count 3 --chains 2 4 --steps 400 --budget-ms 3000 -o "$tmp/sweep_test.csv" > /dev/null 2>&1
"$ebm" solve sudoku ..83...9..94...3..5....9......5.3.......2...63..7.1.2.......5.......69.1657...... \
  --no-board --trace "$tmp/trace.csv" --trace-chains "$tmp/chains.csv" > /dev/null
export EBM_RESULTS="$root/docs/results" EBM_FIGURES="$tmp/figures" EBM_SWEEPS="$tmp/sweep_*.csv" EBM_TRACE="$tmp/trace.csv" EBM_CHAINS="$tmp/chains.csv"
figures="sudoku_compute accuracy_vs_compute energy_landscape board_settling ired_error_vs_steps pairwise_graph pairwise_data_curve python_minimize"
for nb in "$root"/notebooks/*.ipynb; do
  if [[ $(basename "$nb") == python_minimize.ipynb && ${EBM_PYTHON_MODULE:-built} == absent ]]; then
    echo "skipped python_minimize.ipynb: the build has no Python module (-Dpython)"
    figures=${figures% python_minimize}
    continue
  fi
  # The one notebook that imports the module runs through python_sanitized.sh (a no-op unless the
  # build is sanitized); the others run ebm's CLI, which must not get a preloaded runtime.
  runner=()
  [[ $(basename "$nb") == python_minimize.ipynb ]] && runner=("$root/tests/python_sanitized.sh")
  if ! (cd "$root/notebooks" && "${runner[@]}" /usr/bin/python3 -m nbconvert --to notebook --execute "$nb" --output "$tmp/$(basename "$nb")" >"$tmp/log" 2>&1); then
    cat "$tmp/log"
    echo "FAIL: $nb"
    exit 1
  fi
  echo "executed $(basename "$nb")"
done
for figure in $figures; do
  [[ -s "$tmp/figures/$figure.png" ]] || { echo "FAIL: no $figure.png"; exit 1; }
done
