#!/usr/bin/env bash
# Trains and scores the IRED suite's models the way docs/IRED.md reports them: for each task the
# energy and the feed-forward network (and, where the task has one, the AR baseline) on the same
# train-split stream (seed 0, batch 128) for the same wall time, then `ebm eval` on 500 test and 500
# harder problems and `ebm sweep` of the EBM's steps on 200 of each.
# Usage: scripts/ired.sh [SECONDS per model, default 480] [TASK...]   (run from the repository root)
set -euo pipefail
E=${EBM:-build/cli/ebm}
seconds=${1:-480}
shift || true
tasks=("$@")
[[ ${#tasks[@]} -gt 0 ]] || tasks=(addition matrix-inverse matrix-completion)
mkdir -p docs/results/training
train() {  # TASK KIND [flags...]
  local task=$1 kind=$2
  shift 2
  nice "$E" train "$task" --model "$kind" --time-limit "$seconds" --steps 1000000 --batch 128 --seed 0 \
    --validate-every 1000 --validation-problems 256 --threads 1 "$@" -o "models/$task-$kind.ckpt" \
    > "docs/results/training/ired_$task-$kind.log" 2>&1
}
for task in "${tasks[@]}"; do
  train "$task" energy --objective unrolled
  train "$task" feedforward
  solvers=(--solver ebm --solver feedforward)
  for split in test harder; do
    "$E" eval --task "$task" --split "$split" --count 500 --data-seed 1 "${solvers[@]}" \
      --json "docs/results/ired_${task}_${split}.json" > "docs/results/ired_${task}_${split}.txt"
    rm -f "docs/results/ired_${task}_steps_${split}.csv"
    "$E" sweep --task "$task" --split "$split" --count 200 --data-seed 1 --chains 1 --steps 1 2 5 10 20 40 80 \
      --solver feedforward --no-reference -o "docs/results/ired_${task}_steps_${split}.csv" > /dev/null
  done
done
