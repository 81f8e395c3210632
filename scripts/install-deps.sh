#!/usr/bin/env bash
# Installs the Debian 12 packages ebm needs, only those missing; quiet when all are present.
# Usage: scripts/install-deps.sh [extra packages...]
set -euo pipefail
packages=(
  libtorch-dev libopenblas0-openmp libeigen3-dev libcli11-dev doctest-dev nlohmann-json3-dev
  libgloo-dev meson ninja-build pkg-config g++ ccache minisat
  clang libfuzzer-14-dev
  pybind11-dev python3-pybind11 python3-torch python3-pytest
  jupyter-nbconvert python3-ipykernel python3-matplotlib python3-pandas
  "$@"
)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
