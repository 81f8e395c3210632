#!/usr/bin/env bash
# The C++ driver against the same Langevin loop in PyTorch-Python (bench/langevin_pytorch.py), on
# one thread, alternating runs so that machine noise hits both alike; prints each run and medians.
# (gd runs first in each C++ process: the first sampler timed in a fresh process runs ~20% slow
# even after its warm-up run, so gd takes that cost.)
# Usage: bench/compare_langevin.sh [CHAINS] [HIDDEN] [RUNS] [STEPS]
set -euo pipefail
chains=${1:-64} hidden=${2:-32} runs=${3:-3} steps=${4:-200}
ebm=${EBM:-build/cli/ebm}
cpp=() py=() bare=()
for ((i = 0; i < runs; i++)); do
  line=$("$ebm" bench samplers --chains "$chains" --hidden "$hidden" --steps "$steps" --threads 1 --sampler gd --sampler langevin)
  cpp+=("$(echo "$line" | awk '$1 == "langevin" {print $2}')")
  bare+=("$(echo "$line" | awk '/bare energy/ {print $3}')")
  py+=("$(/usr/bin/python3 bench/langevin_pytorch.py --chains "$chains" --hidden "$hidden" --steps "$steps" --warmup 100 --threads 1 | awk '/langevin us\/step/ {print $3}')")
  echo "run $i: C++ langevin ${cpp[-1]} us/step (bare ${bare[-1]} us), PyTorch-Python ${py[-1]} us/step"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
c=$(median "${cpp[@]}") p=$(median "${py[@]}") b=$(median "${bare[@]}")
echo "median: C++ $c us/step, PyTorch-Python $p us/step, bare energy+gradient $b us"
awk -v c="$c" -v p="$p" -v b="$b" 'BEGIN {printf "speed-up %.2fx; C++ driver over bare energy+gradient: %+.1f%%\n", p / c, 100 * (c / b - 1)}'
