#!/bin/bash
# The remaining continuous IRED trainings, on a frozen copy of the build (bin/).
E=/work/runs/bin/cli/ebm
T=${T:-480}
while pgrep -f "ebm train addition" > /dev/null; do sleep 5; done
for task in matrix-inverse matrix-completion; do
  for kind in energy feedforward; do
    nice $E train $task --model $kind --time-limit $T --steps 1000000 --batch 128 --seed 0 --validate-every 1000 \
      --validation-problems 256 --threads 1 -o /work/runs/$task-$kind.ckpt > /work/runs/$task-$kind.log 2>&1 &
  done
  wait
done
