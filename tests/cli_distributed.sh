#!/usr/bin/env bash
# Data-parallel training over c10d/Gloo (docs/TRAINING.md, "Data-parallel training"), end to end on
# the learned Sudoku energy:
#   1. two local processes on a batch of 8 (4 rows each) reach the weights of one process on the
#      same batch of 8, within 1e-5, while a one-process run on a batch of 4 lands outside it; the
#      same for the AR baseline (train sudoku --model ar);
#   2. a rank killed with SIGKILL makes rank 0 exit non-zero within seconds, naming the failure;
#   3. the --local-processes launcher stops the surviving rank and exits non-zero when one is killed;
#   4. bad --rank, --batch and --master values are refused with a sentence.
set -euo pipefail
ebm=$1
dir=$(mktemp -d)
started=()
cleanup() {
  for pid in "${started[@]}"; do kill -9 "$pid" 2> /dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for log in "$dir"/*.log; do [[ -e "$log" ]] && { echo "--- $log"; cat "$log"; }; done
  exit 1
}
# Waits up to $2 seconds for file $1 to contain $3.
wait_for_line() {
  local deadline=$((SECONDS + $2))
  until grep -q -- "$3" "$1" 2> /dev/null; do
    ((SECONDS < deadline)) || fail "no '$3' in $1 within $2 s"
    sleep 0.1
  done
}
# Waits up to $2 seconds for process $1 to end; sets $status to its exit status.
wait_for_exit() {
  local deadline=$((SECONDS + $2))
  while kill -0 "$1" 2> /dev/null; do
    ((SECONDS < deadline)) || fail "process $1 still running after $2 s (a hang)"
    sleep 0.1
  done
  status=0
  wait "$1" || status=$?
}

tiny=(train sudoku --hidden 16 --layers 1 --train-puzzles 64 --validation-puzzles 2 --validation-budget-ms 100
      --seed 3 --threads 1)

# 1. Equivalence: the same 5 Adam steps on the same global batches.
"$ebm" "${tiny[@]}" --steps 5 --batch 8 -o "$dir/one.ckpt" > "$dir/one.log" 2>&1 || fail "one-process run failed"
"$ebm" "${tiny[@]}" --steps 5 --batch 8 --local-processes 2 -o "$dir/two.ckpt" > "$dir/two.log" 2>&1 ||
  fail "two-process run failed"
grep -q "distributed: rank 0 of 2 via gloo at 127.0.0.1:" "$dir/two.log" || fail "rank 0 did not report its group"
grep -q "distributed: rank 1 of 2 via gloo at 127.0.0.1:" "$dir/two.log" || fail "rank 1 did not report its group"
[[ $(grep -c "^done: 5 steps" "$dir/two.log") -eq 1 ]] || fail "exactly one rank (0) reports the result"
"$ebm" checkpoint-diff "$dir/one.ckpt" "$dir/two.ckpt" --tolerance 1e-5 > "$dir/diff.log" ||
  fail "2 processes did not reach the weights of 1 process: $(cat "$dir/diff.log")"
echo "1 vs 2 processes: $(cat "$dir/diff.log")"
# The tolerance tells runs apart: half the batch gives other weights.
"$ebm" "${tiny[@]}" --steps 5 --batch 4 -o "$dir/half.ckpt" > "$dir/half.log" 2>&1 || fail "batch-4 run failed"
if "$ebm" checkpoint-diff "$dir/one.ckpt" "$dir/half.ckpt" --tolerance 1e-5 > "$dir/diff-half.log"; then
  fail "batch 4 and batch 8 gave weights within 1e-5: the comparison cannot tell runs apart"
fi

# The AR baseline in solver order, whose boards have different numbers of answer tokens: the shards'
# losses are weighted so that their mean is the whole batch's per-token mean.
ar=(train sudoku --model ar --order solver --d-model 16 --layers 1 --heads 2 --train-puzzles 64 --validation-puzzles 2
    --seed 3 --threads 1 --steps 5 --batch 8)
"$ebm" "${ar[@]}" -o "$dir/ar-one.ckpt" > "$dir/ar-one.log" 2>&1 || fail "one-process AR run failed"
"$ebm" "${ar[@]}" --local-processes 2 -o "$dir/ar-two.ckpt" > "$dir/ar-two.log" 2>&1 || fail "two-process AR run failed"
"$ebm" checkpoint-diff "$dir/ar-one.ckpt" "$dir/ar-two.ckpt" --tolerance 1e-5 > "$dir/ar-diff.log" ||
  fail "2 AR processes did not reach the weights of 1 process: $(cat "$dir/ar-diff.log")"
echo "AR, 1 vs 2 processes: $(cat "$dir/ar-diff.log")"

# 2. A killed rank: rank 0 fails at once with a message, never hangs (timeout 5 s for a silent peer).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
long=("${tiny[@]}" --steps 1000000 --batch 8 --validate-every 1000000 --world-size 2 --master "127.0.0.1:$port"
      --dist-timeout 5 -o "$dir/killed.ckpt")
"$ebm" "${long[@]}" --rank 0 > "$dir/rank0.log" 2>&1 &
rank0=$!
started+=("$rank0")
"$ebm" "${long[@]}" --rank 1 > "$dir/rank1.log" 2>&1 &
rank1=$!
started+=("$rank1")
wait_for_line "$dir/rank0.log" 60 "step 50/1000000"
kill -9 "$rank1"
{ wait "$rank1"; } 2> /dev/null || true
killed_at=$SECONDS
wait_for_exit "$rank0" 15
((status != 0)) || fail "rank 0 exited 0 after rank 1 was killed"
grep -q "ebm: error: rank 0 of 2 via gloo at 127.0.0.1:$port lost contact with the other ranks during" \
  "$dir/rank0.log" || fail "rank 0's error does not name the failure"
echo "rank 0 stopped $((SECONDS - killed_at)) s after rank 1 was killed, status $status"

# 3. The launcher fails fast: kill rank 1, the launcher stops rank 0 and exits non-zero.
"$ebm" "${tiny[@]}" --steps 1000000 --batch 8 --validate-every 1000000 --local-processes 2 --dist-timeout 5 \
  -o "$dir/launched.ckpt" > "$dir/launcher.log" 2>&1 &
launcher=$!
started+=("$launcher")
wait_for_line "$dir/launcher.log" 60 "step 50/1000000"
line=$(grep "^launching 2 local ranks at 127.0.0.1:" "$dir/launcher.log") || fail "the launcher did not list its ranks"
launched0=$(sed -E 's/.*rank 0: pid ([0-9]+).*/\1/' <<< "$line")
launched1=$(sed -E 's/.*rank 1: pid ([0-9]+).*/\1/' <<< "$line")
started+=("$launched0" "$launched1")
kill -9 "$launched1"  # not this shell's child: no job notice
wait_for_exit "$launcher" 15
((status != 0)) || fail "the launcher exited 0 after rank 1 was killed"
grep -q "ebm: rank 1 (pid $launched1) was killed by signal 9" "$dir/launcher.log" || fail "the launcher did not name rank 1"
! kill -0 "$launched0" 2> /dev/null || fail "the launcher left rank 0 running"

# 4. Refusals.
refused() {  # expected message, then arguments
  local expected=$1
  shift
  if "$ebm" "${tiny[@]}" --steps 1 "$@" -o "$dir/refused.ckpt" > "$dir/refused.log" 2>&1; then
    fail "accepted: $*"
  fi
  grep -qF -- "$expected" "$dir/refused.log" || fail "for $*: expected '$expected', got: $(cat "$dir/refused.log")"
}
refused "rank must be in [0, 2), got 2" --world-size 2 --rank 2 --master 127.0.0.1:29500
refused "batch (7) must divide evenly over the world size (2)" --batch 7 --world-size 2 --master 127.0.0.1:29500
refused "batch (7) must divide evenly over the world size (2)" --batch 7 --local-processes 2
refused "master 'node7' is not HOST:PORT: no ':PORT'" --world-size 2 --master node7
refused "needs the master's HOST:PORT" --world-size 2
refused "--world-size excludes --local-processes" --local-processes 2 --world-size 2
echo "cli-distributed: all checks passed"
