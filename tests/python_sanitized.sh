#!/usr/bin/env bash
# Runs COMMAND... (a Python program that imports the `ebm` module) with the AddressSanitizer runtime
# preloaded when EBM_ASAN_RUNTIME names it, as tests/meson.build does in a -Db_sanitize build:
# /usr/bin/python3 is not instrumented, so the runtime must be loaded ahead of the interpreter before
# the instrumented module can be imported. PYTHONMALLOC=malloc routes Python's allocations through
# ASan; LeakSanitizer is off in such a process (CPython keeps objects alive to its exit, and every
# allocation of the module has interpreter frames above it). Without EBM_ASAN_RUNTIME it runs COMMAND.
# Only Python goes through here: an ebm executable of that build carries its own runtime, and a
# second one preloaded makes it stop ("incompatible ASan runtimes").
# Usage: tests/python_sanitized.sh COMMAND [ARGS...]
set -euo pipefail
if [[ -n "${EBM_ASAN_RUNTIME:-}" ]]; then
  export LD_PRELOAD="$EBM_ASAN_RUNTIME${LD_PRELOAD:+:$LD_PRELOAD}" PYTHONMALLOC=malloc
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
exec "$@"
