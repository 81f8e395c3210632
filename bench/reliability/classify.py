"""Classifies one case's result into an outcome (case.OUTCOMES), by the exit-code convention:
0 = ok, 1 = runtime failure, 2 = bad input, 3 = some unsolved, 4 = claimed-but-wrong, >= 128 or a
signal = crash."""
import json
import re

from case import ACCEPTING_EXITS, EXIT_BAD_INPUT, EXIT_RUNTIME, EXIT_WRONG_CLAIM, Case, Result, Verdict

# Text that only LibTorch's or the C++ runtime's internals print: a refusal showing it is not clean.
INTERNALS = re.compile(r"Exception raised from|c10::|frame #|torch::|\bat::|std::|terminate called|"
                       r"^\s*#\d+\s+0x[0-9a-f]+|Traceback|what\(\):|\.cpp:\d+", re.MULTILINE)
# Reports of the sanitizers and of the C++ runtime dying.
SANITIZER = re.compile(r"AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|runtime error:|"
                       r"terminate called|Segmentation fault|core dumped")
CLI11_HINT = re.compile(r"^Run with --help( for more information\.|-all)?", re.IGNORECASE)


def message_lines(text: str):
    return [line for line in text.splitlines() if line.strip()]


def names(message: str, token: str) -> bool:
    return not token or any(t.lower() in message.lower() for t in token.split("|"))


def refusal_problem(message: str, token: str, one_line: bool = True) -> str:
    """Why `message` (a refusal's text) is not a clean one-line error naming `token`; "" when it is."""
    lines = message_lines(message)
    if not lines:
        return "no message"
    if INTERNALS.search(message):
        return "LibTorch/C++ internals in the message"
    if not one_line:
        return "" if names(message, token) else "does not name '%s'" % token
    first = lines[0]
    if first.startswith("ebm: error:"):
        if len(lines) > 1:
            return "%d lines" % len(lines)
    elif len(lines) > 2 or (len(lines) == 2 and not CLI11_HINT.match(lines[1])):
        return "%d lines" % len(lines)
    if not names(message, token):
        return "does not name '%s'" % token
    return ""


def serve_reply(stdout: str):
    """From `ebm serve --stdio` lines: the refusal message (str) or None, and whether the request was
    answered ("answered", or "failed" when a problem's status says it failed without saying why)."""
    error, answered = None, ""
    for line in stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            return "not JSON: " + line[:80], ""
        if not isinstance(item, dict):
            continue
        if "error" in item:
            error = str(item["error"])
        result = item.get("result")
        if isinstance(result, dict) and result.get("status") == "failed":
            answered = "failed"
        elif (result is not None or item.get("done")) and not answered:
            answered = "answered"
    return error, answered


def classify(case: Case, result: Result) -> Verdict:
    rc = result.returncode
    if rc is None:
        return Verdict("hang", "no exit within the time limit")
    if rc < 0 or rc >= 128:
        return Verdict("crash", "signal %d" % -rc if rc < 0 else "exit %d" % rc)
    if SANITIZER.search(result.stderr):
        return Verdict("crash", "sanitizer or runtime abort report")
    if case.stdout_protocol == "serve":
        return classify_serve(case, result)
    if case.expect == "refuse":
        return classify_bad(case, rc, result)
    return classify_control(case, rc, result)


def classify_bad(case: Case, rc: int, result: Result) -> Verdict:
    if rc in ACCEPTING_EXITS:
        wrong = case.check(result.stdout) if case.check else ""
        return Verdict("wrong answer", wrong) if wrong else Verdict("silent acceptance", "exit %d" % rc)
    if rc == EXIT_WRONG_CLAIM:
        return Verdict("unclear error", "exit 4 (claimed-but-wrong) for bad input")
    if case.stdout_protocol == "report":
        problem = refusal_problem(result.stdout + result.stderr, case.token, one_line=False)
    else:
        problem = refusal_problem(result.stderr, case.token)
    if rc != EXIT_BAD_INPUT and not (rc == EXIT_RUNTIME and case.io_error):
        return Verdict("unclear error", "exit %d, not 2" % rc + ("; " + problem if problem else ""))
    return Verdict("unclear error", problem) if problem else Verdict("clean refusal", "exit %d" % rc)


def classify_control(case: Case, rc: int, result: Result) -> Verdict:
    wrong = case.check(result.stdout) if case.check and rc in ACCEPTING_EXITS + (EXIT_WRONG_CLAIM,) else ""
    if wrong:
        return Verdict("wrong answer", wrong)
    if case.expect in ("unsolvable", "run"):
        if rc in ACCEPTING_EXITS or (rc == EXIT_BAD_INPUT and not refusal_problem(result.stderr, "")):
            return Verdict("control passed", "no answer claimed, exit %d" % rc)
        return Verdict("control failed", "exit %d: %s" % (rc, first_line(result.stderr)))
    if rc in ACCEPTING_EXITS:
        unanswered = case.complete(result.stdout) if case.complete else ""
        if unanswered:
            return Verdict("control failed", unanswered)
        return Verdict("control passed", "exit %d, answers verified" % rc)
    return Verdict("control failed", "exit %d" % rc)


def classify_serve(case: Case, result: Result) -> Verdict:
    error, answered = serve_reply(result.stdout)
    if result.returncode != 0:
        return Verdict("unclear error", "server exit %d" % result.returncode)
    if case.expect == "refuse":
        if error is None and answered == "failed":
            return Verdict("unclear error", "answered with status 'failed' and no reason")
        if error is None:
            return Verdict("silent acceptance", answered or "no reply")
        problem = refusal_problem(error, case.token)
        return Verdict("unclear error", problem) if problem else Verdict("clean refusal", "error line")
    wrong = case.check(result.stdout) if case.check else ""
    if wrong:
        return Verdict("wrong answer", wrong)
    if error is not None:
        return Verdict("control failed", error[:80])
    return Verdict("control passed", "answered, verified")


def first_line(text: str) -> str:
    lines = message_lines(text)
    return lines[0] if lines else ""
