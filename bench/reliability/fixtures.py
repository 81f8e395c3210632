"""Known-good problems that the cases start from (each checked by verify.py at import), and the seeded
random source every generated variant draws from."""
import random

import verify

SEED = 20261201
EASY = "..94....8.45.78.3.187239...8.23..4..451....73...1.7..5..4....5259...186..28.9...7"
EASY_SOLUTION = "369415728245678139187239546872356491451982673936147285714863952593721864628594317"
EASY2 = "8.4.6..5159..138.43165.8....85..9.17..387.52.1.2654.3..5.....7..6......9.3..9.28."
EASY2_SOLUTION = "824967351597213864316548792685329417943871526172654938459182673268735149731496285"
SMALL = "..4.4..21.2.3.1."
SMALL_SOLUTION = "2341413214233214"
# Givens that break no rule yet admit no completion (bench/unsolvable_sudoku.txt): row 1 forces a 9
# into column 9, which already holds one in row 2.
UNSOLVABLE = "12345678" + "." * 9 + "9" + "." * 63

SAT_CNF = "c satisfiable\np cnf 4 5\n1 2 0\n-1 3 0\n-2 -3 0\n3 4 0\n-4 -1 0\n"
UNSAT_CNF = "c unsatisfiable\np cnf 2 4\n1 2 0\n-1 2 0\n1 -2 0\n-1 -2 0\n"
PENTAGON_COL = "c a 5-cycle\np edge 5 5\ne 1 2\ne 2 3\ne 3 4\ne 4 5\ne 5 1\n"
TRIANGLE_COL = "p edge 3 3\ne 1 2\ne 2 3\ne 1 3\n"
MARKET = "3\n0.010 0.05\n0.008 0.04\n0.012 0.06\n1 1 1\n1 2 0.3\n1 3 0.1\n2 2 1\n2 3 0.2\n3 3 1\n"

assert not verify.sudoku_board_error(EASY, EASY_SOLUTION)
assert not verify.sudoku_board_error(EASY2, EASY2_SOLUTION)
assert not verify.sudoku_board_error(SMALL, SMALL_SOLUTION)


def rng(name: str) -> random.Random:
    """A generator seeded by the probe's seed and `name`, so each family's variants never change."""
    return random.Random("%d/%s" % (SEED, name))


def ascii_bytes(text: str) -> bytes:
    return text.encode("utf-8")

import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(REPO, "models")
