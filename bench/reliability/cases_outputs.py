"""Where results are written (--json, --csv, --trace, -o) when the path cannot be written, and
resuming a sweep into a file written with other settings."""
import os

from case import Case
from fixtures import EASY

OUTPUTS = "Output paths"
RESUME = "Resumed runs"
SOLVE = ["solve", "sudoku", "--budget-ms", "200", EASY]
EVAL = ["eval", "--task", "sudoku", "--tier", "easy", "--count", "2", "--solver", "reference", "--budget-ms", "200"]
GENERATE = ["generate", "sudoku", "--tier", "easy", "--count", "2"]
SWEEP = ["sweep", "--task", "sudoku", "--tier", "easy", "--count", "2", "--budget-ms", "200", "--no-reference",
         "--chains", "1", "--steps", "20"]
TRAIN = ["train", "sudoku", "--steps", "2", "--train-puzzles", "8", "--validation-puzzles", "2",
         "--validation-budget-ms", "100", "--validate-every", "1"]

# Paths that cannot be written, even as root: under /proc, under a regular file, in a missing folder,
# a folder itself.
BAD_PATHS = (("proc", "/proc/ebm-probe/x.out"), ("under-file", "plain.txt/x.out"),
             ("missing-folder", "no/such/folder/x.out"), ("is-folder", "folder"))
WRITERS = (("solve--trace", SOLVE, "--trace"), ("solve--trace-chains", SOLVE, "--trace-chains"),
           ("eval--json", EVAL, "--json"), ("eval--csv", EVAL, "--csv"), ("generate-o", GENERATE, "-o"),
           ("sweep-o", SWEEP, "-o"), ("train-o", TRAIN, "-o"))
FILES = {"plain.txt": b"a regular file\n", "folder/keep": b""}


def output_cases():
    for writer, base, option in WRITERS:
        for name, path in BAD_PATHS:
            yield Case(OUTPUTS, "%s/%s" % (writer, name), base + [option, path], token=path,
                       io_error=True, files=dict(FILES))
    yield Case(OUTPUTS, "control/eval--json", EVAL + ["--json", "./out.json"], expect="answer",
               files=dict(FILES))


def with_option(args, option, value):
    """`args` with `option` set to `value` (replaced where present, else appended)."""
    if option in args:
        i = args.index(option)
        return args[:i + 1] + [value] + args[i + 2:]
    return args + [option, value]


def cut_last_row(folder):
    path = os.path.join(folder, "s.csv")
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:len(data) - 1 - len(data.rstrip(b"\n").rsplit(b"\n", 1)[-1]) // 2])


def resume_cases():
    first = SWEEP + ["-o", "s.csv"]
    changes = (("budget", "--budget-ms", "300", "budget"), ("seed", "--seed", "5", "seed"),
               ("batch", "--batch", "3", "batch"), ("count", "--count", "3", "dataset"),
               ("data-seed", "--data-seed", "9", "dataset"), ("tier", "--tier", "medium", "dataset"),
               ("task", "--task", "sat", "task"))
    for name, option, value, token in changes:
        yield Case(RESUME, "sweep/other-" + name, with_option(first, option, value), token=token, setup=[first])
    for name, data in (("garbage", b"\x00\x01garbage\n"), ("other-csv", b"a,b,c\n1,2,3\n"), ("empty", b"")):
        yield Case(RESUME, "sweep/into-" + name, first, token="s.csv", files={"s.csv": data})
    yield Case(RESUME, "sweep/into-truncated-row", first, token="s.csv", setup=[first, cut_last_row],
               shown="ebm sweep ... -o s.csv  (after cutting the file's last row in half)")
    yield Case(RESUME, "sweep/control-same-command", first, expect="answer", setup=[first])
    yield Case(RESUME, "train/resume-missing", TRAIN + ["-o", "none.ckpt", "--resume"], token="none.ckpt")
    yield Case(RESUME, "train/resume-other-hidden", TRAIN + ["-o", "m.ckpt", "--resume", "--hidden", "32"],
               token="hidden", setup=[TRAIN + ["-o", "m.ckpt"]])
    yield Case(RESUME, "train/resume-other-layers", TRAIN + ["-o", "m.ckpt", "--resume", "--layers", "2"],
               token="layers", setup=[TRAIN + ["-o", "m.ckpt"]])


def cases():
    yield from output_cases()
    yield from resume_cases()
