#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, clang, ASan + UBSan) in BUILD and runs each for FUZZ_SECONDS,
# FUZZ_JOBS at a time, on a scratch copy of its seed corpus (the committed fuzz/corpus is never
# written). One line per harness: name, executions, exec/s, corpus size at the end, result. Exit 1
# when any harness found a crash, a sanitizer report, a timeout or an out-of-memory (the line names
# the input file that reproduces it: BUILD/fuzz/NAME FILE).
# Usage: scripts/fuzz.sh [BUILD]   (default build-sanitize, shared with `make sanitize`: scripts/sanitizer_build.sh)
# Environment: FUZZ_SECONDS (60), FUZZ_JOBS (2), FUZZ_ONLY ("fuzz_checkpoint fuzz_sampler_spec": a subset),
#              FUZZ_WORK (scratch folder; default a new one under $TMPDIR or /tmp, kept for inspection),
#              FUZZ_SEED (libFuzzer's -seed; default a random one each run). CI sets FUZZ_SEED=1: with
#              the same binary and committed corpus, its short pass then walks nearly the same
#              mutations every time (libFuzzer is not fully deterministic), which longer seed-1 runs
#              here explored first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-sanitize}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
work=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/ebm-fuzz.XXXXXX")}
cd "$root"

scripts/sanitizer_build.sh "$build" fuzzers >/dev/null

# Sanitizer reports end the run (UBSan would otherwise print and go on); leaks of LibTorch's own
# static state are suppressed (fuzz/lsan.supp), ours are not.
export ASAN_OPTIONS="abort_on_error=1:symbolize=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp:print_suppressions=0"

harnesses=()
for exe in "$build"/fuzz/fuzz_*; do
  [[ -x "$exe" && -f "$exe" ]] || continue
  name=$(basename "$exe")
  [[ -z "${FUZZ_ONLY:-}" || " $FUZZ_ONLY " == *" $name "* ]] && harnesses+=("$name")
done
[[ ${#harnesses[@]} -gt 0 ]] || { echo "fuzz: no harness in $build/fuzz" >&2; exit 1; }

# Runs harness $1 and writes its summary line to $work/$1/result.
run_one() {
  local name=$1 surface=${1#fuzz_} dir="$work/$1"
  local max_len=4096
  [[ $name == fuzz_checkpoint ]] && max_len=65536
  mkdir -p "$dir/corpus"
  local args=(-max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048
              -print_final_stats=1 -artifact_prefix="$dir/")
  [[ -f "fuzz/$surface.dict" ]] && args+=(-dict="fuzz/$surface.dict")
  [[ -n "${FUZZ_SEED:-}" ]] && args+=(-seed="$FUZZ_SEED")
  local seeds=()
  [[ -d "fuzz/corpus/$surface" ]] && seeds+=("fuzz/corpus/$surface")
  # New inputs go to the first corpus folder only: the scratch one.
  local rc=0
  "$build/fuzz/$name" "${args[@]}" "$dir/corpus" "${seeds[@]}" >"$dir/log" 2>&1 || rc=$?
  local execs rate corpus result artifact
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  corpus=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' "$dir/log" | tail -1)
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$dir/log" | tail -1)
  if [[ $rc -eq 0 ]]; then
    result="ok"
  else
    result="FAILED (exit $rc): $(grep -m1 -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|fuzz: |libFuzzer: ' "$dir/log" | cut -c1-160)"
    result+="; input: ${artifact:-none written}; log: $dir/log"
  fi
  printf '%-28s %10s execs %8s exec/s %6s corpus  %s\n' "$name" "${execs:-?}" "${rate:-?}" "${corpus:-?}" "$result" \
    >"$dir/result"
  cat "$dir/result"
}

echo "fuzz: ${#harnesses[@]} harnesses, ${seconds} s each, $jobs at a time, seed ${FUZZ_SEED:-random}, work in $work"
running=0
for name in "${harnesses[@]}"; do
  if [[ $running -ge $jobs ]]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_one "$name" &
  running=$((running + 1))
done
wait || true

failed=0
for name in "${harnesses[@]}"; do
  [[ -f "$work/$name/result" ]] || { echo "$name: no result" >&2; failed=1; continue; }
  grep -q ' ok$' "$work/$name/result" || failed=1
done
if [[ $failed -ne 0 ]]; then
  echo "fuzz: FAILED (reproduce: $build/fuzz/NAME INPUT)"
  exit 1
fi
echo "fuzz: all ${#harnesses[@]} harnesses ok"
