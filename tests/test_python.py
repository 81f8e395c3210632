"""Known-answer tests of the Python module `import ebm` (python/), run by `meson test python`.

Run from a built tree: PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/test_python.py
The last test installs the build with `meson install --destdir` and uses nothing but the installed files.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import pytest
import torch

import ebm

# Easy puzzles from `ebm generate sudoku --tier easy --count 3 --seed 11`, with their unique solutions.
EASY = [
    (".589.7..29.2.657.1..623.5.9..3..6958........7.7.3...2.2..5.4...5...1.2.4..4.8.1.5",
     "158947632932865741746231589423176958695428317871359426217594863589613274364782195"),
    (".834.....2...73.617..8.2...8.46..5..56..1...3.97534286.7.1...4.4.1..765..5..461.8",
     "983461725245973861716852934834629517562718493197534286678195342421387659359246178"),
    ("6..5.8.27....6.98447.219365..38....685..94.7....671...16.9..53.287....4..9.....18",
     "639548127521763984478219365713852496856394271942671853164987532287135649395426718"),
]
UNSOLVABLE = "12345678.........9..............................................................."


class Quadratic(torch.nn.Module):
    """E(y) = sum_i w_i (y_i - c_i)^2 with its minimum E = 0 at y = c."""

    def __init__(self, centre, weights):
        super().__init__()
        self.register_buffer("centre", torch.tensor(centre))
        self.register_buffer("weights", torch.tensor(weights))

    def forward(self, condition, y):
        assert condition is None
        return (self.weights * (y - self.centre) ** 2).sum(dim=1)


class ShiftedQuadratic(torch.nn.Module):
    """E(x, y) = |y - x|^2: each problem's minimum is its own condition row."""

    def forward(self, condition, y):
        return ((y - condition) ** 2).sum(dim=1)


def test_tasks_name_and_summarise_the_registered_tasks():
    tasks = {t["name"]: t for t in ebm.tasks()}
    assert "sudoku" in tasks and "coloring" in tasks
    sudoku = tasks["sudoku"]
    assert sudoku["summary"] and "\n" not in sudoku["summary"]
    assert sudoku["energies"] and sudoku["default_sampler"]
    assert any(p["name"] == "colors" for p in tasks["coloring"]["parameters"])


def test_samplers_list_options_with_defaults_and_meanings():
    catalogue = {s["name"]: s for s in ebm.samplers()}
    langevin = catalogue["langevin"]
    step = next(o for o in langevin["options"] if o["key"] == "step")
    assert step["default"] == "0.01" and step["type"] == "real" and step["meaning"]
    assert any(s["wrapper"] for s in catalogue.values())
    driver = {o["key"]: o for o in ebm.driver_options()}
    assert driver["steps"]["default"] == "1000" and driver["chains"]["default"] == "1"


def test_answer_spaces_describe_themselves_and_refuse_bad_shapes():
    assert ebm.real([2]).kind == "real" and ebm.real([2]).shape == [2]
    space = ebm.categorical(81, 9)
    assert space.kind == "categorical" and space.numel() == 729 and "81x9" in repr(space)
    assert ebm.one_hot(3, 4).kind == "one_hot"
    with pytest.raises(ValueError):
        ebm.categorical(3, 1)
    with pytest.raises(ValueError, match="logits"):
        ebm.categorical(3, 4, param="bogus")


def test_minimize_gradient_descent_lands_on_the_quadratic_minimum():
    energy = Quadratic([1.5, -2.0, 0.25], [1.0, 3.0, 0.5])
    result = ebm.minimize(energy, ebm.real([3]), spec="gd:step=0.1,steps=2000,tol=1e-10", chains=4, seed=3)
    assert len(result.answers) == 1
    assert torch.allclose(result.answers[0], energy.centre, atol=1e-4)
    summary = result.summary
    assert summary.termination == "CONVERGENCE"
    assert summary.problems == 1 and summary.chains == 4 and summary.chains_at_tolerance == 4
    assert 0 < summary.steps < 2000 and summary.evaluations >= summary.steps
    assert summary.best_energy <= 1e-10 and result.energies[0] <= 1e-10
    assert summary.seed == 3 and summary.elapsed_ms > 0
    assert summary.brief_report().startswith("CONVERGENCE: gd")
    assert "Termination" in summary.full_report()
    assert result.verified == [False]  # no verifier: nothing is claimed
    assert result.chain_status == ["tolerance"] * 4


def test_minimize_langevin_samples_near_the_minimum():
    energy = Quadratic([1.0, -1.0], [2.0, 2.0])
    result = ebm.minimize(energy, ebm.real([2]), spec="langevin:step=0.02,noise=0.01,steps=400", chains=8)
    assert result.summary.termination == "NO_CONVERGENCE"  # a step budget without tolerance runs out
    assert result.summary.steps == 400
    assert torch.allclose(result.answers[0], energy.centre, atol=0.02)
    assert result.best_states.shape == (8, 2)


