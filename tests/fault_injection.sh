#!/bin/bash
# Fault injection (docs/RELIABILITY.md, "Checkpoints, budgets, seeds and faults"):
#  1. training killed with SIGKILL at 10 seeded random moments always leaves a checkpoint that
#     `ebm info` calls sound, the temporaries of killed writes are gone after the next write, and
#     resuming to the end gives weights bit-identical to an uninterrupted run with the same seed;
#  2. a full disk (ulimit -f) while writing a checkpoint, a CSV and a JSON file leaves the previous
#     file byte-identical, no temporary behind, exit status 1 and a one-line message.
# Usage: fault_injection.sh EBM   (prints one line per figure; exit 0 when every check holds)
set -u
EBM=${1:?usage: fault_injection.sh EBM}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The smallest learned-energy run that still validates and checkpoints: every 2 steps. The killed
# runs aim at KILLED_STEPS, the final resume and the uninterrupted run go 2 steps further, so that
# the final resume always writes (and must clean up).
KILLED_STEPS=40 STEPS=42
train_args=(train sudoku --hidden 8 --layers 1 --train-puzzles 4 --tiers medium --validation-puzzles 1
            --validation-budget-ms 5 --batch 4 --threads 1 --seed 5 --validate-every 2)
train() { "$EBM" "${train_args[@]}" --steps "$STEPS" "$@"; }
temporaries() { find "$work" -name '*.tmp-*' | wc -l; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
checkpoint_step() { "$EBM" info "$1" 2>/dev/null | sed -n 's/.*"step":\([0-9]*\).*/\1/p' | head -1; }

# ---- 1. kills at random moments ---------------------------------------------------------------
# The uninterrupted run, timed per step (from the moment its first checkpoint, step 2, appears).
started=$(now_ms)
train -o "$work/reference.ckpt" >"$work/reference.log" 2>&1 &
reference=$!
first_ms=""
while kill -0 "$reference" 2>/dev/null; do
  [ -z "$first_ms" ] && [ -e "$work/reference.ckpt" ] && first_ms=$(($(now_ms) - started))
  sleep 0.005
done
wait "$reference" || fail "the uninterrupted run failed: $(tail -1 "$work/reference.log")"
run_ms=$(($(now_ms) - started))
first_ms=${first_ms:-$run_ms}
step_ms=$(((run_ms - first_ms) / (STEPS - 2) + 1))

# Each trial is killed among the training steps it has left, whatever its start-up takes (that
# varies several-fold under the sanitizers): once its log shows training under way and a seeded
# number of its checkpoints written (an even share of the steps left, on average), it is killed a
# seeded 0-2 steps later: inside a step, a validation or a checkpoint write.
RANDOM=20261201
trials=10 killed=0 sound=0 left_temporaries=0 resumed_from=""
for trial in $(seq 1 $trials); do
  resume=() done_steps=0
  if [ -e "$work/run.ckpt" ]; then
    resume=(--resume)
    done_steps=$(checkpoint_step "$work/run.ckpt")
  fi
  share=$(((KILLED_STEPS - ${done_steps:-0}) / 2 / (trials - trial + 1) + 1))  # checkpoints
  checkpoints=$((RANDOM % share)) delay_ms=$((RANDOM % (2 * step_ms + 1)))
  # ebm itself is the background job, so $! is its pid: a shell function run with & would be a
  # subshell, and killing that left ebm running on as an orphan beside the next trial.
  "$EBM" "${train_args[@]}" --steps "$KILLED_STEPS" -o "$work/run.ckpt" "${resume[@]}" >"$work/trial$trial.log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null && { ! grep -q '^model ' "$work/trial$trial.log" ||
        [ "$(grep -c '^checkpoint written' "$work/trial$trial.log")" -lt "$checkpoints" ]; }; do
    sleep 0.005
  done
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ $? -eq 137 ] && killed=$((killed + 1))  # died of the SIGKILL, not finished before it
  [ -n "${FAULT_TRACE:-}" ] && echo "trial $trial: from step ${done_steps:-0}, killed $delay_ms ms after checkpoint $checkpoints of this run; checkpoint now at step $(checkpoint_step "$work/run.ckpt")"
  resumed_from+=$(sed -n 's/^resumed .* at step \([0-9]*\)$/ \1/p' "$work/trial$trial.log")
  left_temporaries=$((left_temporaries + $(temporaries)))
  if [ -e "$work/run.ckpt" ]; then
    if "$EBM" info "$work/run.ckpt" >"$work/info$trial.log" 2>&1; then
      sound=$((sound + 1))
    else
      fail "after kill $trial (at ${delay_ms} ms) the checkpoint is not sound: $(grep -m1 'NOT SOUND' "$work/info$trial.log")"
    fi
  else
    sound=$((sound + 1))  # killed before the first checkpoint: nothing to load, a fresh start follows
  fi
