"""The reliability probe's classifier (bench/reliability/classify.py) labels known results correctly:
fake results stand in for the program, so this runs without ebm."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "reliability"))

from case import Case, Result  # noqa: E402
from classify import classify  # noqa: E402
from fixtures import EASY, EASY_SOLUTION, UNSOLVABLE  # noqa: E402
from verify import cnf_model_check, sudoku_all_solved, sudoku_lines_check  # noqa: E402

BAD = Case("Sudoku puzzles", "test/bad", ["solve", "sudoku", "x"], token="--batch")
LIBTORCH_DUMP = ("ebm: error: shape '[8, 4]' is invalid --batch\nException raised from view at "
                 "aten/src/ATen/native/TensorShape.cpp:1090\nframe #0: c10::Error::Error(...) + 0x8d\n")


def outcome(case, returncode, stdout="", stderr=""):
    return classify(case, Result(returncode, stdout, stderr, 0.1)).outcome


def test_bad_input_outcomes():
    assert outcome(BAD, 2, stderr="ebm: error: --batch must be >= 1, got 0\n") == "clean refusal"
    assert outcome(BAD, 2, stderr="--batch: Value 0 not in range [1 - 1024]\nRun with --help for more information.\n") \
        == "clean refusal"
    assert outcome(BAD, -11) == "crash"
    assert outcome(BAD, 134, stderr="terminate called after throwing an instance of 'c10::Error'\n") == "crash"
    assert outcome(BAD, 2, stderr="ebm: error: ==1==ERROR: AddressSanitizer: heap-buffer-overflow\n") == "crash"
    assert outcome(BAD, None) == "hang"
    assert outcome(BAD, 0, stdout="unsolved\n") == "silent acceptance"
    assert outcome(BAD, 3) == "silent acceptance"
    assert outcome(BAD, 2, stderr=LIBTORCH_DUMP) == "unclear error"
    assert outcome(BAD, 1, stderr="ebm: error: --batch must be >= 1\n") == "unclear error"  # not exit 2
    assert outcome(BAD, 2, stderr="ebm: error: invalid value\n") == "unclear error"  # does not name --batch
    assert outcome(BAD, 2, stderr="ebm: error: --batch\nmore\n") == "unclear error"  # two lines


def test_io_refusal_may_exit_1():
    io_case = Case("Output paths", "test/io", ["eval"], token="/proc/x", io_error=True)
    assert outcome(io_case, 1, stderr="ebm: error: cannot write '/proc/x': No such file or directory\n") \
        == "clean refusal"


def test_answers_are_verified():
    control = Case("Sudoku puzzles", "test/control", [EASY], expect="answer", check=sudoku_lines_check([EASY]))
    assert outcome(control, 0, stdout=EASY_SOLUTION + "\n") == "control passed"
    wrong = EASY_SOLUTION[1] + EASY_SOLUTION[0] + EASY_SOLUTION[2:]
    assert outcome(control, 0, stdout=wrong + "\n") == "wrong answer"
    assert outcome(control, 2, stderr="ebm: error: no\n") == "control failed"
    incomplete = Case("Sudoku puzzles", "test/incomplete", [EASY], expect="answer", check=sudoku_lines_check([EASY]),
                      complete=sudoku_all_solved)
    assert outcome(incomplete, 0, stdout="unsolved\n") == "control failed"  # not solved, but nothing wrong claimed
    unsolvable = Case("Sudoku puzzles", "test/unsolvable", [UNSOLVABLE], expect="unsolvable",
                      check=sudoku_lines_check([UNSOLVABLE]))
    assert outcome(unsolvable, 3, stdout="unsolved\n") == "control passed"
    assert outcome(unsolvable, 0, stdout=EASY_SOLUTION + "\n") == "wrong answer"
    # A bad input accepted with a wrong answer is the worse of the two.
    bad_with_check = Case("Sudoku puzzles", "test/bad2", [EASY], token="x", check=sudoku_lines_check([EASY]))
    assert outcome(bad_with_check, 0, stdout=wrong + "\n") == "wrong answer"


def test_cnf_model_check():
    check = cnf_model_check("p cnf 2 2\n1 2 0\n-1 0\n")
    assert check("s SATISFIABLE\nv -1 2 0\n") == ""
    assert "violates" in check("s SATISFIABLE\nv 1 2 0\n")
    assert check("s UNKNOWN\n") == ""


def test_report_command_may_answer_on_stdout():
    info = Case("Checkpoint files", "test/info", ["info", "m.ckpt"], token="m.ckpt", stdout_protocol="report")
    report = "m.ckpt\n  kind  sudoku-energy\n  NOT SOUND  checkpoint 'm.ckpt': tensor 'w' holds NaN\n"
    assert outcome(info, 2, stdout=report) == "clean refusal"
    assert outcome(info, 0, stdout="m.ckpt\n  sound  yes\n") == "silent acceptance"


def test_serve_replies():
    bad = Case("Serve requests", "test/serve", ["serve", "--stdio"], token="budget_ms", stdout_protocol="serve")
    assert outcome(bad, 0, stdout='{"error":"budget_ms: must be > 0","id":null,"status":400}\n') == "clean refusal"
    assert outcome(bad, 0, stdout='{"error":"must be > 0","id":null,"status":400}\n') == "unclear error"
    answered = '{"id":null,"index":0,"result":{"answer":null,"status":"unsolved"}}\n{"done":true}\n'
    assert outcome(bad, 0, stdout=answered) == "silent acceptance"
    failed = '{"id":null,"index":0,"result":{"answer":null,"status":"failed"}}\n'
    assert outcome(bad, 0, stdout=failed) == "unclear error"
    assert outcome(bad, -6, stderr="terminate called after throwing\n") == "crash"
