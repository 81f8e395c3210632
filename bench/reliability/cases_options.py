"""Numeric and named CLI options of the commands: out of range, not numbers, overflowing, unknown."""
import os

from case import Case
from fixtures import EASY, MODELS
from verify import sudoku_lines_check

SURFACE = "Numeric CLI options"
AR_MODEL = os.path.join(MODELS, "sudoku-ar.ckpt")

SOLVE = ["solve", "sudoku", "--budget-ms", "200", EASY]
GENERATE = ["generate", "sudoku", "--tier", "easy", "--count", "2"]
EVAL = ["eval", "--task", "sudoku", "--tier", "easy", "--count", "2", "--solver", "reference", "--budget-ms", "200"]
TRAIN = ["train", "sudoku", "--steps", "2", "--train-puzzles", "8", "--validation-puzzles", "2",
         "--validation-budget-ms", "100", "--validate-every", "1", "-o", "m.ckpt"]
SERVE = ["serve", "--stdio"]
OVERFLOW = "9223372036854775808"

# (command name, base arguments, option, bad values). An option already in the base is given again
# after it, which CLI11 takes as the value (the last one wins).
TABLE = (
    ("solve", SOLVE, "--seed", ("-1", "abc", "1.5", "18446744073709551616", "")),
    ("solve", SOLVE, "--batch", ("0", "-1", OVERFLOW, "abc", "1e3")),
    ("solve", SOLVE + ["--trace-chains", "c.csv"], "--trace-every", ("0", "-5", OVERFLOW)),
    ("solve", SOLVE, "--threads", ("1000", "-1", "100000", "abc")),
    ("solve", SOLVE, "--budget-ms", ("-5", "0", "nan", "inf", "abc")),
    ("solve", SOLVE, "--device", ("cuda:7", "tpu", "cpu:1")),
    ("solve", SOLVE, "--energy", ("foo", "constraint,learned")),
    ("generate", GENERATE, "--count", ("1000000", "-3", "abc", OVERFLOW, "1e6")),
    ("generate", GENERATE, "--seed", ("-1", "abc")),
    ("generate", GENERATE, "--tier", ("foo", "", "EASY")),
    ("generate", GENERATE, "--box", ("1", "5", "abc", "2147483648")),
    ("generate", GENERATE, "--split", ("foo", "harder")),
    ("generate", GENERATE, "--threads", ("-1", "100000")),
    ("eval", EVAL, "--count", ("0", "-1", "abc", OVERFLOW)),
    ("eval", EVAL, "--batch", ("0", "-1", OVERFLOW)),
    ("eval", EVAL, "--budget-ms", ("-5", "0", "nan", "inf")),
    ("eval", EVAL, "--seed", ("-1",)),
    ("eval", EVAL, "--data-seed", ("-1", "abc")),
    ("eval", EVAL, "--threads", ("1000", "-1")),
    ("eval", EVAL, "--task", ("foo", "", "Sudoku")),
    ("eval", EVAL, "--tier", ("foo",)),
    ("eval", EVAL, "--box", ("7", "0")),
    ("train", TRAIN, "--layers", ("-1", "2147483648", "1000000")),
    ("train", TRAIN, "--hidden", ("0", "-1", "1000000000")),
    ("train", TRAIN, "--lr", ("inf", "nan", "-1", "1e38")),
    ("train", TRAIN, "--steps", ("-1", "abc")),
    ("train", TRAIN, "--batch", ("0", "-1", "1000000000")),
    ("train", TRAIN, "--validate-every", ("0", "-1")),
    ("train", TRAIN, "--time-limit", ("-1", "nan")),
    ("train", TRAIN, "--t-min", ("-1", "2", "nan")),
    ("train", TRAIN, "--train-puzzles", ("-1", "0")),
    ("train", TRAIN, "--tiers", ("foo", "", "easy,,hard")),
    ("train", TRAIN, "--objective", ("foo",)),
    ("train", TRAIN, "--threads", ("1000",)),
    ("serve", SERVE, "--port", ("0", "70000", "abc")),
    ("serve", SERVE, "--workers", ("0", "-1")),
    ("serve", SERVE, "--batch-chains", ("0",)),
    ("serve", SERVE, "--budget-ms", ("0", "nan", "-5")),
    ("serve", SERVE, "--max-problems", ("0",)),
)

