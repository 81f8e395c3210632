#!/bin/bash
# Scores the shipped continuous IRED models: test and harder split, and the EBM's error against steps.
# Run from the repository root after the checkpoints are in models/.
set -e
E=${E:-build/cli/ebm}
N=${N:-500}
for task in addition matrix-inverse matrix-completion; do
  for split in test harder; do
    $E eval --task $task --split $split --count $N --data-seed 1 --solver ebm --solver feedforward \
      --json docs/results/ired_${task}_${split}.json > docs/results/ired_${task}_${split}.txt
    rm -f docs/results/ired_${task}_steps_${split}.csv
    $E sweep --task $task --split $split --count 200 --data-seed 1 --chains 1 --steps 1 2 5 10 20 40 80 \
      --solver feedforward --no-reference -o docs/results/ired_${task}_steps_${split}.csv > /dev/null
  done
done
