"""One probe case: a command line of the real `ebm` program, the files it reads, and what it should do.

A case's `expect` says which outcomes are right:
  "refuse"     bad input: the only right outcome is a clean refusal (exit 2, one line naming `token`).
  "answer"     a good control: exit 0 (or the task's 'all solved' status) and an answer the probe's own
               verifier accepts.
  "unsolvable" valid input with no solution: right is 'unsolved' (exit 0 or 3) or a clean refusal; any
               answer claimed is a wrong answer.
  "run"        valid input that may or may not be solved within the budget: right is exit 0/3 with every
               claimed answer correct (or a clean refusal where the combination cannot work).
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

# Exit statuses (the convention of the reliability issue).
EXIT_OK, EXIT_RUNTIME, EXIT_BAD_INPUT, EXIT_UNSOLVED, EXIT_WRONG_CLAIM = 0, 1, 2, 3, 4
# Statuses with which a command says it ran; SAT and colouring print 10 when every formula got a model.
ACCEPTING_EXITS = (EXIT_OK, EXIT_UNSOLVED, 10, 20)

# A check of a control's stdout: returns "" when the answer is right, else what is wrong.
AnswerCheck = Callable[[str], str]


@dataclass
class Case:
    surface: str                      # the input surface (one row of the table)
    case_id: str                      # unique, stable: family/variant
    args: List[str]                   # arguments after the program name
    expect: str = "refuse"            # "refuse" | "answer" | "unsolvable"
    token: str = ""                   # refusal must name this: a case-insensitive substring of the
                                      # message; "a|b" = either (an option by its flag or in words)
    io_error: bool = False            # an I/O-type refusal: exit 1 also counts as clean
    stdin: bytes = b""                # fed to the program
    files: Dict[str, bytes] = field(default_factory=dict)   # written into the case's folder first
    setup: list = field(default_factory=list)  # run first, unclassified: ebm argument lists, or f(folder)
    check: Optional[AnswerCheck] = None                      # for "answer" / "unsolvable"
    shown: str = ""                   # the command as the report shows it ("" = built from args)
    stdout_protocol: str = ""         # "serve": refusals and answers arrive as JSON lines on stdout;
                                      # "report": a report command (`ebm info`) whose verdict, in its
                                      # stdout report, may span lines
    complete: Optional[AnswerCheck] = None  # for "answer": "" when every problem was answered


@dataclass
class Result:
    """What running a case produced."""
    returncode: Optional[int]         # None = timed out; negative = killed by that signal
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Verdict:
    outcome: str                      # one of OUTCOMES
    reason: str                       # why, in a few words


OUTCOMES: Tuple[str, ...] = ("clean refusal", "unclear error", "silent acceptance", "crash", "hang",
                             "wrong answer", "control passed", "control failed")
