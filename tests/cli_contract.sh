#!/usr/bin/env bash
# The CLI's output contracts (DESIGN.md): `ebm solve sudoku --input FILE` prints one line per puzzle,
# in order, the 81-digit answer if verified else `unsolved`; bad input exits non-zero naming the line.
set -euo pipefail
ebm=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$ebm" generate sudoku --count 3 --tier hard --seed 4 -o "$dir/gen.csv"
[[ $(wc -l < "$dir/gen.csv") -eq 4 ]] || fail "generate wrote $(wc -l < "$dir/gen.csv") lines, expected header + 3"
# Same seed, same puzzles.
"$ebm" generate sudoku --count 3 --tier hard --seed 4 | cmp -s - "$dir/gen.csv" || fail "generate is not reproducible"

{
  echo "# a comment, then a blank line"
  echo ""
  sed -n 2p "$dir/gen.csv" | cut -d, -f1 | tr '.' '0'
  printf '%s\r\n' "$(sed -n 3p "$dir/gen.csv")"         # CSV line with CRLF
  sed -n 4p "$dir/gen.csv"
  echo "12345678.........9..............................................................."  # unsolvable
} > "$dir/in.txt"
"$ebm" solve sudoku --input "$dir/in.txt" --budget-ms 3000 -q > "$dir/out.txt"
[[ $(wc -l < "$dir/out.txt") -eq 4 ]] || fail "expected 4 output lines, got $(wc -l < "$dir/out.txt")"
for i in 1 2 3; do
  expected=$(sed -n "$((i + 1))p" "$dir/gen.csv" | cut -d, -f2)
  got=$(sed -n "${i}p" "$dir/out.txt")
  [[ "$got" == "$expected" ]] || fail "puzzle $i: got '$got', expected '$expected'"
done
[[ $(sed -n 4p "$dir/out.txt") == "unsolved" ]] || fail "the unsolvable puzzle must print 'unsolved'"

"$ebm" solve sudoku --input "$dir/in.txt" --budget-ms 3000 --json -q > "$dir/out.jsonl"
[[ $(grep -c '"verified":true' "$dir/out.jsonl") -eq 3 ]] || fail "--json: expected 3 verified objects"
grep -q '"answer":null' "$dir/out.jsonl" || fail "--json: the unsolved puzzle needs answer null"
for key in energy steps energy_evaluations milliseconds chains; do
  grep -q "\"$key\":" "$dir/out.jsonl" || fail "--json: missing key $key"
done

printf '%s\n%s\n' "$(sed -n 2p "$dir/gen.csv" | cut -d, -f1)" "1234" > "$dir/bad.txt"
if "$ebm" solve sudoku --input "$dir/bad.txt" -q > "$dir/bad.out" 2> "$dir/bad.err"; then
  fail "a malformed file must exit non-zero"
fi
grep -q "bad.txt:2: expected 81 cells, got 4" "$dir/bad.err" || fail "error must name line 2: $(cat "$dir/bad.err")"

# The harness: every answer re-verified; the EBM and the reference solve easy puzzles; CSV and JSON written.
"$ebm" eval --tier easy --count 3 --solver ebm --solver reference --budget-ms 3000 --csv "$dir/eval.csv" --json "$dir/eval.json" > "$dir/eval.txt"
[[ $(wc -l < "$dir/eval.csv") -eq 3 ]] || fail "eval CSV: expected a header and 2 rows"
grep -q '"wrong_claimed": 0' "$dir/eval.json" || fail "eval JSON: wrong_claimed must be 0"
[[ $(grep -c '"solved": 3' "$dir/eval.json") -eq 2 ]] || fail "eval: both solvers must solve the 3 easy puzzles"
grep -q "harness overhead" "$dir/eval.txt" || fail "eval: the table must report the harness overhead"
if "$ebm" eval --tier easy --count 1 --solver bogus > /dev/null 2>&1; then fail "eval: an unknown solver must fail"; fi

# Sweeps: a resumed sweep gives the same rows as an uninterrupted one (timing columns aside).
sweep() { "$ebm" sweep --tier easy --count 2 --chains 2 --steps "$@" --budget-ms 3000 --seed 3 > /dev/null 2>&1; }
sweep 400 800 -o "$dir/full.csv"
sweep 400 -o "$dir/resumed.csv"                  # interrupted after the first rows ...
sweep 400 800 -o "$dir/resumed.csv"              # ... and resumed
[[ $(wc -l < "$dir/full.csv") -eq 4 ]] || fail "sweep: expected a header and 3 rows"
cut -d, -f1-4 "$dir/full.csv" > "$dir/full.key"; cut -d, -f1-4 "$dir/resumed.csv" > "$dir/resumed.key"
cmp -s "$dir/full.key" "$dir/resumed.key" || fail "sweep: the resumed sweep differs from the uninterrupted one"
# ... but a resume with another seed (or dataset, budget, batch) is refused, naming the difference.
if "$ebm" sweep --tier easy --count 2 --chains 2 --steps 400 --budget-ms 3000 --seed 4 -o "$dir/full.csv" > /dev/null 2> "$dir/sweep.err"; then
  fail "sweep: resuming with another seed must fail"
fi
grep -q "seed" "$dir/sweep.err" || fail "sweep: the refusal must name the seed: $(cat "$dir/sweep.err")"
[[ $(wc -l < "$dir/full.csv") -eq 4 ]] || fail "sweep: a refused resume must leave the file as it was"

# Every registered task is listed with its formats; every task's generator, solver and harness run.
"$ebm" tasks > "$dir/tasks.txt"
grep -q "^sudoku:" "$dir/tasks.txt" || fail "ebm tasks must list sudoku"

"$ebm" samplers > "$dir/samplers.txt"
grep -q "tempering" "$dir/samplers.txt" || fail "ebm samplers must list tempering"
"$ebm" version > "$dir/version.txt"
grep -q "LibTorch" "$dir/version.txt" || fail "ebm version must print the LibTorch version"
echo "cli contract: ok"
