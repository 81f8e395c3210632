#!/usr/bin/env bash
# The CLI's output contracts (DESIGN.md): `ebm solve sudoku --input FILE` prints one line per puzzle,
# in order, the 81-digit answer if verified else `unsolved`; bad input exits non-zero naming the line.
set -euo pipefail
ebm=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# Budgets of runs that must solve, in ms, times EBM_TEST_TIME_SCALE (scripts/sanitize.sh sets it:
# instrumented code runs several times slower).
ms() { echo $(( $1 * ${EBM_TEST_TIME_SCALE:-1} )); }
# status_of CMD...: runs CMD (stdout to $dir/last.out, stderr to $dir/last.err) and prints its exit status.
status_of() { set +e; "$@" > "$dir/last.out" 2> "$dir/last.err"; echo $?; set -e; }

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
# Exit 3: ran fine, but one puzzle is unsolved.
status=$(status_of "$ebm" solve sudoku --input "$dir/in.txt" --budget-ms $(ms 3000) -q); cp "$dir/last.out" "$dir/out.txt"
[[ $status -eq 3 ]] || fail "solve with an unsolvable puzzle must exit 3, got $status"
[[ $(wc -l < "$dir/out.txt") -eq 4 ]] || fail "expected 4 output lines, got $(wc -l < "$dir/out.txt")"
for i in 1 2 3; do
  expected=$(sed -n "$((i + 1))p" "$dir/gen.csv" | cut -d, -f2)
  got=$(sed -n "${i}p" "$dir/out.txt")
  [[ "$got" == "$expected" ]] || fail "puzzle $i: got '$got', expected '$expected'"
done
[[ $(sed -n 4p "$dir/out.txt") == "unsolved" ]] || fail "the unsolvable puzzle must print 'unsolved'"

status=$(status_of "$ebm" solve sudoku --input "$dir/in.txt" --budget-ms $(ms 3000) --json -q); cp "$dir/last.out" "$dir/out.jsonl"
[[ $status -eq 3 ]] || fail "solve --json with an unsolvable puzzle must exit 3, got $status"
# Exit 0: every puzzle verified.
"$ebm" solve sudoku --input "$dir/gen.csv" --budget-ms $(ms 20000) -q > /dev/null || fail "solving solvable puzzles must exit 0, got $?"
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
"$ebm" eval --tier easy --count 3 --solver ebm --solver reference --budget-ms $(ms 3000) --csv "$dir/eval.csv" --json "$dir/eval.json" > "$dir/eval.txt"
[[ $(wc -l < "$dir/eval.csv") -eq 3 ]] || fail "eval CSV: expected a header and 2 rows"
grep -q '"wrong_claimed": 0' "$dir/eval.json" || fail "eval JSON: wrong_claimed must be 0"
[[ $(grep -c '"solved": 3' "$dir/eval.json") -eq 2 ]] || fail "eval: both solvers must solve the 3 easy puzzles"
grep -q "harness overhead" "$dir/eval.txt" || fail "eval: the table must report the harness overhead"
if "$ebm" eval --tier easy --count 1 --solver bogus > /dev/null 2>&1; then fail "eval: an unknown solver must fail"; fi
# The AR baseline (shipped 4x4 checkpoint) in the EBM's mode: samples until the verifier accepts, within
# the budget; the harness reports that it used the verifier, and the EBM's chains likewise.
models=$(cd "$(dirname "$0")/.." && pwd)/models
status=$(status_of "$ebm" eval --box 2 --tier easy --count 4 --solver ebm --solver "ar:$models/sudoku4-ar.ckpt,budget=$(ms 3000),decode=until-verified:8" \
  --json "$dir/ar4.json"); cp "$dir/last.out" "$dir/ar4.txt"
[[ $status -eq 0 || $status -eq 3 ]] || fail "eval (EBM and AR) exited $status: $(cat "$dir/last.err")"
[[ $(grep -c '"uses_verifier": true' "$dir/ar4.json") -eq 2 ]] || fail "eval: EBM and until-verified AR must report uses_verifier"
grep -q "in loop" "$dir/ar4.txt" || fail "eval: the table must say which solvers used the verifier in the loop"
if "$ebm" eval --box 2 --count 1 --solver "ar:$models/sudoku4-ar.ckpt,budget=0" > "$dir/bad.out" 2>&1; then
  fail "eval: budget=0 must be refused"
