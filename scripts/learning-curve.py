#!/usr/bin/env python3
"""The learning curve of an `ebm train` run (any task and model), from its log, as CSV on stdout.

One row per validation: the step, the mean training loss of the last logged window at or before
that step (the trainer logs it every 50 steps), then the validation's figures as the trainer printed
them. Two log forms are read:
  - the trainer's one-line form, "validation at step S:  key value  key value ..." (every recipe
    since `ebm train TASK --model ar` replaced `ebm train-ar`): one column per key, as printed;
  - the retired `ebm train-ar` form, one line per tier (docs/results/train_sudoku_ar.log): columns
    TIER_solved_percent and TIER_cell_accuracy_percent.

Usage: scripts/learning-curve.py TRAIN.log > curve.csv
"""
import re
import sys

STEP = re.compile(r"^step (\d+)/\d+\s+loss ([0-9.eE+-]+)")
RETIRED_AR = re.compile(
    r"^validation at step (\d+): (\w+) tier, solved ([0-9.eE+-]+)% of \d+ puzzles \(greedy\), "
    r"cell accuracy ([0-9.eE+-]+)% of blank cells")
KEY_VALUES = re.compile(r"^validation at step (\d+):\s+(\S.*)$")


def main(path):
    loss = None
    rows, columns = {}, []

    def put(step, column, value):
        if column not in columns:
            columns.append(column)
        rows.setdefault(step, {"loss": loss})[column] = value

    with open(path) as log:
        for line in log:
            if m := STEP.match(line):
                loss = m.group(2)
            elif m := RETIRED_AR.match(line):
                put(int(m.group(1)), f"{m.group(2)}_solved_percent", m.group(3))
                put(int(m.group(1)), f"{m.group(2)}_cell_accuracy_percent", m.group(4))
            elif m := KEY_VALUES.match(line):
                words = m.group(2).split()
                if len(words) % 2:
                    sys.exit(f"learning-curve: {path}: a validation line without key-value pairs: {line.strip()}")
                for key, value in zip(words[::2], words[1::2]):
                    put(int(m.group(1)), key, value)
    if not rows:
        sys.exit(f"learning-curve: no validation lines in {path}")
    print(",".join(["step", "loss"] + columns))
    for step in sorted(rows):
        row = rows[step]
        print(",".join([str(step), row["loss"] or ""] + [row.get(c, "") for c in columns]))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
