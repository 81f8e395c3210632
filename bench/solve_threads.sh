#!/usr/bin/env bash
# `ebm solve --threads N` against --threads 1 (issue 19, item 3) on one file of COUNT test-split expert
# puzzles, each configuration REPEATS times, alternately:
#   defaults   the other settings at their defaults (--threads N takes the problems one at a time,
#              --threads 1 solves them in batches of 8: other batches, other seeds, other step counts)
#   batch 1    both with --batch 1: the same batches and seeds, so the same answers and steps, and the
#              ratio is the parallel efficiency alone
# Prints median wall times, throughput ratios, verified counts and whether the batch-1 answers match.
#
# Usage: bench/solve_threads.sh EBM OUT_DIR [N=2] [COUNT=100] [REPEATS=3]
set -euo pipefail
ebm=$(realpath "$1")
out=$2
n=${3:-2}
count=${4:-100}
repeats=${5:-3}
mkdir -p "$out"
[[ -s "$out/expert$count.csv" ]] || "$ebm" generate sudoku --tier expert --count "$count" --seed 1 --split test -o "$out/expert$count.csv"
now() { /usr/bin/python3 -c 'import time; print(time.time())'; }
echo "run,config,threads,seconds,verified" > "$out/solve_threads.csv"
for r in $(seq 1 "$repeats"); do
  for config in defaults batch1; do
    for t in 1 "$n"; do
      extra=()
      [[ $config == batch1 ]] && extra=(--batch 1)
      start=$(now)
      "$ebm" solve sudoku --input "$out/expert$count.csv" --threads "$t" "${extra[@]}" -q > "$out/answers_${config}_t$t.txt" ||
        [[ $? == 3 ]]
      seconds=$(/usr/bin/python3 -c "print(round($(now) - $start, 3))")
      echo "$r,$config,$t,$seconds,$(grep -c -v unsolved "$out/answers_${config}_t$t.txt")" | tee -a "$out/solve_threads.csv"
    done
  done
done
cmp -s "$out/answers_batch1_t1.txt" "$out/answers_batch1_t$n.txt" && same=yes || same=no
/usr/bin/python3 - "$out/solve_threads.csv" "$n" "$same" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
n = sys.argv[2]
for config in ("defaults", "batch1"):
    wall = {t: statistics.median(float(r["seconds"]) for r in rows if r["config"] == config and r["threads"] == t)
            for t in ("1", n)}
    verified = {t: min(int(r["verified"]) for r in rows if r["config"] == config and r["threads"] == t) for t in ("1", n)}
    print(f"{config}: median wall --threads 1 {wall['1']:.2f} s, --threads {n} {wall[n]:.2f} s, throughput "
          f"x{wall['1'] / wall[n]:.2f}; verified {verified['1']} and {verified[n]}")
print(f"batch 1: answers of --threads 1 and --threads {n} identical: {sys.argv[3]}")
PY