fi
grep -q "budget must be milliseconds > 0" "$dir/bad.out" || fail "eval: a bad AR budget must be named: $(cat "$dir/bad.out")"

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
for task in sudoku sat coloring portfolio; do
  grep -q "^$task:" "$dir/tasks.txt" || fail "ebm tasks must list $task"
done

# SAT: DIMACS CNF in, SAT-competition lines out: `s SATISFIABLE` + `v ... 0` with exit 0 (10 with
# --competition-exit-codes), or `s UNKNOWN` with exit 3 (0 with the flag) -- never `s UNSATISFIABLE`
# (an energy minimiser proves nothing).
"$ebm" generate sat --count 1 --variables 20 --seed 5 -o "$dir/cnf" 2> /dev/null
set +e; "$ebm" solve sat "$dir/cnf/sat-0001.cnf" > "$dir/sat.out"; status=$?; set -e
[[ $status -eq 0 ]] || fail "sat: a satisfied formula must exit 0, got $status"
set +e; "$ebm" solve sat "$dir/cnf/sat-0001.cnf" --competition-exit-codes > /dev/null; status=$?; set -e
[[ $status -eq 10 ]] || fail "sat --competition-exit-codes: a satisfied formula must exit 10, got $status"
grep -q "^s SATISFIABLE$" "$dir/sat.out" || fail "sat: expected 's SATISFIABLE'"
[[ $(grep '^v ' "$dir/sat.out" | tail -1) == *" 0" ]] || fail "sat: the v lines must end in 0"
printf 'c x1 and not x1\np cnf 1 2\n1 0\n-1 0\n' > "$dir/unsat.cnf"
set +e; "$ebm" solve sat - --budget-ms 300 < "$dir/unsat.cnf" > "$dir/unsat.out"; status=$?; set -e
[[ $status -eq 3 ]] || fail "sat: no model found must exit 3, got $status"
set +e; "$ebm" solve sat - --budget-ms 300 --competition-exit-codes < "$dir/unsat.cnf" > /dev/null; status=$?; set -e
[[ $status -eq 0 ]] || fail "sat --competition-exit-codes: no model found must exit 0, got $status"
grep -q "^s UNKNOWN$" "$dir/unsat.out" || fail "sat: expected 's UNKNOWN'"
if grep -q "UNSATISFIABLE" "$dir/unsat.out"; then fail "sat: never print s UNSATISFIABLE"; fi
printf 'p cnf 2 1\n1 3 0\n' > "$dir/bad.cnf"
if "$ebm" solve sat "$dir/bad.cnf" > /dev/null 2> "$dir/bad.err"; then fail "sat: a bad file must exit non-zero"; fi
grep -q "bad.cnf:2" "$dir/bad.err" || fail "sat: error must name line 2: $(cat "$dir/bad.err")"
"$ebm" eval --task sat --input "$dir/cnf/sat-0001.cnf" --solver ebm --json "$dir/sat.json" > /dev/null
grep -q '"model"' "$dir/sat.json" || fail "sat: eval --json must hold each instance's model"

# Graph colouring: DIMACS .col in, `s col K` + `l V C` out with exit 0; `s UNKNOWN` with exit 3.
"$ebm" generate coloring --count 1 --vertices 40 --seed 3 -o "$dir/col" 2> /dev/null
set +e; "$ebm" solve coloring "$dir/col/coloring-0001.col" > "$dir/col.out"; status=$?; set -e
[[ $status -eq 0 ]] || fail "coloring: a coloured graph must exit 0, got $status"
[[ $(head -1 "$dir/col.out") == "s col 3" ]] || fail "coloring: first line must be 's col 3'"
[[ $(grep -c '^l ' "$dir/col.out") -eq 40 ]] || fail "coloring: expected one 'l' line per vertex"
printf 'c a 5-cycle needs 3 colours\np edge 5 5\ne 1 2\ne 2 3\ne 3 4\ne 4 5\ne 5 1\n' > "$dir/c5.col"
status=$(status_of "$ebm" solve coloring "$dir/c5.col" --colors 2 --budget-ms 300)
[[ $status -eq 3 && $(cat "$dir/last.out") == "s UNKNOWN" ]] || fail "coloring: 2 colours on C5 must be UNKNOWN, exit 3 (got $status)"
printf 'p edge 3 1\ne 1 9\n' > "$dir/bad.col"
if "$ebm" solve coloring "$dir/bad.col" > /dev/null 2> "$dir/bad.err"; then fail "coloring: a bad file must exit non-zero"; fi
grep -q "bad.col:2: vertex 9 out of range" "$dir/bad.err" || fail "coloring: error must name line 2: $(cat "$dir/bad.err")"

