"""Problem files of the other tasks: DIMACS CNF (`solve sat`), DIMACS .col (`solve coloring`) and
OR-Library portfolio markets (`solve portfolio`)."""
from case import Case
from fixtures import MARKET, PENTAGON_COL, SAT_CNF, TRIANGLE_COL, UNSAT_CNF, rng
from verify import cnf_model_check, coloring_check, portfolio_check

BUDGET = ["--budget-ms", "200"]


def file_case(surface, command, case_id, text, token, expect="refuse", check=None, extra=()):
    data = text if isinstance(text, bytes) else text.encode()
    return Case(surface, case_id, command + ["f"] + list(extra) + BUDGET, expect=expect, token=token,
                files={"f": data}, check=check)


def garbage(seed, size):
    r = rng(seed)
    return bytes(r.randrange(256) for _ in range(size))


CNF_BAD = (
    ("empty", "", "f"), ("no-header", "1 2 0\n-1 0\n", "f"), ("header-only-p", "p\n1 0\n", "f"),
    ("header-dnf", "p dnf 3 1\n1 2 0\n", "header|dnf"), ("header-letters", "p cnf x y\n1 0\n", "f:1"),
    ("header-negative-vars", "p cnf -3 1\n1 0\n", "f:1"), ("header-negative-clauses", "p cnf 3 -1\n1 0\n", "f:1"),
    ("header-float", "p cnf 3.5 1\n1 0\n", "f:1"), ("header-extra-field", "p cnf 3 1 7\n1 0\n", "f:1"),
    ("two-headers", "p cnf 3 1\np cnf 3 1\n1 0\n", "f:2"), ("clause-before-header", "1 0\np cnf 3 1\n1 0\n", "f:1"),
    ("fewer-clauses", "p cnf 3 3\n1 2 0\n-1 0\n", "clauses"), ("more-clauses", "p cnf 3 1\n1 2 0\n-1 0\n3 0\n", "clauses"),
    ("literal-out-of-range", "p cnf 3 2\n1 2 0\n-1 5 0\n", "5"), ("negative-out-of-range", "p cnf 3 1\n-4 0\n", "4"),
    ("literal-overflow", "p cnf 3 1\n99999999999999999999 0\n", "f:2"), ("literal-letter", "p cnf 3 1\n1 a 0\n", "f:2"),
    ("literal-float", "p cnf 3 1\n1.5 0\n", "f:2"), ("unterminated-clause", "p cnf 3 2\n1 2 0\n-1 3\n", "f"),
    ("zero-vars", "p cnf 0 1\n0\n", "f:1"), ("zero-vars-zero-clauses", "p cnf 0 0\n", "f:1"),
    ("huge-vars", "p cnf 2000000000 1\n1 0\n", "2000000000"), ("huge-clauses", "p cnf 3 2000000000\n1 0\n", "2000000000"),
    ("huge-both", "p cnf 2147483647 2147483647\n1 0\n", "f:"), ("overflow-vars", "p cnf 9223372036854775808 1\n1 0\n", "f:1"),
    ("binary", garbage("cnf", 4000), "f"), ("nul-in-clause", b"p cnf 3 1\n1 \0 2 0\n", "f:2"),
)
COL_BAD = (
    ("empty", "", "f"), ("no-header", "e 1 2\n", "f"), ("header-short", "p edge 3\ne 1 2\n", "f:1"),
    ("header-word", "p graph 3 1\ne 1 2\n", "header|graph"), ("header-letters", "p edge x 1\ne 1 2\n", "f:1"),
    ("header-negative", "p edge -1 0\n", "f:1"), ("vertex-zero", "p edge 3 1\ne 0 2\n", "f:2"),
    ("vertex-out-of-range", "p edge 3 2\ne 1 2\ne 2 4\n", "4"), ("self-loop", "p edge 3 1\ne 2 2\n", "f:2"),
    ("fewer-edges", "p edge 3 3\ne 1 2\n", "edges"), ("more-edges", "p edge 3 1\ne 1 2\ne 2 3\n", "edges"),
    ("edge-short", "p edge 3 1\ne 1\n", "f:2"), ("edge-letters", "p edge 3 1\ne a b\n", "f:2"),
    ("unknown-line", "p edge 3 1\nx 1 2\n", "f:2"), ("zero-vertices", "p edge 0 0\n", "f:1"),
    ("huge-vertices", "p edge 2000000000 1\ne 1 2\n", "2000000000"), ("huge-edges", "p edge 3 2000000000\ne 1 2\n", "2000000000"),
    ("overflow-vertices", "p edge 9223372036854775808 1\ne 1 2\n", "f:1"), ("binary", garbage("col", 4000), "f"),
)
COL_OPTIONS = (("0", "--colors"), ("-1", "--colors"), ("1000000000", "--colors"), ("abc", "--colors"))


