#!/usr/bin/env python3
"""Compares two directories of `ebm solve --json` runs (TIER.jsonl each), puzzle by puzzle.

Usage: bench/compare_solve_runs.py BEFORE_DIR AFTER_DIR [--csv FILE]

Prints, per tier, how many puzzles have identical steps, evaluations and answers on both sides, then
a Markdown table of solved count and milliseconds (mean, median, p95, max) and mean steps per side.
Exits 1 when any puzzle differs in steps, evaluations or answer, or when the runs hold other puzzles.
--csv writes one row per puzzle (tier, puzzle, steps and evaluations and ms of both sides).
"""
import argparse
import csv
import json
import pathlib
import statistics
import sys


def read_run(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=pathlib.Path)
    parser.add_argument("after", type=pathlib.Path)
    parser.add_argument("--csv", type=pathlib.Path)
    args = parser.parse_args()
    tiers = sorted(p.stem for p in args.before.glob("*.jsonl"))
    if not tiers:
        sys.exit(f"no TIER.jsonl in {args.before}")
    rows, table, differ = [], [], False
    for tier in tiers:
        before, after = read_run(args.before / f"{tier}.jsonl"), read_run(args.after / f"{tier}.jsonl")
        if [b["puzzle"] for b in before] != [a["puzzle"] for a in after]:
            sys.exit(f"{tier}: the two runs hold other puzzles")
        same = {key: sum(b[key] == a[key] for b, a in zip(before, after))
                for key in ("steps", "energy_evaluations", "answer", "verified")}
        differ = differ or any(count != len(before) for count in same.values())
        print(f"{tier}: {len(before)} puzzles; identical steps {same['steps']}, evaluations "
              f"{same['energy_evaluations']}, answers {same['answer']}, verdicts {same['verified']}")
        for side, run in (("before", before), ("after", after)):
            ms = [r["milliseconds"] for r in run]
            table.append(f"| {tier} | {side} | {sum(r['verified'] for r in run)} / {len(run)} | "
                         f"{statistics.mean(ms):.1f} | {statistics.median(ms):.1f} | {percentile(ms, 0.95):.1f} | "
                         f"{max(ms):.0f} | {statistics.mean(r['steps'] for r in run):.1f} |")
        for b, a in zip(before, after):
            rows.append([tier, b["puzzle"], b["steps"], a["steps"], b["energy_evaluations"],
                         a["energy_evaluations"], b["verified"], a["verified"], b["answer"] == a["answer"],
                         b["milliseconds"], a["milliseconds"]])
    print("\n| tier | build | solved | mean ms | median | p95 | max | mean steps |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(table))
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["tier", "puzzle", "steps_before", "steps_after", "evaluations_before",
                             "evaluations_after", "verified_before", "verified_after", "same_answer",
                             "ms_before", "ms_after"])
            writer.writerows(rows)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