SOLVER_SPECS = (
    ("ar:%s,decode=beam:5000" % AR_MODEL, "beam"), ("ar:%s,decode=beam:0" % AR_MODEL, "beam"),
    ("ar:%s,decode=beam:-1" % AR_MODEL, "beam"), ("ar:%s,decode=best-of:0" % AR_MODEL, "best-of"),
    ("ar:%s,decode=best-of:1000000000" % AR_MODEL, "best-of"), ("ar:%s,decode=sample:nan" % AR_MODEL, "sample"),
    ("ar:%s,decode=sample:-1" % AR_MODEL, "sample"), ("ar:%s,decode=until-verified:0" % AR_MODEL, "until-verified"),
    ("ar:%s,decode=foo" % AR_MODEL, "foo"), ("ar:%s,decode=" % AR_MODEL, "decode"),
    ("ar:%s,budget=-1" % AR_MODEL, "budget"), ("ar:%s,budget=nan" % AR_MODEL, "budget"),
    ("ar:%s,foo=1" % AR_MODEL, "foo"),
    ("ebm:chains=0", "chains"), ("ebm:chains=-4", "chains"), ("ebm:steps=-1", "steps"),
    ("ebm:budget=nan", "budget"), ("ebm:budget=-1", "budget"), ("ebm:energy=foo", "foo"),
    ("ebm:foo=1", "foo"), ("ebm:sampler=bogus", "bogus"), ("ebm:chains=1000000000", "chains"),
    ("ebm-foo", "ebm-foo"), ("foo", "foo"), ("", ""), ("reference:x", "reference"), ("dlx", "dlx"),
)


def option_token(option, value):
    """A refusal names an option by its flag or in words ('--time-limit', 'time limit'), or quotes a
    bad word given to it ('tpu')."""
    words = option.lstrip("-")
    names = {option, words, words.replace("-", " ")} | ({"learning rate"} if words == "lr" else set())
    if len(value) >= 3 and value.isalpha():
        names.add("'%s'" % value)
    return "|".join(sorted(names))


def option_cases():
    for command, base, option, values in TABLE:
        for value in values:
            case_id = "%s%s=%s" % (command, option, value or "empty")
            check = sudoku_lines_check([EASY]) if command == "solve" else None
            yield Case(SURFACE, case_id, base + [option, value], token=option_token(option, value), check=check)


def solver_spec_cases():
    for spec, token in SOLVER_SPECS:
        shown = "ebm eval --task sudoku --tier easy --count 2 --budget-ms 200 --solver '%s'" % spec.replace(
            MODELS, "models")
        yield Case(SURFACE, "eval--solver=" + (spec.replace(MODELS + "/", "") or "empty"),
                   ["eval", "--task", "sudoku", "--tier", "easy", "--count", "2", "--budget-ms", "200", "--solver", spec],
                   token=token, shown=shown)


def usage_cases():
    for case_id, args, token in (
            ("unknown-command", ["frobnicate"], "frobnicate"), ("no-command", [], ""),
            ("unknown-task", ["solve", "nosuchtask", EASY], "nosuchtask"),
            ("unknown-option", SOLVE + ["--bogus"], "--bogus"), ("missing-value", SOLVE + ["--batch"], "--batch"),
            ("option-as-value", ["solve", "sudoku", "--budget-ms", "--seed", "1", EASY], "--budget-ms"),
            ("no-problems", ["solve", "sudoku"], ""),
            ("flag-with-value", SOLVE + ["--json=maybe"], "--json"),
            ("chains-without-steps", ["sweep", "--task", "sudoku", "--tier", "easy", "--count", "2", "--chains", "4",
                                      "-o", "s.csv"], "--steps"),
            ("sweep-chains-zero", ["sweep", "--task", "sudoku", "--tier", "easy", "--count", "2", "--no-reference",
                                   "--budget-ms", "200", "--chains", "0", "--steps", "10", "-o", "s.csv"], "chains"),
            ("sweep-steps-negative", ["sweep", "--task", "sudoku", "--tier", "easy", "--count", "2", "--no-reference",
                                      "--budget-ms", "200", "--chains", "1", "--steps", "-10", "-o", "s.csv"], "steps"),
            ("bench-chains-zero", ["bench", "sudoku", "--tier", "easy", "--count", "1", "--budget-ms", "200",
                                   "--chains", "0", "--steps", "10"], "chains")):
        yield Case(SURFACE, "usage/" + case_id, args, token=token)


def controls():
    yield Case(SURFACE, "control/solve-seed-7", SOLVE + ["--seed", "7", "--batch", "1"], expect="answer",
               check=sudoku_lines_check([EASY]))
    yield Case(SURFACE, "control/generate", GENERATE + ["--seed", "3"], expect="answer")
    yield Case(SURFACE, "control/eval-reference", EVAL, expect="answer")
    yield Case(SURFACE, "control/eval-ar-greedy", ["eval", "--task", "sudoku", "--tier", "easy", "--count", "2",
                                                    "--budget-ms", "200", "--solver", "ar:%s,decode=greedy" % AR_MODEL],
               expect="answer", shown="ebm eval --task sudoku --tier easy --count 2 --budget-ms 200 --solver "
                                      "ar:models/sudoku-ar.ckpt,decode=greedy")


def cases():
    for family in (option_cases, solver_spec_cases, usage_cases, controls):
        yield from family()
