#!/usr/bin/env bash
# Builds ebm with AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included) in its own
# build folder and runs the Meson tests under them. Any sanitizer report fails the run, also one from
# a process whose exit code a test expected to be non-zero or whose stderr it discarded: every report
# is written to a file (log_path) and the run fails when one exists. Ends with the wall time.
#
# Usage: scripts/sanitize.sh [all|ci]
#   all (default)  every Meson test the build has (the Python module is not built, see below)
#   ci             the core and parser-heavy tests only (CI_TESTS below), to keep CI short
# Environment: SANITIZE_BUILD (build folder, default build-sanitize), SANITIZE_JOBS (ninja -j, default 2).
# The build itself (clang, shared with `make fuzz`) is scripts/sanitizer_build.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
selection=${1:-all}
build=${SANITIZE_BUILD:-build-sanitize}
# Checkpoint and parser readers (sudoku, SAT/DIMACS, coloring, portfolio, task files, splits) and the
# CLI's input contract: where malformed input meets our code. (The server's request parser is under
# the sanitizers in its fuzz harness, fuzz_serve_request; its end-to-end test takes minutes here.)
CI_TESTS=(core sudoku sat coloring portfolio tasks splits cli-contract)
case "$selection" in
  all) tests=() ;;
  ci) tests=("${CI_TESTS[@]}") ;;
  *) echo "sanitize.sh: unknown selection '$selection' (expected 'all' or 'ci')" >&2; exit 2 ;;
esac
start=$SECONDS

scripts/sanitizer_build.sh "$build"

reports=$(realpath "$build")/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
# halt_on_error: the first report ends the process (UBSan would otherwise print and go on).
# check_initialization_order: also static initialisers reading another file's not-yet-built globals.
# LeakSanitizer runs at exit of every process (detect_leaks=1); scripts/lsan.supp names third-party
# libraries only, never ours.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:check_initialization_order=1:log_path=$reports/report"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/report"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0"

# Tests that give a run a time budget it must solve within scale it by this (tests/cli_contract.sh).
export EBM_TEST_TIME_SCALE=${EBM_TEST_TIME_SCALE:-6}

status=0
nice meson test -C "$build" --print-errorlogs --num-processes 1 --timeout-multiplier 3 "${tests[@]}" || status=$?
found=$(find "$reports" -type f | sort)
if [[ -n "$found" ]]; then
  for report in $found; do
    echo "=== sanitizer report ${report#"$reports"/}"
    cat "$report"
  done
  echo "sanitize: $(wc -w <<<"$found") sanitizer report(s), kept in $reports" >&2
  status=1
fi
elapsed=$((SECONDS - start))
echo "sanitize ($selection): $([[ $status -eq 0 ]] && echo clean || echo FAILED) in $((elapsed / 60)) min $((elapsed % 60)) s (build + tests)"
exit $status