# Portfolio: an OR-Library market in, the frontier as CSV out (lambda,variance,mean_return,w_1..w_N).
"$ebm" generate portfolio --count 1 --market-assets 10 --seed 2 -o "$dir/pf" 2> /dev/null
"$ebm" solve portfolio "$dir/pf/portfolio-0001.txt" --assets 3 --points 3 --budget-ms $(ms 5000) > "$dir/pf.csv"
[[ $(head -1 "$dir/pf.csv") == "lambda,variance,mean_return,w_1,w_2,w_3,w_4,w_5,w_6,w_7,w_8,w_9,w_10" ]] || fail "portfolio: CSV header"
[[ $(wc -l < "$dir/pf.csv") -eq 4 ]] || fail "portfolio: expected a header and 3 frontier rows"
status=$(status_of "$ebm" eval --task portfolio --input "$dir/pf/portfolio-0001.txt" --assets 3 --points 3 --json "$dir/pf.json")
[[ $status -eq 0 || $status -eq 3 ]] || fail "portfolio: eval exited $status: $(cat "$dir/last.err")"
grep -q '"mpe_percent"' "$dir/pf.json" || fail "portfolio: eval must report the MPE"
printf '2\n0.1 0.2\n0.1 x\n' > "$dir/bad.txt"
if "$ebm" solve portfolio "$dir/bad.txt" > /dev/null 2> "$dir/bad.err"; then fail "portfolio: a bad market must exit non-zero"; fi
grep -q "bad.txt:3" "$dir/bad.err" || fail "portfolio: error must name line 3: $(cat "$dir/bad.err")"

"$ebm" samplers > "$dir/samplers.txt"
grep -q "tempering" "$dir/samplers.txt" || fail "ebm samplers must list tempering"
"$ebm" version > "$dir/version.txt"
grep -q "LibTorch" "$dir/version.txt" || fail "ebm version must print the LibTorch version"