def cnf_cases():
    surface, command = "DIMACS CNF and .col", ["solve", "sat"]
    for name, text, token in CNF_BAD:
        yield file_case(surface, command, "cnf/" + name, text, token)
    yield file_case(surface, command, "cnf/control-sat", SAT_CNF, "", expect="run", check=cnf_model_check(SAT_CNF))
    yield file_case(surface, command, "cnf/control-crlf", SAT_CNF.replace("\n", "\r\n"), "", expect="run",
                    check=cnf_model_check(SAT_CNF))
    yield file_case(surface, command, "cnf/control-satlib-percent", SAT_CNF + "%\n0\n", "", expect="run",
                    check=cnf_model_check(SAT_CNF))
    yield file_case(surface, command, "cnf/control-clause-over-lines", "p cnf 3 1\n1\n2\n3 0\n", "", expect="run",
                    check=cnf_model_check("p cnf 3 1\n1 2 3 0\n"))
    yield file_case(surface, command, "cnf/unsatisfiable", UNSAT_CNF, "", expect="unsolvable",
                    check=cnf_model_check(UNSAT_CNF))
    yield file_case(surface, command, "cnf/unsatisfiable-empty-clause", "p cnf 2 2\n1 2 0\n0\n", "",
                    expect="unsolvable", check=cnf_model_check("p cnf 2 2\n1 2 0\n0\n"))


def col_cases():
    surface, command = "DIMACS CNF and .col", ["solve", "coloring"]
    for name, text, token in COL_BAD:
        yield file_case(surface, command, "col/" + name, text, token)
    for value, token in COL_OPTIONS:
        yield file_case(surface, command, "col/colors=" + value, PENTAGON_COL, token, extra=("--colors", value))
    yield file_case(surface, command, "col/control-pentagon", PENTAGON_COL, "", expect="run",
                    check=coloring_check(PENTAGON_COL, 3))
    yield file_case(surface, command, "col/control-col-header", PENTAGON_COL.replace("p edge", "p col"), "",
                    expect="run", check=coloring_check(PENTAGON_COL, 3))
    repeated = TRIANGLE_COL.replace("p edge 3 3", "p edge 3 4") + "e 2 1\n"
    yield file_case(surface, command, "col/control-repeated-edge", repeated, "", expect="run",
                    check=coloring_check(TRIANGLE_COL, 3))
    yield file_case(surface, command, "col/unsolvable-triangle-2-colours", TRIANGLE_COL, "", expect="unsolvable",
                    check=coloring_check(TRIANGLE_COL, 2), extra=("--colors", "2"))


def market(n_line="3", assets=None, pairs=None, tail=""):
    assets = assets if assets is not None else ["0.010 0.05", "0.008 0.04", "0.012 0.06"]
    pairs = pairs if pairs is not None else ["1 1 1", "1 2 0.3", "1 3 0.1", "2 2 1", "2 3 0.2", "3 3 1"]
    return "\n".join([n_line] + assets + pairs) + "\n" + tail


