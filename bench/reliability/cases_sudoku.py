"""Sudoku puzzles, as positional arguments and as files (lines and puzzle,solution CSV), through
`ebm solve sudoku` and `ebm eval --task sudoku`."""
from case import Case
from fixtures import (EASY, EASY2, EASY2_SOLUTION, EASY_SOLUTION, SMALL, UNSOLVABLE, ascii_bytes, rng)
from verify import sudoku_all_solved, sudoku_lines_check

SURFACE = "Sudoku puzzles"
SOLVE = ["solve", "sudoku", "--budget-ms", "200"]


def as_argument(case_id, puzzle, token, expect="refuse", check=None):
    return Case(SURFACE, "arg/" + case_id, SOLVE + ["--", puzzle], expect=expect, token=token, check=check)


def as_file(case_id, data: bytes, token="p.txt", expect="refuse", check=None, io_error=False):
    return Case(SURFACE, "file/" + case_id, SOLVE + ["--input", "p.txt"], expect=expect, token=token,
                files={"p.txt": data}, check=check, io_error=io_error)


def both_forms(case_id, puzzle, token_argument, token_file="p.txt"):
    yield as_argument(case_id, puzzle, token_argument)
    yield as_file(case_id, ascii_bytes(puzzle + "\n"), token_file)


def wrong_lengths():
    for n in (1, 17, 80, 82, 162, 257, 1000):
        puzzle = (EASY * 13)[:n]
        yield from both_forms("length-%d" % n, puzzle, str(n), "p.txt:1")
    yield as_argument("empty-argument", "", "")


def bad_characters():
    for ch in "x-!* \tA?/é,":
        for position in (0, 80):
            puzzle = EASY[:position] + ch + EASY[position + 1:]
            if ch in "0":  # '0' is a blank: a valid puzzle
                continue
            if ch in ",":   # a CSV separator: the line is puzzle,rest: too short a puzzle
                yield from both_forms("char-comma-%d" % position, puzzle, str(position) if position else "", "p.txt:1")
                continue
            name = "char-%04x-%d" % (ord(ch), position)
            # A printable ASCII character is one cell: the refusal names its column. Whitespace and
            # multi-byte characters change the count of cells instead.
            printable = ch.isascii() and ch.isprintable() and not ch.isspace()
            yield as_argument(name, puzzle, "column %d" % (position + 1) if printable else "")
            yield as_file(name, puzzle.encode("utf-8") + b"\n", "p.txt:1")
    yield as_file("nul-byte", ascii_bytes(EASY[:40]) + b"\0" + ascii_bytes(EASY[41:]) + b"\n", "p.txt:1")


# A refusal of broken givens names where the rule breaks.
RULES = "row|column|box"


def broken_rules():
    """Givens that repeat a digit in a row, a column or a box: no solution can exist."""
    r = rng("sudoku-rules")
    for k in range(4):
        row, col = r.randrange(9), r.randrange(9)
        cells = list(EASY_SOLUTION)
        givens = [c if r.random() < 0.35 else "." for c in cells]
        givens[row * 9 + col] = cells[row * 9 + col]
        other = (col + 1 + r.randrange(8)) % 9
        givens[row * 9 + other] = cells[row * 9 + col]
        yield from both_forms("row-repeat-%d" % k, "".join(givens), RULES, RULES)
        other_row = (row + 1 + r.randrange(8)) % 9
        givens = [c if r.random() < 0.35 else "." for c in cells]
        givens[row * 9 + col] = cells[row * 9 + col]
        givens[other_row * 9 + col] = cells[row * 9 + col]
        yield from both_forms("column-repeat-%d" % k, "".join(givens), RULES, RULES)
    # Same box, different row and column: only the box rule is broken.
    givens = ["."] * 81
    givens[0], givens[10] = "5", "5"
    yield from both_forms("box-repeat", "".join(givens), RULES, RULES)


