#!/bin/bash
# Unrolled-objective energies of the continuous IRED tasks (same stream, same time limit as the others).
E=/work/runs/bin/cli/ebm
T=${T:-480}
for task in addition matrix-inverse matrix-completion; do
  nice $E train $task --model energy --objective unrolled --time-limit $T --steps 1000000 --batch 128 --seed 0 \
    --validate-every 1000 --validation-problems 256 --threads 1 -o /work/runs/$task-energy-unrolled.ckpt \
    > /work/runs/$task-energy-unrolled.log 2>&1
done
