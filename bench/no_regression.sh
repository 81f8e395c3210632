#!/usr/bin/env bash
# No-regression check of a change that must not alter results: the same test-split Sudoku puzzles
# solved by two builds of `ebm`, puzzle by puzzle, then compared (bench/compare_solve_runs.py).
#
#   bench/no_regression.sh BEFORE_EBM AFTER_EBM OUTDIR [COUNT]
#
# COUNT test-split puzzles per tier (expert, hardest, extreme; default 300, `--seed 1 --split test`),
# default settings, --batch 1, 10 s per puzzle, one thread. The two builds run tier by tier one after
# the other on the same machine, so their times compare (this VM varies by up to +-20%); steps,
# evaluations and answers must match exactly. Writes OUTDIR/{before,after}/TIER.jsonl and prints the
# table. About 2 x 6 minutes on the 2-core development VM.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
before=$1 after=$2 out=$3 count=${4:-300}
mkdir -p "$out/before" "$out/after" "$out/puzzles"
for tier in expert hardest extreme; do
  puzzles="$out/puzzles/$tier.csv"
  [[ -f $puzzles ]] || "$after" generate sudoku --count "$count" --tier "$tier" --seed 1 --split test -o "$puzzles"
  for side in before after; do
    ebm=$before; [[ $side == after ]] && ebm=$after
    # exit status 3 = some puzzle unsolved: a result, not a failure of the run
    "$ebm" solve sudoku --input "$puzzles" --batch 1 --budget-ms 10000 --json --threads 1 -q \
      > "$out/$side/$tier.jsonl" || [[ $? -eq 3 ]]
  done
done
/usr/bin/python3 "$(dirname "$0")/compare_solve_runs.py" "$out/before" "$out/after"