def file_shapes():
    yield as_file("empty", b"")
    yield as_file("only-newlines", b"\n\n\n")
    yield as_file("only-comments", b"# nothing here\n# still nothing\n")
    yield as_file("only-csv-header", b"puzzle,solution\n")
    yield as_file("bad-line-3", ascii_bytes(EASY + "\n" + EASY2 + "\n" + EASY[:30] + "\n"), "p.txt:3")
    yield as_file("utf16", (EASY + "\n").encode("utf-16"), "p.txt")
    for size in (16, 81, 1000, 65536):
        r = rng("garbage-%d" % size)
        yield as_file("binary-%d" % size, bytes(r.randrange(256) for _ in range(size)), "p.txt")
    yield as_file("huge-line-8MB", b"1" * (8 << 20) + b"\n", "p.txt:1")
    yield as_file("huge-garbage-8MB", bytes(rng("huge").randrange(256) for _ in range(1 << 16)) * 128, "p.txt")
    yield as_file("csv-three-fields", ascii_bytes("%s,%s,extra\n" % (EASY, EASY_SOLUTION)), "p.txt:1")
    yield Case(SURFACE, "file/missing", SOLVE + ["--input", "missing.txt"], token="missing.txt", io_error=True)
    yield Case(SURFACE, "file/directory", SOLVE + ["--input", "folder"], token="folder", io_error=True,
               files={"folder/x": b""})
    yield Case(SURFACE, "stdin/garbage", SOLVE + ["--input", "-"], token="stdin", stdin=b"hello world\n")
    yield Case(SURFACE, "stdin/empty", SOLVE + ["--input", "-"], token="", stdin=b"")


def eval_solution_mismatch():
    """`eval` scores against a CSV's solution column: a solution that does not fit its puzzle is bad data."""
    wrong_digit = EASY_SOLUTION[:80] + ("1" if EASY_SOLUTION[80] != "1" else "2")
    changed_given = EASY2_SOLUTION  # a valid board, but of another puzzle
    swapped = EASY_SOLUTION[1] + EASY_SOLUTION[0] + EASY_SOLUTION[2:]
    for name, solution in (("breaks-rule", wrong_digit), ("other-puzzle", changed_given),
                           ("swapped-cells", swapped), ("short", EASY_SOLUTION[:80]),
                           ("blanks", "." + EASY_SOLUTION[1:]), ("letters", "x" * 81), ("empty", "")):
        text = "puzzle,solution\n%s,%s\n" % (EASY, solution)
        yield Case(SURFACE, "eval-solution/" + name,
                   ["eval", "--task", "sudoku", "--input", "p.csv", "--solver", "reference"],
                   token="p.csv", files={"p.csv": ascii_bytes(text)})


# Controls get a budget that an easy puzzle never needs, so that only a wrong or missing answer fails them.
CONTROL = ["solve", "sudoku", "--budget-ms", "3000"]


def control_argument(case_id, puzzle, expect="answer"):
    return Case(SURFACE, "arg/" + case_id, CONTROL + [puzzle], expect=expect, check=sudoku_lines_check([puzzle]),
                complete=sudoku_all_solved if expect == "answer" else None)


def control_file(case_id, data: bytes, puzzles, expect="answer"):
    return Case(SURFACE, "file/" + case_id, CONTROL + ["--input", "p.txt"], expect=expect, files={"p.txt": data},
                check=sudoku_lines_check(puzzles), complete=sudoku_all_solved if expect == "answer" else None)


def controls():
    yield control_argument("control-easy", EASY)
    yield control_argument("control-4x4", SMALL)
    yield control_argument("control-zeros", EASY.replace(".", "0"))
    two = [EASY, EASY2]
    yield control_file("control-lines", ascii_bytes("\n".join(two) + "\n"), two)
    yield control_file("control-crlf", ascii_bytes("\r\n".join(two) + "\r\n"), two)
    yield control_file("control-bom", b"\xef\xbb\xbf" + ascii_bytes("\n".join(two) + "\n"), two)
    yield control_file("control-csv", ascii_bytes("puzzle,solution\n%s,%s\n%s,%s\n" % (
        EASY, EASY_SOLUTION, EASY2, EASY2_SOLUTION)), two)
    yield control_file("control-duplicate-puzzles", ascii_bytes((EASY + "\n") * 3), [EASY] * 3)
    yield control_file("control-comments", ascii_bytes("# two puzzles\n\n%s\n# between\n%s\n" % (EASY, EASY2)), two)
    yield control_argument("unsolvable", UNSOLVABLE, expect="unsolvable")
    yield control_file("unsolvable", ascii_bytes(EASY + "\n" + UNSOLVABLE + "\n"), [EASY, UNSOLVABLE], "unsolvable")
    yield Case(SURFACE, "eval-solution/control", ["eval", "--task", "sudoku", "--input", "p.csv", "--solver",
                                                   "reference"], expect="answer",
               files={"p.csv": ascii_bytes("puzzle,solution\n%s,%s\n" % (EASY, EASY_SOLUTION))})


def cases():
    for family in (wrong_lengths, bad_characters, broken_rules, file_shapes, eval_solution_mismatch, controls):
        yield from family()
