#!/usr/bin/env bash
# Fails when the doctest binary has a test case outside every suite that Meson runs (tests/meson.build,
# test_suites): such a case would never run under `make test`. Usage: suite_coverage.sh EBM_TESTS SUITES
set -euo pipefail
orphans=$("$1" --list-test-cases --test-suite-exclude="$2" --no-intro=true 2>/dev/null |
          grep -v -E '^\[doctest\]|^=+$|^$' || true)
if [[ -n $orphans ]]; then
  echo "test cases in no suite that meson runs (wrap them in TEST_SUITE(...) or add the suite to tests/meson.build):"
  echo "$orphans"
  exit 1
fi
echo "every test case is in a suite that meson runs"
