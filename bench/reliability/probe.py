#!/usr/bin/python3
"""`make reliability`: runs the real `ebm` on hundreds of bad inputs (and good controls) per input
surface, classifies every outcome, writes docs/results/reliability.csv and the table in
docs/RELIABILITY.md. Deterministic case set (seeded); each case in its own folder with a time limit.

  /usr/bin/python3 bench/reliability/probe.py [--ebm build/cli/ebm] [--jobs 2] [--timeout 20]
                                              [--only SURFACE] [--no-doc]
"""
import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases_checkpoint  # noqa: E402
import cases_formats  # noqa: E402
import cases_options  # noqa: E402
import cases_outputs  # noqa: E402
import cases_sampler  # noqa: E402
import cases_serve  # noqa: E402
import cases_sudoku  # noqa: E402
import report  # noqa: E402
from classify import classify  # noqa: E402
from fixtures import MODELS, REPO  # noqa: E402
from runner import run_all  # noqa: E402

SURFACES = ("Sudoku puzzles", "Sampler specs", "Numeric CLI options", "Checkpoint files", "DIMACS CNF and .col",
            "Portfolio markets", "Serve requests", "Output paths", "Resumed runs")


def all_cases():
    cases = []
    for module in (cases_sudoku, cases_sampler, cases_options, cases_checkpoint, cases_formats, cases_serve,
                   cases_outputs):
        cases.extend(module.cases())
    ids = [(c.surface, c.case_id) for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, "duplicate case ids: %s" % sorted(duplicates)[:5]
    assert all(c.surface in SURFACES for c in cases)
    return cases


def commit():
    def git(*args):
        return subprocess.run(["git", "-C", REPO] + list(args), capture_output=True, text=True).stdout.strip()
    # The probe's own outputs do not count as changes.
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/RELIABILITY.md",
                ":!docs/results/reliability.csv")
    return (git("rev-parse", "--short", "HEAD") or "unknown") + (" (with uncommitted changes)" if dirty else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ebm", default=os.path.join(REPO, "build", "cli", "ebm"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per case before it counts as a hang")
    parser.add_argument("--only", default="", help="run only the surfaces whose name contains this")
    parser.add_argument("--csv", default=os.path.join(REPO, "docs", "results", "reliability.csv"))
    parser.add_argument("--doc", default=os.path.join(REPO, "docs", "RELIABILITY.md"))
    parser.add_argument("--no-doc", action="store_true", help="write the CSV and print the table; leave the doc")
    args = parser.parse_args()
    ebm = os.path.abspath(args.ebm)
    if not os.access(ebm, os.X_OK):
        sys.exit("probe: error: no ebm program at %s (build first: make build)" % ebm)

    cases = [c for c in all_cases() if args.only.lower() in c.surface.lower()]
    start = time.monotonic()

    def progress(done, total):
        if sys.stderr.isatty() or done % 50 == 0 or done == total:
            sys.stderr.write("\rprobe: %d/%d cases, %.0f s" % (done, total, time.monotonic() - start))
            sys.stderr.flush()

    results = run_all(ebm, cases, args.timeout, args.jobs, progress)
    sys.stderr.write("\n")
    rows = []
    for case, result in zip(cases, results):
        verdict = classify(case, result)
        rows.append({"surface": case.surface, "case": case.case_id, "command": report.shown_command(case, MODELS),
                     "exit": result.returncode, "seconds": result.seconds, "outcome": verdict.outcome,
                     "reason": verdict.reason, "message": report.message(case, result), "expect": case.expect})
    surfaces = [s for s in SURFACES if any(r["surface"] == s for r in rows)]
    table = report.table(rows, surfaces)
    elapsed = time.monotonic() - start
    header = ("Measured by `make reliability` (`/usr/bin/python3 bench/reliability/probe.py --jobs %d --timeout %g`) "
              "on %s, %d cores, %s UTC, commit %s: %d cases in %.0f s. Every case: "
              "[docs/results/reliability.csv](results/reliability.csv)." % (
                  args.jobs, args.timeout, platform.machine(), os.cpu_count(),
                  datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), commit(), len(rows), elapsed))
    print(table)
    report.write_csv(args.csv, rows)
    if args.no_doc:
        return
    report.update_doc(args.doc, header + "\n\n" + table + "\n\n" + report.remaining(rows, surfaces))
    print("probe: wrote %s and the table in %s" % (os.path.relpath(args.csv, REPO), os.path.relpath(args.doc, REPO)))


if __name__ == "__main__":
    main()
