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
KILLED_STEPS=20 STEPS=22
train() {
  "$EBM" train sudoku --hidden 8 --layers 1 --train-puzzles 4 --tiers medium --validation-puzzles 1 \
    --validation-budget-ms 5 --batch 4 --threads 1 --seed 5 --steps "$STEPS" --validate-every 2 "$@"
}
temporaries() { find "$work" -name '*.tmp-*' | wc -l; }

# ---- 1. kills at random moments ---------------------------------------------------------------
started=$(date +%s%N)
train -o "$work/reference.ckpt" >"$work/reference.log" 2>&1 || fail "the uninterrupted run failed: $(tail -1 "$work/reference.log")"
run_ms=$((($(date +%s%N) - started) / 1000000))

RANDOM=20261201  # the kill moments are reproducible
trials=10 killed=0 sound=0 left_temporaries=0
for trial in $(seq 1 $trials); do
  resume=()
  [ -e "$work/run.ckpt" ] && resume=(--resume)
  delay_ms=$((RANDOM % (run_ms * 3 / 5 + 1)))  # resumed runs have less left to do
  STEPS=$KILLED_STEPS train -o "$work/run.ckpt" "${resume[@]}" >"$work/trial$trial.log" 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -KILL "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null
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
echo "kills: $killed of $trials trials killed a running process (uninterrupted run ${run_ms} ms); checkpoint sound after every kill: $sound/$trials; temporaries left by kills: $left_temporaries, planted: $planted, after the next write: $(temporaries); resumed weights bit-identical: $equal"

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
