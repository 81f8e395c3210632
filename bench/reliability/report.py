"""Writes the per-case CSV and the table (with every case that is not clean) into docs/RELIABILITY.md."""
import csv
import io
import os
import re
import shlex
from collections import Counter, OrderedDict

BEGIN, END = "<!-- reliability-table:begin -->", "<!-- reliability-table:end -->"
COLUMNS = ("clean refusal", "unclear error", "silent acceptance", "crash", "hang", "wrong answer")
GOOD = ("clean refusal", "control passed")


def shown_command(case, models_dir) -> str:
    if case.shown:
        return case.shown
    words = []
    for arg in ["ebm"] + case.args:
        arg = arg.replace(models_dir + "/", "models/")
        words.append(shlex.quote(arg if len(arg) <= 100 else arg[:60] + "...(%d chars)" % len(arg)))
    return " ".join(words)


def message(case, result) -> str:
    """The line a reader sees: the refusal (a serve error line) or the first line of stderr."""
    if case.stdout_protocol == "serve":
        for line in result.stdout.splitlines():
            if '"error"' in line:
                return line[:200]
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    if case.stdout_protocol == "report" and not lines:
        lines = [l for l in result.stdout.splitlines() if "NOT SOUND" in l] or result.stdout.splitlines()[:1]
    return lines[0].strip()[:200] if lines else ""


def write_atomically(path, text):
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def write_csv(path, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["surface", "case", "command", "exit", "seconds", "outcome", "reason", "message"])
    for r in rows:
        writer.writerow([r["surface"], r["case"], r["command"], "timeout" if r["exit"] is None else r["exit"],
                         "%.2f" % r["seconds"], r["outcome"], r["reason"], r["message"]])
    write_atomically(path, out.getvalue())


def table(rows, surfaces):
    by_surface = OrderedDict((s, Counter()) for s in surfaces)
    controls = OrderedDict((s, 0) for s in surfaces)
    for r in rows:
        by_surface[r["surface"]][r["outcome"]] += 1
        controls[r["surface"]] += r["expect"] != "refuse"
    lines = ["| input surface | cases | clean refusals | unclear errors | silent acceptances | crashes | hangs "
             "| wrong answers | controls passed |", "| --- |" + " ---: |" * 8]
    total, total_controls = Counter(), 0
    for surface, counts in by_surface.items():
        total.update(counts)
        total_controls += controls[surface]
        lines.append(row_text(surface, counts, controls[surface]))
    lines.append(row_text("**all**", total, total_controls, bold=True))
    return "\n".join(lines)


def row_text(name, counts, controls, bold=False):
    cells = [sum(counts.values())] + [counts[c] for c in COLUMNS]
    controls_cell = "%d / %d" % (counts["control passed"], controls)
    text = [str(c) for c in cells] + [controls_cell]
    if bold:
        text = ["**%s**" % t for t in text]
    return "| %s | %s |" % (name, " | ".join(text))


# Worst first in the list of what remains.
SEVERITY = ("crash", "hang", "wrong answer", "silent acceptance", "control failed", "unclear error")


def remaining(rows, surfaces):
    """Every case that did not end as it should, by surface, worst first: outcome (why), case id,
    command, message."""
    bad = [r for r in rows if r["outcome"] not in GOOD]
    if not bad:
        return "Every case ended as it should: nothing remains."
    exit_only = sum(r["outcome"] == "unclear error" and re.fullmatch(r"exit \d+, not 2", r["reason"]) is not None
                    for r in rows)
    lines = ["Of the unclear errors, %d differ from a clean refusal only in the exit status (1, or CLI11's 1xx, "
             "instead of 2): the message itself is one line naming the problem." % exit_only, "",
             "<details><summary>%d of %d cases did not end as they should (by surface, worst first)</summary>"
             % (len(bad), len(rows))]
    for surface in surfaces:
        mine = sorted((r for r in bad if r["surface"] == surface), key=lambda r: SEVERITY.index(r["outcome"]))
        if mine:
            lines += ["", "**%s**" % surface, ""]
        for r in mine:
            command = r["command"] if len(r["command"]) <= 150 else r["command"][:140] + " ..."
            # An accepted case's stderr is a progress or log line: nothing to quote.
            note = "" if r["outcome"] == "silent acceptance" else r["message"].replace("`", "'")[:140]
            lines.append("- %s (%s) `%s`: `%s`%s" % (r["outcome"], r["reason"], r["case"], command.replace("`", "'"),
                                                     " — " + note if note else ""))
    return "\n".join(lines + ["", "</details>"])


def update_doc(path, generated):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    write_atomically(path, text[:start] + "\n" + generated + "\n" + text[stop:])
