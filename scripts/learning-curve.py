#!/usr/bin/env python3
"""The learning curve of an `ebm train-ar` (or `ebm train`) run, from its log, as CSV on stdout.

One row per validation: the step, the mean training loss of the last logged window at or before
that step (the trainer logs it every 50 steps), then per validation tier the greedy solve rate and
the cell accuracy over blank cells, in percent, as the trainer printed them.

Usage: scripts/learning-curve.py TRAIN.log > curve.csv
"""
import re
import sys

STEP = re.compile(r"^step (\d+)/\d+\s+loss ([0-9.eE+-]+)")
VALIDATION = re.compile(
    r"^validation at step (\d+): (\w+) tier, solved ([0-9.eE+-]+)% of \d+ puzzles \(greedy\), "
    r"cell accuracy ([0-9.eE+-]+)% of blank cells")


def main(path):
    loss = None
    rows, tiers = {}, []
    with open(path) as log:
        for line in log:
            if m := STEP.match(line):
                loss = m.group(2)
            elif m := VALIDATION.match(line):
                step, tier = int(m.group(1)), m.group(2)
                if tier not in tiers:
                    tiers.append(tier)
                row = rows.setdefault(step, {"loss": loss})
                row[tier] = (m.group(3), m.group(4))
    if not rows:
        sys.exit(f"learning-curve: no validation lines in {path}")
    header = ["step", "loss"]
    for tier in tiers:
        header += [f"{tier}_solved_percent", f"{tier}_cell_accuracy_percent"]
    print(",".join(header))
    for step in sorted(rows):
        row = rows[step]
        fields = [str(step), row["loss"] or ""]
        for tier in tiers:
            fields += list(row.get(tier, ("", "")))
        print(",".join(fields))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
