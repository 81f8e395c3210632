#!/usr/bin/env bash
# Configures and builds the sanitizer build that `make sanitize` and `make fuzz` share: clang with
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included) and libFuzzer's coverage
# instrumentation (-Dfuzz=true), the doctest suites, the CLI and the fuzz/ harnesses in one folder,
# so CI compiles the tree twice (release and this), not three times.
# Usage: scripts/sanitizer_build.sh BUILD [NINJA_TARGET...]
#
# b_lundef=false: libebm.so is instrumented but does not link the sanitizer runtimes itself (the
# executables do), so its undefined __asan_*/__ubsan_* symbols must be allowed.
# The Python module is built too: its `python` test and notebooks/python_minimize.ipynb run the
# uninstrumented /usr/bin/python3 with the ASan runtime preloaded (tests/python_sanitized.sh).
# -Doptimization=1 -Ddebug=false -gline-tables-only: -O1, the level ASan is tuned for, quicker to
# compile than the release -O3; line tables only, so reports carry file:line and ccache still hits
# from any checkout folder. clang's "undefined" includes float-cast-overflow.
#
# ccache: Meson wraps a compiler in ccache only when it picks the compiler itself, not one named in
# CC/CXX, so it is named here. CCACHE_BASEDIR (the checkout) makes the cached objects independent of
# where the checkout lies, so a clean clone in another folder (CI) hits the cache a build here filled.
# -Db_pch=false: a clang precompiled header records the absolute path of the header it was built
# from, so a cached one from another checkout fails ("could not find file .../pch/ebm_pch.h
# referenced by AST file"); without it each object is cached on its own.
set -euo pipefail
build=${1:?usage: scripts/sanitizer_build.sh BUILD [TARGET...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
if [[ ! -f "$build/build.ninja" ]]; then
  launcher=""
  command -v ccache >/dev/null && launcher="ccache "
  CC="${launcher}clang" CXX="${launcher}clang++" meson setup "$build" -Dfuzz=true -Db_pch=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=1 -Ddebug=false \
    -Dcpp_args=-gline-tables-only -Dpkgconfig.relocatable=true >/dev/null
fi
nice ninja -j"${SANITIZE_JOBS:-2}" -C "$build" "$@"