done
# A kill inside a write leaves "run.ckpt.tmp-<pid>-<n>"; the random kills rarely land there, so one
# such leftover of a process that is gone is planted as well: the next write must remove it.
true &
dead=$!
wait "$dead"
echo "half a checkpoint" >"$work/run.ckpt.tmp-$dead-0"
planted=$(temporaries)
[ "$killed" -ge $((trials / 2)) ] || fail "only $killed of $trials trials killed a running process"
# Resume to the end (a run the last kill missed has finished already; resuming it again is a no-op).
resume=()
[ -e "$work/run.ckpt" ] && resume=(--resume)
train -o "$work/run.ckpt" "${resume[@]}" >"$work/final.log" 2>&1 ||
  fail "resuming to the end failed: $(tail -1 "$work/final.log")"
[ "$(temporaries)" -eq 0 ] || fail "temporaries remain after the final write: $(find "$work" -name '*.tmp-*')"
if "$EBM" checkpoint-diff "$work/reference.ckpt" "$work/run.ckpt" --tolerance 0 >"$work/diff.log" 2>&1; then
  equal=yes
else
  equal=no
  fail "the resumed run differs from the uninterrupted one: $(cat "$work/diff.log")"
fi
echo "kills: $killed of $trials trials killed a running process (uninterrupted run ${run_ms} ms, ${step_ms} ms a step); trials resumed from step:${resumed_from:- none}; checkpoint sound after every kill: $sound/$trials; temporaries left by kills: $left_temporaries, planted: $planted, after the next write: $(temporaries); resumed weights bit-identical: $equal"

# ---- 2. full disk -----------------------------------------------------------------------------
# ulimit -f is in 1024-byte blocks; SIGXFSZ is ignored by ebm, so a write beyond it fails with EFBIG.
# The limit is at least 1 block: LLVM's OpenMP runtime (the clang sanitizer build's libomp) sizes a
# 1 KiB /dev/shm registration file while loading, before main() can ignore SIGXFSZ, so a limit of 0
# would kill that build before it starts. Each output below is larger than 1 KiB (the CSV holds two
# solvers' rows for that reason).
# Each case: the command's output file exists from a run without a limit; the limited run must exit
# 1 with a one-line message and leave that file byte-identical, with no temporary beside it.
full_disk() {  # NAME FILE BLOCKS COMMAND...
  local name=$1 file=$2 blocks=$3
  shift 3
  cp "$file" "$work/before"
  local err status
  err=$( (ulimit -f "$blocks"; "$@" 2>&1 >/dev/null) )
  status=$?
  local lines
  lines=$(printf '%s\n' "$err" | grep -c .)
  if [ "$status" -ne 1 ]; then fail "$name on a full disk: exit $status, expected 1 ($err)"
  elif [ "$lines" -ne 1 ]; then fail "$name on a full disk: $lines lines of error, expected 1: $err"
  elif ! cmp -s "$file" "$work/before"; then fail "$name on a full disk: the previous file changed"
  elif [ "$(temporaries)" -ne 0 ]; then fail "$name on a full disk: a temporary remains"
  else echo "full disk, $name: exit 1, previous file intact, no temporary: $err"
  fi
}
cp "$work/reference.ckpt" "$work/full.ckpt"
STEPS=$((STEPS + 2)) full_disk checkpoint "$work/full.ckpt" 2 train -o "$work/full.ckpt" --resume
eval_args=(eval --task sudoku --tier easy --count 2 --solver reference --solver ebm --threads 1)
"$EBM" "${eval_args[@]}" --csv "$work/eval.csv" --json "$work/eval.json" >/dev/null 2>&1 || fail "eval without a limit failed"
for file in "$work/eval.csv" "$work/eval.json"; do
  [ "$(wc -c <"$file")" -gt 1024 ] || fail "$file is not larger than the 1 KiB limit: $(wc -c <"$file") bytes"
done
full_disk csv "$work/eval.csv" 1 "$EBM" "${eval_args[@]}" --csv "$work/eval.csv"
full_disk json "$work/eval.json" 1 "$EBM" "${eval_args[@]}" --json "$work/eval.json"

[ "$failures" -eq 0 ] && echo "fault injection: all checks hold"
exit $((failures > 0))
