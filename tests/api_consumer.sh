#!/usr/bin/env bash
# The public API as an outsider sees it: installs the build into a temporary folder, checks the
# installed files (every installed header's own <ebm/...> includes are installed too; no installed
# text file names the source or build directory), then builds tests/consumer/consumer.cpp out of tree
# twice under -Wall -Wextra -Werror, with `pkg-config ebm` and as a Meson project with
# dependency('ebm'), and runs both against the installed library and models.
#
# Usage: api_consumer.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2; exit 2; }
build=$(realpath "$1")
source=$(realpath "$2")

tmp=$(realpath "$(mktemp -d)")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "meson install --destdir failed"; }

pc_file=$(find "$tmp/root" -name ebm.pc -print -quit)
[[ -n "$pc_file" ]] || fail "no ebm.pc installed under $tmp/root"
pc_folder=$(dirname "$pc_file")
export PKG_CONFIG_PATH="$pc_folder${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
includedir=$(pkg-config --variable=includedir ebm)
libdir=$(pkg-config --variable=libdir ebm)
case "$includedir" in "$tmp"/*) ;; *) fail "ebm.pc is not relocatable: includedir '$includedir' is outside $tmp" ;; esac
[[ -f "$includedir/ebm/ebm.h" ]] || fail "the umbrella header ebm/ebm.h is not installed in $includedir"

# Every installed header's own includes of ebm headers are installed too.
headers=0
while IFS= read -r header; do
  headers=$((headers + 1))
  while IFS= read -r target; do
    [[ -f "$includedir/$target" ]] ||
      fail "installed header ${header#"$includedir"/} includes $target, which is not installed (internal?)"
  done < <(sed -n -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](ebm\/[^">]+)[">].*/\1/p' "$header")
done < <(find "$includedir/ebm" -type f -name '*.h')
echo "installed headers: $headers, each with its ebm includes installed"

# No installed text file (headers, .pc, ...) names the build machine's source or build folder.
for folder in "$source" "$build"; do
  if leaks=$(grep -rIlF -- "$folder" "$tmp/root"); then
    fail "installed files name $folder: ${leaks//$tmp\/root/}"
  fi
done

# The model folders must come from the install, not from the environment.
unset EBM_MODEL_DIR
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
model_prefix="$tmp/root"
cp -r "$source/tests/consumer" "$tmp/consumer"

# Both consumers compile at once (LibTorch's headers make each take a while): Meson in the background.
(meson setup "$tmp/meson-build" "$tmp/consumer" && ninja -C "$tmp/meson-build") >"$tmp/meson.log" 2>&1 &
meson_pid=$!
# shellcheck disable=SC2046  # pkg-config's flags are meant to split into words
g++ -std=c++17 -Wall -Wextra -Werror -o "$tmp/consumer-pkgconfig" "$tmp/consumer/consumer.cpp" \
  $(pkg-config --cflags --libs ebm) ||
  { wait "$meson_pid" || true; fail "the consumer does not compile with g++ -Wall -Wextra -Werror \$(pkg-config --cflags --libs ebm)"; }
wait "$meson_pid" || { cat "$tmp/meson.log" >&2; fail "the Meson consumer (dependency('ebm'), werror) does not build"; }

for consumer in "$tmp/consumer-pkgconfig" "$tmp/meson-build/consumer"; do
  echo "--- ${consumer#"$tmp"/}"
  "$consumer" "$model_prefix" || fail "${consumer#"$tmp"/} gave wrong answers"
done
echo "api-consumer: OK"
