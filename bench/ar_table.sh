#!/usr/bin/env bash
# The learned pairwise energy against the autoregressive baseline given its best recipe, at equal
# data and equal CPU time, then at 4x the data (issue 18, item 6; docs/BENCHMARKS.md).
#
#   AR recipe: tokens in a deductive solver's order (`--order solver`: (cell, digit) pairs in the order
#   constraint propagation fills them), decoding masked to blank, unwritten cells (ar_masks.h), and
#   until-verified sampling within the same per-puzzle budget as the EBM. Parameters matched to the
#   message-passing energy (--params 165953), 2 layers, 4 heads.
#   EBM: `ebm train sudoku --model pairwise` on the same train-split grids (--train-puzzles N, seed 0).
#   Both: the same COUNT test-split puzzles of TIER, BUDGET_MS each, one thread.
#
# Usage: bench/ar_table.sh EBM OUT_DIR [N=4000] [AR_SECONDS=600] [COUNT=50] [TIER=expert] [BUDGET_MS=10000]
#   Runs N and 4N. AR_SECONDS is the AR's training time at each size: give it at least the pairwise
#   fit's time (seconds) and as much more as you can afford; the table states both. Writes
#   OUT_DIR/ar_table.csv and the logs; prints the table.
set -euo pipefail
ebm=$(realpath "$1")
out=$2
n=${3:-4000}
ar_seconds=${4:-600}
count=${5:-50}
tier=${6:-expert}
budget=${7:-10000}
mkdir -p "$out"
[[ -s "$out/test.csv" ]] || "$ebm" generate sudoku --tier "$tier" --count "$count" --seed 1 --split test > "$out/test.csv"
[[ -f "$out/ar_table.csv.tmp" ]] ||
  echo "model,train_grids,train_seconds,solver,puzzles,solved,solve_rate,cell_accuracy" > "$out/ar_table.csv.tmp"
for grids in ${SIZES:-$n $((4 * n))}; do  # SIZES="..." overrides the two sizes
  start=$(date +%s.%N)
  "$ebm" train sudoku --model pairwise --train-puzzles "$grids" --steps 1 -o "$out/pairwise_$grids.ckpt" > "$out/pairwise_$grids.log"
  pairwise_seconds=$(/usr/bin/python3 -c "import time; print(round(time.time() - $start, 1))")
  "$ebm" train sudoku --model ar --order solver --params 165953 --layers 2 --heads 4 --train-puzzles "$grids" \
    --steps 100000000 --batch 32 --lr 1e-3 --validate-every 500 --time-limit "$ar_seconds" --threads 1 \
    -o "$out/ar_$grids.ckpt" > "$out/ar_$grids.log"
  "$ebm" eval --task sudoku --input "$out/test.csv" --budget-ms "$budget" --batch 1 \
    --solver "ebm:energy=pairwise,model=$out/pairwise_$grids.ckpt" \
    --solver "ar:$out/ar_$grids.ckpt,decode=until-verified:16" --solver "ar:$out/ar_$grids.ckpt,decode=greedy" \
    --csv "$out/eval_$grids.csv" --json "$out/eval_$grids.json" > "$out/eval_$grids.txt" ||
    [[ $? == 3 ]]  # 3: some solver left puzzles unsolved, which is what is measured; 4 (a wrong claim) fails
  /usr/bin/python3 - "$out/eval_$grids.csv" "$grids" "$pairwise_seconds" "$ar_seconds" >> "$out/ar_table.csv.tmp" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    model = "pairwise" if r["solver"].startswith("ebm") else "ar-solver-order"
    seconds = sys.argv[3] if model == "pairwise" else sys.argv[4]
    print(",".join([model, sys.argv[2], seconds, r["solver"], r.get("problems", ""), r.get("solved", ""),
                    r.get("solve_rate", ""), r.get("cell_accuracy", "")]))
PY
done
mv "$out/ar_table.csv.tmp" "$out/ar_table.csv"
column -s, -t < "$out/ar_table.csv"