def test_minimize_with_conditions_returns_each_problems_answer_in_order():
    condition = torch.tensor([[1.0, 2.0], [-3.0, 0.5], [0.0, 4.0]])
    result = ebm.minimize(ShiftedQuadratic(), ebm.real([2]), spec="gd:step=0.2,steps=1000,tol=1e-12",
                          chains=2, condition=condition)
    assert result.summary.problems == 3
    for answer, expected in zip(result.answers, condition):
        assert torch.allclose(answer, expected, atol=1e-5)
    with pytest.raises(ValueError, match="problems=2"):
        ebm.minimize(ShiftedQuadratic(), ebm.real([2]), condition=condition, problems=2)


def test_minimize_verifier_and_clamp_on_a_categorical_space():
    target = torch.tensor([2, 0, 1, 3])
    clamp_mask = torch.zeros(1, 4, 4, dtype=torch.bool)
    clamp_mask[0, 0] = True  # variable 0 clamped to category 1 (against its energy's wish)
    clamp_values = torch.zeros(1, 4, 4)
    clamp_values[0, 0, 1] = 1.0

    def energy(condition, y):  # y: probabilities [B, 4, 4]; minimum at the target categories
        return (1.0 - y.gather(2, target.view(1, 4, 1).expand(y.shape[0], 4, 1)).squeeze(2)).sum(dim=1)

    def verifier(decoded, problem_index):
        return (decoded[:, 1:] == target[1:]).all(dim=1)

    result = ebm.minimize(energy, ebm.one_hot(4, 4), spec="gwg:steps=300", chains=2,
                          clamp=(clamp_mask, clamp_values), verifier=verifier)
    decoded = ebm.one_hot(4, 4).decode(result.answers[0].unsqueeze(0))[0]
    assert decoded.tolist() == [1, 0, 1, 3]
    assert result.verified == [True] and result.summary.problems_verified == 1


def test_a_python_exception_in_the_energy_is_raised_in_python():
    class Boom(Exception):
        pass

    def energy(condition, y):
        raise Boom("energy exploded")

    with pytest.raises(Boom, match="energy exploded"):
        ebm.minimize(energy, ebm.real([2]), spec="gd:steps=10")
    with pytest.raises(TypeError, match="torch.Tensor"):
        ebm.minimize(lambda c, y: 1.0, ebm.real([2]), spec="gd:steps=10")
    with pytest.raises(ValueError, match=r"shape \[3\]"):
        ebm.minimize(lambda c, y: y.sum(), ebm.real([2]), spec="gd:steps=10", chains=3)
    with pytest.raises(ValueError, match="bogus"):
        ebm.minimize(Quadratic([0.0], [1.0]), ebm.real([1]), spec="bogus")
    # The module still works after those errors.
    ok = ebm.minimize(Quadratic([0.5], [1.0]), ebm.real([1]), spec="gd:step=0.2,steps=500,tol=1e-10")
    assert ok.summary.termination == "CONVERGENCE"


def test_solve_sudoku_returns_the_known_solutions_in_order():
    results = ebm.solve("sudoku", [puzzle for puzzle, _ in EASY] + [UNSOLVABLE], budget_ms=3000)
    assert len(results) == len(EASY) + 1
    for (puzzle, solution), result in zip(EASY, results):
        assert result.problem == puzzle
        assert result.verified is True and result.answer == solution
        assert result.steps > 0 and result.ms > 0 and result.chains >= 1
    unsolved = results[-1]
    assert unsolved.verified is False and unsolved.answer is None


def test_solve_refuses_bad_input_naming_the_field():
    with pytest.raises(ValueError, match="bogus"):
        ebm.solve("bogus", [EASY[0][0]])
    with pytest.raises(ValueError, match=r"problems\[1\].*81"):
        ebm.solve("sudoku", [EASY[0][0], "1234"])
    with pytest.raises(TypeError, match="list of strings"):
        ebm.solve("sudoku", EASY[0][0])
    with pytest.raises(TypeError, match=r"problems\[0\]"):
        ebm.solve("sudoku", [81])
    with pytest.raises(ValueError, match="budget"):
        ebm.solve("sudoku", [EASY[0][0]], budget_ms=0)


def test_solve_releases_the_gil_while_cpp_runs():
    worker = threading.Thread(target=ebm.solve, args=("sudoku", [UNSOLVABLE]), kwargs={"budget_ms": 500})
    ticks = 0
    worker.start()
    while worker.is_alive():  # runs only if the solve lets go of the GIL
        ticks += 1
        time.sleep(0.002)
    worker.join()
    assert ticks >= 20


