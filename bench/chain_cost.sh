#!/usr/bin/env bash
# Cost grows as it should (issue 19, item 6): time per chain-step of each task's default sampler against
# the number of chains and the problem size, beside the hand-fused reference (bench/reference_steps/),
# one thread. Every input is one that no chain can finish, so every chain runs every step:
#   sudoku   4x4, 9x9, 16x16: row 1 forces digit N into the last column, which holds N in row 2
#   sat      random 3-SAT at ratio 4.26 (Python's random, seed 1), n = 50, 100, 200, 400, plus the unit
#            clauses x1 and -x1 (no model; labelling with minisat takes minutes at n = 400)
#   coloring flat 3-colourable graphs (ebm generate coloring), V = 100 ... 500, plus a 4-clique on
#            vertices 1-4 (no 3-colouring)
#
# Usage: bench/chain_cost.sh EBM OUT_DIR [CHAINS="16 256 4096"] [STEPS=50] [REPEATS=3] [TASKS="sudoku sat coloring"]
# Writes OUT_DIR/chain_cost.csv (task,size,chains,us_per_chain_step,reference_us_per_chain_step,
# times_reference) and prints it as a table.
set -euo pipefail
ebm=$(realpath "$1")
out=$2
chains=${3:-"16 256 4096"}
steps=${4:-50}
repeats=${5:-3}
tasks=${6:-"sudoku sat coloring"}
mkdir -p "$out"

unsolvable_sudoku() {  # N -> one line of N*N cells
  /usr/bin/python3 -c '
import sys
n = int(sys.argv[1]); digits = "123456789ABCDEFG"[:n]
row1 = digits[:n - 1] + "."
row2 = "." * (n - 1) + digits[n - 1]
print(row1 + row2 + "." * (n * n - 2 * n))' "$1"
}
unsatisfiable_3sat() {  # n -> DIMACS: round(4.26 n) random 3-clauses plus (x1) and (-x1)
  /usr/bin/python3 -c '
import random, sys
n = int(sys.argv[1]); m = round(4.26 * n); rng = random.Random(1)
print("c random 3-SAT, n = %d, m = %d (seed 1), plus x1 and -x1: unsatisfiable" % (n, m))
print("p cnf %d %d" % (n, m + 2))
for _ in range(m):
    print(" ".join(str(v if rng.random() < 0.5 else -v) for v in rng.sample(range(1, n + 1), 3)), "0")
print("1 0"); print("-1 0")' "$1"
}
with_clique() {  # DIMACS graph on stdin -> the same graph plus a 4-clique on vertices 1-4
  /usr/bin/python3 -c '
import sys
lines = sys.stdin.read().splitlines()
edges = {tuple(sorted(map(int, l.split()[1:3]))) for l in lines if l.startswith("e ")}
edges |= {(a, b) for a in range(1, 5) for b in range(a + 1, 5)}
vertices = next(int(l.split()[2]) for l in lines if l.startswith("p "))
print("c %d-vertex graph, 3 colours asked" % vertices)
print("p edge %d %d" % (vertices, len(edges)))
for a, b in sorted(edges): print("e %d %d" % (a, b))'
}

inputs=()
for task in $tasks; do
  case $task in
    sudoku) for n in 4 9 16; do unsolvable_sudoku "$n" > "$out/sudoku_$n.txt"; inputs+=("sudoku $n $out/sudoku_$n.txt"); done ;;
    sat) for n in 50 100 200 400; do unsatisfiable_3sat "$n" > "$out/sat_$n.cnf"; inputs+=("sat $n $out/sat_$n.cnf"); done ;;
    coloring) for v in 100 200 300 400 500; do
                "$ebm" generate coloring --vertices "$v" --count 1 --seed 1 | with_clique > "$out/coloring_$v.col"
                inputs+=("coloring $v $out/coloring_$v.col")
              done ;;
    *) echo "bench/chain_cost.sh: unknown task '$task'" >&2; exit 2 ;;
  esac
done
csv="$out/chain_cost.csv.tmp"
echo "task,size,chains,us_per_chain_step,reference_us_per_chain_step,times_reference" > "$csv"
for entry in "${inputs[@]}"; do
  read -r task size file <<< "$entry"
  # shellcheck disable=SC2086
  "$ebm" bench chains --task "$task" --input "$file" --chains $chains --steps "$steps" --repeats "$repeats" \
    --threads 1 --json "$out/chains_${task}_$size.json" > "$out/chains_${task}_$size.txt"
  /usr/bin/python3 - "$out/chains_${task}_$size.json" "$task" "$size" >> "$csv" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
for r in data["rows"]:
    print(f"{sys.argv[2]},{sys.argv[3]},{r['chains']},{r['us_per_chain_step']:.3f},"
          f"{r.get('reference_us_per_chain_step', float('nan')):.3f},{r.get('times_reference', float('nan')):.2f}")
PY
done
mv "$csv" "$out/chain_cost.csv"
column -s, -t < "$out/chain_cost.csv"
