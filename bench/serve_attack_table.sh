#!/bin/bash
# The "Server under attack" table of docs/RELIABILITY.md: every case of tests/test_serve_attacks.py
# run one at a time against two `ebm` binaries (before and after a change), each case limited to
# CASE_SECONDS (default 60: a hang shows as "hang"). The old binary runs without the flags it does
# not know (EBM_ATTACK_BASELINE=1; cases that need them are skipped there).
# Usage: bench/serve_attack_table.sh OLD_EBM NEW_EBM [OUT.csv]   (default docs/results/serve_attacks/table.csv)
set -u
old=$(realpath "${1:?usage: serve_attack_table.sh OLD_EBM NEW_EBM [OUT.csv]}")
new=$(realpath "${2:?usage: serve_attack_table.sh OLD_EBM NEW_EBM [OUT.csv]}")
out=${3:-docs/results/serve_attacks/table.csv}
seconds=${CASE_SECONDS:-60}
cd "$(dirname "$0")/../tests" || exit 1
out=$(realpath -m "../$out")
mkdir -p "$(dirname "$out")"
# One case against one binary: "passed", "failed: <first assertion line>", "skipped" or "hang".
run_case() {
  local binary=$1 baseline=$2 case=$3 log rc
  log=$(EBM_CLI=$binary EBM_ATTACK_BASELINE=$baseline timeout "$seconds" /usr/bin/python3 -m pytest -q \
        -p no:cacheprovider "test_serve_attacks.py::$case" 2>&1)
  rc=$?
  if [[ $rc -eq 124 ]]; then echo "hang (> ${seconds} s)"
  elif grep -q " passed" <<<"$log" && [[ $rc -eq 0 ]]; then echo passed
  elif grep -q " skipped" <<<"$log"; then echo skipped
  else echo "failed: $(grep -m1 '^E ' <<<"$log" | cut -c3-160 | tr ',"' ";'" | tr -d '\r' | sed 's/^ *//')"
  fi
}
echo "case,before,after" >"$out"
/usr/bin/python3 -m pytest --collect-only -q -p no:cacheprovider test_serve_attacks.py 2>/dev/null |
  grep '::' | sed 's/^test_serve_attacks.py:://' | while read -r case; do
    before=$(run_case "$old" 1 "$case")
    after=$(run_case "$new" 0 "$case")
    printf '%s,%s,%s\n' "$case" "$before" "$after" | tee -a "$out"
  done