# `ebm info`: a shipped checkpoint is sound (exit 0); a file that is not a checkpoint exits 2, named.
root=$(cd "$(dirname "$0")/.." && pwd)
"$ebm" info "$root/models/sudoku-energy.ckpt" > "$dir/info.txt" || fail "ebm info on the shipped energy exited $?"
grep -q "kind          sudoku-energy" "$dir/info.txt" || fail "ebm info does not name the kind"
grep -q "sound         yes" "$dir/info.txt" || fail "ebm info does not call the shipped energy sound"
set +e
"$ebm" info "$root/README.md" > "$dir/info.txt" 2>&1
status=$?
set -e
[[ $status -eq 2 ]] || fail "ebm info on a non-checkpoint exited $status, expected 2"
grep -q "NOT SOUND: .*not an ebm checkpoint" "$dir/info.txt" || fail "ebm info does not say why: $(cat "$dir/info.txt")"
# Bad input exits 2 before any work, with one stderr line 'ebm: error: ...' naming the option.
# expect_bad_input WORD CMD...
expect_bad_input() {
  local word=$1; shift
  local command="$*" status
  status=$(status_of "$@")
  [[ $status -eq 2 ]] || fail "exit $status, expected 2: ${command:0:160}: $(head -c 300 "$dir/last.err")"
  [[ $(wc -l < "$dir/last.err") -eq 1 ]] || fail "expected one stderr line: ${command:0:160}: $(head -c 600 "$dir/last.err")"
  [[ $(cat "$dir/last.err") == "ebm: error: "* ]] || fail "stderr must start 'ebm: error:': $(head -c 300 "$dir/last.err")"
  grep -qF -- "$word" "$dir/last.err" || fail "stderr must name '$word': ${command:0:160}: $(head -c 300 "$dir/last.err")"
}
puzzle=$(sed -n 2p "$dir/gen.csv" | cut -d, -f1)
expect_bad_input "--seed" "$ebm" solve sudoku "$puzzle" --seed -1
expect_bad_input "--batch: '9223372036854775808' is not an integer in [1, 65536]" "$ebm" solve sudoku "$puzzle" --batch 9223372036854775808
expect_bad_input "--batch" "$ebm" solve sudoku "$puzzle" --batch 1e9
expect_bad_input "--sampler" "$ebm" solve sudoku "$puzzle" --sampler ''
expect_bad_input "--trace-every" "$ebm" solve sudoku "$puzzle" --trace-chains "$dir/c.csv" --trace-every 0
expect_bad_input "--threads" "$ebm" solve sudoku "$puzzle" --threads 100000
expect_bad_input "--budget-ms" "$ebm" solve sudoku "$puzzle" --budget-ms inf
expect_bad_input "option 'step' must be a finite real in (0, 1000000], got 'inf'" "$ebm" solve sudoku "$puzzle" --sampler 'langevin:step=inf'
expect_bad_input "option 'step'" "$ebm" solve sudoku "$puzzle" --sampler 'gd:step=1e38'
expect_bad_input "option 'chains' must be an integer in [1, 1048576]" "$ebm" solve sudoku "$puzzle" --sampler 'langevin:chains=1000000000'
expect_bad_input "option 'leapfrog'" "$ebm" solve sudoku "$puzzle" --sampler 'hmc:leapfrog=1000000000'
expect_bad_input "longer than 4096 characters" "$ebm" solve sudoku "$puzzle" --sampler "langevin:$(printf 'x%.0s' $(seq 100000))"
expect_bad_input "beam width must be an integer in [1, 256]" "$ebm" eval --box 2 --count 1 --solver "ar:$models/sudoku4-ar.ckpt,decode=beam:5000"
expect_bad_input "--count" "$ebm" generate sudoku --count 1000001
expect_bad_input "--count" "$ebm" eval --count -5
expect_bad_input "--data-seed" "$ebm" eval --count 1 --data-seed -1
expect_bad_input "'layers' = -1 is outside [0, 64]" "$ebm" train sudoku --layers -1 --steps 1 -o "$dir/never.ckpt"
[[ ! -e "$dir/never.ckpt" ]] || fail "train --layers -1 must write no checkpoint"
expect_bad_input "ebm train TASK --model ar" "$ebm" train-ar sudoku --steps 1   # retired, pointing to its successor
expect_bad_input "has no model 'feedforward' (energy, pairwise, attention, ar)" "$ebm" train sudoku --model feedforward --steps 1 -o "$dir/never.ckpt"
expect_bad_input "no AR baseline" "$ebm" eval --task sat --count 1 --variables 20 --solver ar
expect_bad_input "--json: '$dir/missing/eval.json': folder '$dir/missing' does not exist" "$ebm" eval --count 1 --json "$dir/missing/eval.json"
expect_bad_input "--json" "$ebm" bench samplers --steps 1 --json "$dir/missing/bench.json"
expect_bad_input "needs about" "$ebm" bench samplers --chains 1048576 --variables 1000000 --categories 10000
expect_bad_input "--no-such-flag" "$ebm" solve sudoku "$puzzle" --no-such-flag
# A dataset whose solution column does not solve its puzzle is refused, naming the line.
{ echo "puzzle,solution"; sed -n 2p "$dir/gen.csv" | sed 's/,\(.\)\(.\)/,\2\1/'; } > "$dir/wrong_solution.csv"
expect_bad_input "wrong_solution.csv:2" "$ebm" eval --input "$dir/wrong_solution.csv" --solver reference
# A sweep resumed with another budget is refused, naming it; the same settings resume.
expect_bad_input "--budget-ms: file has 3000, this run 2000" "$ebm" sweep --tier easy --count 2 --chains 2 --steps 400 --budget-ms 2000 --seed 3 -o "$dir/full.csv"
# A harness run with an unsolved problem exits 3.
status=$(status_of "$ebm" eval --input "$root/bench/unsolvable_sudoku.txt" --solver ebm --budget-ms 200)
[[ $status -eq 3 ]] || fail "eval with an unsolved problem must exit 3, got $status: $(cat "$dir/last.err")"
echo "cli contract: ok"
