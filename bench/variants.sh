#!/usr/bin/env bash
# Rules nobody wrote an energy for (issue 18, item 4; docs/VARIANTS.md, docs/BENCHMARKS.md): for each
# board kind, the pairwise energy fitted from N solved training-split grids alone (`ebm train sudoku
# --model pairwise --steps 1`, the null-space fit), then COUNT test-split puzzles per tier solved by it
# alone with the default sampler, one at a time, BUDGET_MS each, one thread. 16x16 (--box 4) has a
# hand-written energy too: its constraint rows are measured on the same puzzles in the same run.
#
# Usage: bench/variants.sh EBM OUT_DIR [BUDGET_MS=30000] [COUNT=50] [KINDS="x jigsaw box4"]
#   x, jigsaw: 9x9, 4000 grids, tiers expert and hardest; box4: standard 16x16, 6000 grids (the fit
#   needs more grids than the 3240 dimensions of the grids' span), tiers easy, medium and expert.
#   Training grids come from the easy tier (the fit reads only the solutions; fewer removals generate
#   faster). TIERS="..." in the environment replaces every kind's tiers. Writes OUT_DIR/variants.csv, the
#   checkpoints, logs and JSON answers; existing test files OUT_DIR/test_KIND_TIER.csv are used as they are.
set -euo pipefail
ebm=$(realpath "$1")
out=$2
budget=${3:-30000}
count=${4:-50}
kinds=${5:-"x jigsaw box4"}
here=$(dirname "$0")
mkdir -p "$out"
csv="$out/variants.csv.tmp"
echo "kind,energy,train_grids,train_seconds,rules,tier,puzzles,solved,solve_rate,mean_ms,unverified_answers" > "$csv"
for kind in $kinds; do
  case $kind in
    box4) board=(--box 4); grids=6000; tiers="easy medium expert"; energies="pairwise constraint" ;;
    x | jigsaw) board=(--variant "$kind"); grids=4000; tiers="expert hardest"; energies="pairwise" ;;
    *) echo "bench/variants.sh: unknown kind '$kind' (x, jigsaw, box4)" >&2; exit 2 ;;
  esac
  tiers=${TIERS:-$tiers}
  for tier in $tiers; do
    test_file="$out/test_${kind}_$tier.csv"
    [[ -s "$test_file" ]] || "$ebm" generate sudoku "${board[@]}" --tier "$tier" --count "$count" --seed 1 --split test -o "$test_file"
  done
  start=$(date +%s.%N)
  "$ebm" train sudoku "${board[@]}" --model pairwise --train-puzzles "$grids" --tiers easy --validation-tiers easy \
    --validation-puzzles 8 --steps 1 --threads 1 -o "$out/pairwise_$kind.ckpt" > "$out/train_$kind.log" 2>&1
  seconds=$(/usr/bin/python3 -c "import time; print(round(time.time() - $start, 1))")
  rules=$(sed -n 's/.*: \([0-9]*\) linear rules.*/\1/p' "$out/train_$kind.log")
  for tier in $tiers; do
    for energy in $energies; do
      model=(); trained=(0 0 "")
      [[ $energy == pairwise ]] && model=(--model "$out/pairwise_$kind.ckpt") && trained=("$grids" "$seconds" "$rules")
      answers="$out/${energy}_${kind}_$tier.jsonl"
      "$ebm" solve sudoku --input "$out/test_${kind}_$tier.csv" --energy "$energy" "${model[@]}" --batch 1 \
        --budget-ms "$budget" --threads 1 --json -q > "$answers" || [[ $? == 3 ]]  # 3: some unsolved, the measurement
      echo "$kind,$energy,${trained[0]},${trained[1]},${trained[2]},$tier,$(/usr/bin/python3 "$here/summarise_solve.py" "$answers")" | tee -a "$csv"
    done
  done
done
mv "$csv" "$out/variants.csv"
column -s, -t < "$out/variants.csv"
