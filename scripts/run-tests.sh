#!/usr/bin/env bash
# Runs every Meson test suite and ends with a one-line count: "tests: N passed, N failed".
set -uo pipefail
build=${1:-build}
meson test -C "$build" --print-errorlogs --num-processes 1
rc=$?
log="$build/meson-logs/testlog.json"
if [[ -f "$log" ]]; then
  passed=$(grep -c '"result": "OK"' "$log" || true)
  failed=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
  echo "tests: $passed passed, $failed failed"
fi
exit $rc
