#!/usr/bin/env bash
# Configures and builds the sanitizer build that `make sanitize` and `make fuzz` share: clang with
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included) and libFuzzer's coverage
# instrumentation (-Dfuzz=true), the doctest suites, the CLI and the fuzz/ harnesses in one folder,
# so CI compiles the tree twice (release and this), not three times.
# Usage: scripts/sanitizer_build.sh BUILD [NINJA_TARGET...]
#
# b_lundef=false: libebm.so is instrumented but does not link the sanitizer runtimes itself (the
# executables do), so its undefined __asan_*/__ubsan_* symbols must be allowed.
# -Dpython=disabled: the module would load into an uninstrumented /usr/bin/python3, which needs
# libasan preloaded ahead of the interpreter; the `python` test and notebooks/python_minimize.ipynb
# are therefore not part of the sanitizer run.
# -Doptimization=1 -Ddebug=false -gline-tables-only: -O1, the level ASan is tuned for, quicker to
# compile than the release -O3; line tables only, so reports carry file:line and ccache still hits
# from any checkout folder. clang's "undefined" includes float-cast-overflow.
set -euo pipefail
build=${1:?usage: scripts/sanitizer_build.sh BUILD [TARGET...]}
shift
if [[ ! -f "$build/build.ninja" ]]; then
  CC=clang CXX=clang++ meson setup "$build" -Dfuzz=true -Dpython=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=1 -Ddebug=false \
    -Dcpp_args=-gline-tables-only -Dpkgconfig.relocatable=true >/dev/null
fi
nice ninja -j"${SANITIZE_JOBS:-2}" -C "$build" "$@"
