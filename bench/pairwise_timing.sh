#!/usr/bin/env bash
# Time per puzzle of the learned pairwise energy against the hand-written constraint energy, the two
# alternated puzzle by puzzle so that a shared machine's load falls on both alike
# (docs/BENCHMARKS.md, "Rules learned, not written").
# Usage: bench/pairwise_timing.sh EBM PUZZLES.csv OUT_DIR [MODEL]   (MODEL: default the shipped one)
# Writes OUT_DIR/timing.csv (puzzle, energy, verified, milliseconds, steps) and prints the medians.
set -euo pipefail
ebm=$(realpath "$1")
puzzles=$2
out=$3
model=${4:-}
mkdir -p "$out"
csv="$out/timing.csv.tmp"
echo "puzzle,energy,verified,milliseconds,steps" > "$csv"
index=0
grep -E '^[0-9.]{81}' "$puzzles" | cut -d, -f1 | while read -r puzzle; do
  index=$((index + 1))
  for energy in constraint pairwise; do
    extra=()
    [[ $energy == pairwise && -n $model ]] && extra=(--model "$model")
    "$ebm" solve sudoku "$puzzle" --energy "$energy" "${extra[@]}" --budget-ms 10000 --json 2>/dev/null |
      /usr/bin/python3 -c 'import json, sys; r = json.loads(sys.stdin.readline()); print(",".join([sys.argv[1], sys.argv[2], str(int(r["verified"])), "%.1f" % r["milliseconds"], str(r["steps"])]))' "$index" "$energy" >> "$csv"
  done
done
mv "$csv" "$out/timing.csv"
/usr/bin/python3 - "$out/timing.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {e: [r for r in rows if r["energy"] == e] for e in ("constraint", "pairwise")}
for e, rs in by.items():
    ms = [float(r["milliseconds"]) for r in rs]
    steps = [int(r["steps"]) for r in rs]
    print(f"{e:10s} verified {sum(int(r['verified']) for r in rs)}/{len(rs)}  median ms {statistics.median(ms):7.1f}  mean ms {statistics.mean(ms):7.1f}  median steps {statistics.median(steps):6.0f}  ms/step {sum(ms) / sum(steps):.3f}")
c, p = by["constraint"], by["pairwise"]
ratios = [float(b["milliseconds"]) / float(a["milliseconds"]) for a, b in zip(c, p)]
print(f"pairwise / constraint time per puzzle: median ratio {statistics.median(ratios):.2f}, ratio of means "
      f"{statistics.mean(float(r['milliseconds']) for r in p) / statistics.mean(float(r['milliseconds']) for r in c):.2f}, "
      f"ratio of ms per step {(sum(float(r['milliseconds']) for r in p) / sum(int(r['steps']) for r in p)) / (sum(float(r['milliseconds']) for r in c) / sum(int(r['steps']) for r in c)):.2f}")
PY