PORTFOLIO_BAD = (
    ("empty", "", "f"), ("n-zero", market("0", [], []), "f:1"), ("n-one", market("1", ["0.01 0.05"], ["1 1 1"]), "f:1"),
    ("n-negative", market("-3"), "f:1"), ("n-letters", market("three"), "f:1"), ("n-float", market("3.5"), "f:1"),
    ("n-huge", market("2000000000"), "f"), ("n-overflow", market("9223372036854775808"), "f:1"),
    ("fewer-assets", market("4"), "f"), ("asset-one-number", market(assets=["0.01", "0.008 0.04", "0.012 0.06"]), "f:2"),
    ("stddev-zero", market(assets=["0.01 0", "0.008 0.04", "0.012 0.06"]), "f:2"),
    ("stddev-negative", market(assets=["0.01 -0.05", "0.008 0.04", "0.012 0.06"]), "f:2"),
    ("mean-nan", market(assets=["nan 0.05", "0.008 0.04", "0.012 0.06"]), "f:2"),
    ("stddev-inf", market(assets=["0.01 inf", "0.008 0.04", "0.012 0.06"]), "f:2"),
    ("correlation-above-1", market(pairs=["1 1 1", "1 2 1.5", "1 3 0.1", "2 2 1", "2 3 0.2", "3 3 1"]), "f:6"),
    ("correlation-nan", market(pairs=["1 1 1", "1 2 nan", "1 3 0.1", "2 2 1", "2 3 0.2", "3 3 1"]), "f:6"),
    ("diagonal-not-1", market(pairs=["1 1 0.5", "1 2 0.3", "1 3 0.1", "2 2 1", "2 3 0.2", "3 3 1"]), "f:5"),
    ("missing-pair", market(pairs=["1 1 1", "1 2 0.3", "2 2 1", "2 3 0.2", "3 3 1"]), "1 and 3|1 3"),
    ("duplicate-pair", market(pairs=["1 1 1", "1 2 0.3", "1 2 0.3", "1 3 0.1", "2 2 1", "2 3 0.2", "3 3 1"]), "f:7"),
    ("pair-reversed", market(pairs=["1 1 1", "2 1 0.3", "1 3 0.1", "2 2 1", "2 3 0.2", "3 3 1"]), "f:6"),
    ("index-zero", market(pairs=["0 1 1", "1 1 1", "1 2 0.3", "1 3 0.1", "2 2 1", "2 3 0.2", "3 3 1"]), "f:5"),
    ("index-out-of-range", market(pairs=["1 1 1", "1 2 0.3", "1 3 0.1", "2 2 1", "2 3 0.2", "3 3 1", "3 4 0.1"]), "f:11"),
    ("not-psd", market(pairs=["1 1 1", "1 2 0.99", "1 3 0.99", "2 2 1", "2 3 -0.99", "3 3 1"]), "semi-definite"),
    ("pair-two-numbers", market(pairs=["1 1 1", "1 2", "1 3 0.1", "2 2 1", "2 3 0.2", "3 3 1"]), "f:6"),
    ("trailing-garbage", market(tail="hello\n"), "f:11"), ("binary", garbage("market", 3000), "f"),
)
PORTFOLIO_OPTIONS = (("--assets", "0"), ("--assets", "-1"), ("--assets", "5"), ("--min-weight", "-1"),
                     ("--min-weight", "nan"), ("--min-weight", "0.9"), ("--max-weight", "2"), ("--max-weight", "0"),
                     ("--points", "1"), ("--points", "0"), ("--points", "1000000000"))


def portfolio_cases():
    surface, command = "Portfolio markets", ["solve", "portfolio"]
    options = ["--assets", "2", "--points", "3"]
    for name, text, token in PORTFOLIO_BAD:
        yield file_case(surface, command, "market/" + name, text, token, extra=options)
    for option, value in PORTFOLIO_OPTIONS:
        # Given after the defaults above: CLI11 takes the last value.
        yield file_case(surface, command, "option/%s=%s" % (option, value), MARKET, option,
                        extra=options + [option, value])
    yield file_case(surface, command, "market/control", MARKET, "", expect="run", check=portfolio_check(3, 2),
                    extra=options)
    yield file_case(surface, command, "market/control-blank-lines", MARKET.replace("\n", "\n\n"), "", expect="run",
                    check=portfolio_check(3, 2), extra=options)


def cases():
    for family in (cnf_cases, col_cases, portfolio_cases):
        yield from family()
