#!/usr/bin/env bash
# The pairwise Sudoku energy learned from solved grids alone, measured (docs/BENCHMARKS.md, "Rules
# learned, not written"): for each training-set size N, `ebm train sudoku --model pairwise
# --train-puzzles N` (null-space fit, the shipped recipe otherwise), then the test-split puzzles of
# each tier solved by that energy alone with the default sampler, one puzzle at a time within
# BUDGET_MS each, beside the hand-written constraint energy on the same puzzles in the same run.
#
# Usage: bench/pairwise_curve.sh EBM OUT_DIR [COUNT] [BUDGET_MS] [SIZES] [TIERS]
#   COUNT puzzles per tier (default 50), BUDGET_MS per puzzle (10000), SIZES "100 300 1000 3000 10000",
#   TIERS "expert hardest extreme". Writes OUT_DIR/data_curve.csv (one row per size and tier, plus
#   the constraint energy's rows with train_grids 0) and the checkpoints, logs and JSON answers. The
#   puzzles are `ebm generate sudoku --tier TIER --count COUNT --seed 1 --split test` unless
#   OUT_DIR/test_TIER.csv exists.
set -euo pipefail
ebm=$(realpath "$1")
out=$2
count=${3:-50}
budget=${4:-10000}
sizes=${5:-"100 300 1000 3000 10000"}
tiers=${6:-"expert hardest extreme"}
mkdir -p "$out"
summarise() { /usr/bin/python3 "$(dirname "$0")/summarise_solve.py" "$1"; }  # puzzles,solved,solve_rate,mean_ms,wrong
for tier in $tiers; do  # an existing OUT_DIR/test_TIER.csv is used as it is (the extreme tier is slow to generate)
  [[ -s "$out/test_$tier.csv" ]] || "$ebm" generate sudoku --tier "$tier" --count "$count" --seed 1 --split test > "$out/test_$tier.csv"
done
csv="$out/data_curve.csv.tmp"
echo "energy,train_grids,train_seconds,tier,puzzles,solved,solve_rate,mean_ms,unverified_answers" > "$csv"
for tier in $tiers; do
  "$ebm" solve sudoku --input "$out/test_$tier.csv" --batch 1 --budget-ms "$budget" --json > "$out/constraint_$tier.jsonl" || true
  echo "constraint,0,0,$tier,$(summarise "$out/constraint_$tier.jsonl")" | tee -a "$csv"
done
for n in $sizes; do
  start=$(date +%s.%N)
  "$ebm" train sudoku --model pairwise --train-puzzles "$n" --steps 1 -o "$out/pairwise_$n.ckpt" > "$out/train_$n.log"
  seconds=$(/usr/bin/python3 -c "import time; print(round(time.time() - $start, 1))")
  for tier in $tiers; do
    "$ebm" solve sudoku --energy pairwise --model "$out/pairwise_$n.ckpt" --input "$out/test_$tier.csv" --batch 1 \
      --budget-ms "$budget" --json > "$out/pairwise_${n}_$tier.jsonl" || true
    echo "pairwise,$n,$seconds,$tier,$(summarise "$out/pairwise_${n}_$tier.jsonl")" | tee -a "$csv"
  done
done
mv "$csv" "$out/data_curve.csv"