def the_cli():
    build_root = os.environ.get("EBM_BUILD_ROOT")
    if not build_root:
        pytest.skip("EBM_BUILD_ROOT unset: run through `meson test python`")
    return os.path.join(build_root, "cli", "ebm")


@pytest.mark.parametrize("spec", ["gwg:chains=4,steps=40",
                                  "anneal:weight_term=1,weight_start=-0.3,weight_end=0.6,period=400/"
                                  "langevin:mirror=true,step=1.0,noise=0.2,chains=16,verify_every=5,track_best=false"])
def test_one_spec_gives_one_answer_through_the_cli_the_server_and_python(spec):
    # One path for a task's problems: `ebm solve`, `ebm serve` (a request alone in its pool) and
    # ebm.solve run the same chains for the same seed. gwg also needs the one-hot switch of the space,
    # which the server used to refuse.
    cli = the_cli()
    for index, (puzzle, _) in enumerate(EASY[:2]):
        seed = 40 + index
        run = subprocess.run([cli, "solve", "sudoku", puzzle, "--sampler", spec, "--seed", str(seed), "--batch", "1",
                              "--budget-ms", "60000", "--json", "-q"], capture_output=True, text=True, timeout=120)
        assert run.returncode in (0, 3), run.stderr
        by_cli = json.loads(run.stdout)
        request = json.dumps({"id": 1, "task": "sudoku", "problems": [puzzle], "sampler": spec, "seed": seed,
                              "budget_ms": 60000})
        served = subprocess.run([cli, "serve", "--stdio"], input=request + "\n", capture_output=True, text=True,
                                timeout=120)
        assert served.returncode == 0, served.stderr
        by_server = [json.loads(line) for line in served.stdout.splitlines() if '"result"' in line][0]["result"]
        by_python = ebm.solve("sudoku", [puzzle], sampler=spec, seed=seed, batch=1, budget_ms=60000)[0]
        assert by_cli["steps"] == by_server["steps"] == by_python.steps, (by_cli, by_server)
        assert by_cli["verified"] == by_server["verified"] == by_python.verified
        assert by_cli["answer"] == by_server["answer"] == by_python.answer


INSTALLED_SCRIPT = textwrap.dedent("""
    import json, sys, torch, ebm
    maps = open("/proc/self/maps").read()
    libebm = sorted({line.split()[-1] for line in maps.splitlines() if "libebm.so" in line})
    solved = ebm.solve("sudoku", [sys.argv[1]], budget_ms=5000)[0]
    class Bowl(torch.nn.Module):
        def forward(self, condition, y):
            return ((y - 2.0) ** 2).sum(dim=1)
    run = ebm.minimize(Bowl(), ebm.real([2]), spec="gd:step=0.1,steps=1000,tol=1e-10", chains=2)
    print(json.dumps({"module": ebm.__file__, "libebm": libebm, "answer": solved.answer,
                      "verified": solved.verified, "minimum": run.answers[0].tolist(),
                      "termination": run.summary.termination}))
""")


def test_the_installed_module_works_from_installed_files_only():
    build_root = os.environ.get("EBM_BUILD_ROOT")
    meson = os.environ.get("EBM_MESON", "meson")
    if not build_root:
        pytest.skip("EBM_BUILD_ROOT unset: run through `meson test python`")
    with tempfile.TemporaryDirectory() as destdir:
        subprocess.run([meson, "install", "-C", build_root, "--no-rebuild", "--quiet", "--destdir", destdir],
                       check=True, stdout=subprocess.DEVNULL)
        modules = glob.glob(os.path.join(destdir, "**", "ebm.cpython-*.so"), recursive=True)
        libraries = glob.glob(os.path.join(destdir, "**", "libebm.so*"), recursive=True)
        assert len(modules) == 1 and libraries
        env = dict(os.environ, PYTHONPATH=os.path.dirname(modules[0]),
                   LD_LIBRARY_PATH=os.path.dirname(libraries[0]))
        env.pop("EBM_MODEL_DIR", None)
        out = subprocess.run([sys.executable, "-c", INSTALLED_SCRIPT, EASY[0][0]], env=env, cwd=destdir,
                             check=True, capture_output=True, text=True).stdout
        report = json.loads(out)
        assert report["module"].startswith(destdir)
        assert report["libebm"] and all(path.startswith(destdir) for path in report["libebm"])
        assert report["verified"] is True and report["answer"] == EASY[0][1]
        assert report["termination"] == "CONVERGENCE"
        assert report["minimum"] == pytest.approx([2.0, 2.0], abs=1e-4)
