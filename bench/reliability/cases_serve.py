"""Requests to `ebm serve --stdio` (one JSON line each; see cli/serve/solve_request.h): the server must
answer a bad request with an error line naming the field (status 400/413/503) and stay up."""
import json

from case import Case
from fixtures import EASY
from verify import serve_sudoku_check

SURFACE = "Serve requests"


def request(**fields):
    body = {"task": "sudoku", "problems": [EASY], "budget_ms": 200}
    body.update(fields)
    return json.dumps({k: v for k, v in body.items() if v is not ...})


BAD_LINES = (
    ("malformed-brace", "{", ""), ("malformed-trailing-comma", '{"task": "sudoku",}', ""),
    ("not-object-array", "[]", ""), ("not-object-null", "null", ""), ("not-object-number", "42", ""),
    ("not-object-string", '"sudoku"', ""), ("empty-object", "{}", "task"),
    ("task-missing", request(task=...), "task"), ("task-unknown", request(task="foo"), "foo"),
    ("task-number", request(task=5), "task"), ("task-null", request(task=None), "task"),
    ("problems-missing", request(problems=...), "problems"), ("problems-string", request(problems=EASY), "problems"),
    ("problems-empty", request(problems=[]), "problems"), ("problems-number", request(problems=[81]), "problems"),
    ("problem-short", request(problems=[EASY[:80]]), "problems[0]"),
    ("problem-bad-char", request(problems=[EASY, EASY[:80] + "x"]), "problems[1]"),
    ("problem-broken-rule", request(problems=["55" + EASY[2:]]), "problems[0]"),
    ("problems-over-max", request(problems=[EASY] * 257), "problems"),
    ("problems-100000", request(problems=[EASY] * 100000), ""),
    ("budget-negative", request(budget_ms=-5), "budget_ms"), ("budget-zero", request(budget_ms=0), "budget_ms"),
    ("budget-over-max", request(budget_ms=1e9), "budget_ms"), ("budget-string", request(budget_ms="fast"), "budget_ms"),
    ("budget-nan-text", '{"task": "sudoku", "problems": ["%s"], "budget_ms": NaN}' % EASY, ""),
    ("deadline-negative", request(deadline_ms=-1), "deadline_ms"),
    ("deadline-over-max", request(deadline_ms=1e12), "deadline_ms"),
    ("seed-negative", request(seed=-1), "seed"), ("seed-string", request(seed="x"), "seed"),
    ("seed-float", request(seed=1.5), "seed"), ("energy-unknown", request(energy="bar"), "bar"),
    ("sampler-unknown", request(sampler="bogus"), "bogus"), ("sampler-bad-key", request(sampler="langevin:foo=1"), "foo"),
    ("sampler-huge-chains", request(sampler="langevin:chains=1000000000"), "chains"),
    ("unknown-field", request(colour="blue"), "colour"), ("id-only", '{"id": 7}', "task"),
)


def cases():
    for name, line, token in BAD_LINES:
        shown = "echo '%s' | ebm serve --stdio" % (line if len(line) < 160 else line[:120] + "... (%d chars)" % len(line))
        yield Case(SURFACE, "request/" + name, ["serve", "--stdio"], token=token, stdin=(line + "\n").encode(),
                   stdout_protocol="serve", shown=shown)
    yield Case(SURFACE, "request/non-utf8", ["serve", "--stdio"], token="", stdin=b'{"task": "\xff\xfe"}\n',
               stdout_protocol="serve", shown="printf '{\"task\": \"\\xff\\xfe\"}\\n' | ebm serve --stdio")
    yield Case(SURFACE, "request/body-over-max", ["serve", "--stdio", "--max-body", "1000"], token="",
               stdin=(request() + " " * 2000 + "\n").encode(), stdout_protocol="serve",
               shown="a 2 kB line | ebm serve --stdio --max-body 1000")
    yield Case(SURFACE, "request/control", ["serve", "--stdio"], expect="answer", stdin=(request() + "\n").encode(),
               stdout_protocol="serve", check=serve_sudoku_check([EASY]),
               shown="echo '%s' | ebm serve --stdio" % request())
    yield Case(SURFACE, "request/control-two-problems-with-id", ["serve", "--stdio"], expect="answer",
               stdin=(request(problems=[EASY, EASY], id="a") + "\n").encode(), stdout_protocol="serve",
               check=serve_sudoku_check([EASY, EASY]), shown="two problems with an id | ebm serve --stdio")
