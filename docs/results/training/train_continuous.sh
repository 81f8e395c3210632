#!/bin/bash
# Trains energy and feed-forward models of the continuous IRED tasks, same stream, same time limit.
E=/work/main/build/cli/ebm
T=${T:-480}
for task in addition matrix-inverse matrix-completion; do
  for kind in energy feedforward; do
    nice $E train $task --model $kind --time-limit $T --steps 1000000 --batch 128 --seed 0 --validate-every 1000 \
      --validation-problems 256 --threads 1 -o /work/runs/$task-$kind.ckpt > /work/runs/$task-$kind.log 2>&1 &
  done
  wait
done
