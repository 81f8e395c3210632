"""Sampler specs (`--sampler name:key=value,.../wrapper:...`) on `ebm solve sudoku`: each is either
refused at once, naming the part of the spec that is wrong, or run within a small budget."""
from case import Case
from fixtures import EASY
from verify import sudoku_all_solved, sudoku_lines_check

SURFACE = "Sampler specs"
BASE = "langevin:mirror=true,step=1.0,noise=0.2,chains=4"


def solve(case_id, spec, token, expect="refuse", shown=""):
    """An easy puzzle solved with `spec`; controls that must solve it get a budget it never needs."""
    budget = "3000" if expect == "answer" else "200"
    return Case(SURFACE, case_id, ["solve", "sudoku", "--budget-ms", budget, "--sampler", spec, EASY],
                expect=expect, token=token, check=sudoku_lines_check([EASY]), shown=shown,
                complete=sudoku_all_solved if expect == "answer" else None)


def malformed():
    # ("" is the default spec; an empty option list and spaces around a name are tolerated: not bad.)
    for i, spec in enumerate((":", "/", "//", ",", "=", "langevin/", "/langevin", "langevin//gwg",
                              "langevin:=1", "langevin:step", "langevin:step=", "langevin:step==1",
                              "langevin::step=1", "langevin:step=1:noise=0", "lange vin")):
        yield solve("malformed-%02d" % i, spec, "")


def unknown_names():
    for name in ("foo", "Langevin", "LANGEVIN", "langevin2", "lang", "sgld", "annealing", "temper", "adam",
                 "hmc-", "langevin\u00e9"):
        yield solve("unknown-sampler/" + name.strip(), name, name.strip())
    for sampler, key in (("langevin", "foo"), ("langevin", "Step"), ("langevin", "stepsize"), ("mala", "noise"),
                         ("gwg", "stepp"), ("tabu", "tenur"), ("hmc", "leapfrogs"), ("dula", "temperature"),
                         ("anneal", "t-start"), ("tempering", "replica"), ("gd", "lr"), ("langevin", "chain")):
        spec = ("%s:%s=1/%s" % (sampler, key, BASE)) if sampler in ("anneal", "tempering") else "%s:%s=1" % (sampler, key)
        yield solve("unknown-key/%s-%s" % (sampler, key), spec, key)
    yield solve("duplicate-key", "langevin:step=0.1,step=0.2", "step")


# (segment, key, is an integer key) whose values are checked; driver keys may go in any segment.
NUMERIC_KEYS = (("langevin", "step", False), ("langevin", "noise", False), ("hmc", "leapfrog", True),
                ("tabu", "tenure", True), ("langevin", "chains", True), ("langevin", "steps", True),
                ("langevin", "verify_every", True), ("langevin", "ms", False))
BAD_VALUES = ("abc", "", "nan", "inf", "-inf", "1e38", "-1")
BAD_INTEGERS = ("1.5", "9223372036854775808", "-9223372036854775809")


def bad_values():
    for sampler, key, integer in NUMERIC_KEYS:
        for value in BAD_VALUES + (BAD_INTEGERS if integer else ()):
            if key == "noise" and value in ("-1", "-inf"):  # documented: < 0 = exact Langevin noise
                continue
            if key == "ms" and value in ("inf", "1e38"):  # a huge wall-clock cap: --budget-ms still bounds it
                continue
            yield solve("value/%s-%s=%s" % (sampler, key, value or "empty"), "%s:%s=%s" % (sampler, key, value), key)
    for sampler, key in (("langevin", "step"), ("mala", "step"), ("hmc", "step"), ("dula", "step"),
                         ("langevin", "chains"), ("langevin", "verify_every")):
        yield solve("zero/%s-%s" % (sampler, key), "%s:%s=0" % (sampler, key), key)
    for key in ("mirror", "track_best", "stop_verified"):
        for value in ("2", "yes please", "nan"):
            yield solve("bool/%s=%s" % (key, value), "langevin:%s=%s" % (key, value), key)
    for value in ("fast", "", "1"):
        yield solve("enum/t_schedule=%s" % (value or "empty"), "anneal:t_schedule=%s/%s" % (value, BASE), "t_schedule")


def huge_work():
    """Counts that would take minutes or all memory: refused fast (or bounded by --budget-ms, then accepted)."""
    for spec, token in (("langevin:chains=1000000000", "chains"), ("langevin:chains=100000000", "chains"),
                        ("hmc:leapfrog=1000000000,steps=2", "leapfrog"),
                        ("tempering:replicas=1000000/" + BASE, "replicas"),
                        ("tempering:replicas=100000000/" + BASE, "replicas"),
                        ("langevin:chains=2147483648", "chains"), ("tabu:tenure=2147483648", "tenure")):
        yield solve("huge/" + spec.split("/")[0], spec, token)


def long_and_nested():
    long_key_list = "langevin:" + ",".join("step=0.1" for _ in range(12500))
    yield solve("long/100k-repeated-keys", long_key_list, "step", shown="ebm solve sudoku --sampler 'langevin:step=0.1,... (100,000 chars)'")
    yield solve("long/100k-name", "a" * 100000, "", shown="ebm solve sudoku --sampler 'aaaa... (100,000 chars)'")
    yield solve("long/100k-value", "langevin:step=" + "1" * 100000, "step",
                shown="ebm solve sudoku --sampler 'langevin:step=111... (100,000 chars)'")
    yield solve("long/10k-wrappers", "anneal/" * 10000 + BASE, "",
                shown="ebm solve sudoku --sampler 'anneal/anneal/... (10,000 wrappers)/langevin'")
    yield solve("nested/wrapper-alone", "anneal", "anneal")
    yield solve("nested/tempering-alone", "tempering:replicas=4", "tempering")
    yield solve("nested/base-then-wrapper", "langevin/anneal", "langevin")
    yield solve("nested/two-bases", "langevin/gwg", "langevin")
    yield solve("nested/wrong-space", "mixed", "mixed")
    yield solve("nested/real-only-on-onehot", "hmc:leapfrog=2,steps=5", "hmc", expect="run")
    yield solve("nested/trailing-slash", BASE + "/", "")


def controls():
    yield solve("control/default-base", BASE, "", expect="answer")
    yield solve("control/anneal-langevin", "anneal:t_start=5,t_end=0.05/" + BASE, "", expect="answer")
    yield solve("control/double-anneal", "anneal/anneal/" + BASE, "", expect="run")
    yield solve("control/tempering", "tempering:replicas=2/" + BASE, "", expect="run")
    yield solve("control/gwg", "gwg:chains=4", "", expect="run")
    yield solve("control/tabu", "tabu:chains=4", "", expect="run")


def cases():
    for family in (malformed, unknown_names, bad_values, huge_work, long_and_nested, controls):
        yield from family()
