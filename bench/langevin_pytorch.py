#!/usr/bin/python3
"""PyTorch-Python twin of the C++ LibTorch Langevin benchmark.

Measures, on CPU:
  * bare cost: one energy + autograd gradient evaluation on a fixed batch
    y [chains, D] (microseconds per evaluation);
  * sampler cost: one Langevin step as the C++ driver performs it
    (noise draw, update, re-evaluation, best-state bookkeeping, non-finite
    check) in microseconds per step;
  * overhead = langevin_us_per_step / bare_us - 1.

Energy (same structure as the C++ one):
    E(y) = tanh(y @ W.T + c) @ w + 0.5 * (y * y).sum(1)
with W [hidden, D] ~ N(0,1)/sqrt(D), c [hidden] ~ N(0,1)*0.1,
w [hidden] ~ N(0,1)/sqrt(hidden), D = variables * categories.

Run with Debian's interpreter (python3-torch):
    /usr/bin/python3 bench/langevin_pytorch.py --chains 64 --threads 1
"""

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time

import torch


class MLPEnergy(torch.nn.Module):
    """E(y) = tanh(y @ W.T + c) @ w + 0.5 * |y|^2 per row."""

    def __init__(self, dimension, hidden, generator):
        super().__init__()
        self.linear = torch.nn.Linear(dimension, hidden)
        self.w = torch.nn.Parameter(torch.empty(hidden))
        with torch.no_grad():
            self.linear.weight.copy_(torch.randn(hidden, dimension, generator=generator) / math.sqrt(dimension))
            self.linear.bias.copy_(torch.randn(hidden, generator=generator) * 0.1)
            self.w.copy_(torch.randn(hidden, generator=generator) / math.sqrt(hidden))
        # Only the gradient with respect to y is needed.
        for p in self.parameters():
            p.requires_grad_(False)

    def forward(self, y):
        return torch.tanh(self.linear(y)) @ self.w + 0.5 * (y * y).sum(1)


def energy_and_grad(model, y):
    """Energy [N] and dE/dy [N, D] at y, both detached."""
    with torch.enable_grad():
        y = y.detach().requires_grad_(True)
        energy = model(y)
        (grad,) = torch.autograd.grad(energy.sum(), y)
    return energy.detach(), grad.detach()


def time_bare(model, y, steps, warmup):
    for _ in range(warmup):
        energy_and_grad(model, y)
    start = time.perf_counter()
    for _ in range(steps):
        energy_and_grad(model, y)
    return (time.perf_counter() - start) * 1e6 / steps


class LangevinChains:
    """State and per-step work of the C++ driver running the Langevin sampler."""

    def __init__(self, model, chains, dimension, eta, generator):
        self.model = model
        self.eta = eta
        self.gen = generator
        self.temperature = torch.ones(chains, 1)  # T = 1 per row
        with torch.no_grad():
            self.y = torch.randn(chains, dimension, generator=generator)
        self.energy, self.grad = energy_and_grad(model, self.y)
        self.best_energy = torch.full((chains,), math.inf)
        self.best_state = self.y.clone()

    def step(self):
        """One sampler step; returns False if some chain went non-finite."""
        with torch.no_grad():
            xi = torch.randn(self.y.shape, generator=self.gen)
            sigma = (self.temperature * (2.0 * self.eta)).sqrt()
            self.y = self.y - self.eta * self.grad + sigma * xi
        self.energy, self.grad = energy_and_grad(self.model, self.y)
        with torch.no_grad():
            finite = torch.isfinite(self.energy)
            improved = finite & (self.energy < self.best_energy)
            rows = improved.nonzero().squeeze(1)
            if rows.numel():
                self.best_energy[rows] = self.energy[rows]
                self.best_state[rows] = self.y[rows]
            return not bool((~finite).any().item())


def time_langevin(model, chains, dimension, eta, seed, steps, warmup):
    gen = torch.Generator().manual_seed(seed)
    state = LangevinChains(model, chains, dimension, eta, gen)
    for _ in range(warmup):
        if not state.step():
            raise RuntimeError("non-finite energy during warmup")
    start = time.perf_counter()
    for _ in range(steps):
        if not state.step():
            raise RuntimeError("non-finite energy during timed steps")
    return (time.perf_counter() - start) * 1e6 / steps


def write_json_atomic(path, payload):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".langevin_pytorch.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(payload, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be > 0, got %s" % text)
    return value


def nonnegative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0, got %s" % text)
    return value


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="PyTorch-Python twin of the C++ LibTorch Langevin benchmark: per-step cost of "
        "a Langevin sampler loop versus a bare energy+gradient evaluation (CPU).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--chains", type=positive_int, default=64, help="number of chains N (batch rows)")
    p.add_argument("--variables", type=positive_int, default=81, help="variables per answer")
    p.add_argument("--categories", type=positive_int, default=9,
                   help="categories per variable; dimension D = variables * categories")
    p.add_argument("--hidden", type=positive_int, default=32, help="hidden units of the MLP energy")
    p.add_argument("--steps", type=positive_int, default=200,
                   help="timed evaluations (bare) / timed sampler steps (langevin) per repeat")
    p.add_argument("--warmup", type=nonnegative_int, default=20, help="untimed iterations before each timed run")
    p.add_argument("--threads", type=positive_int, default=1, help="intra-op threads, passed to torch.set_num_threads")
    p.add_argument("--seed", type=int, default=0, help="seed for the parameters and the sampler's generator")
    p.add_argument("--json", metavar="PATH", default=None,
                   help="also write the results as JSON to PATH (written atomically)")
    p.add_argument("--repeats", type=positive_int, default=3, help="timed runs per measurement; the median is reported")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)  # grad only inside energy_and_grad

    dimension = args.variables * args.categories
    eta = 0.01

    param_gen = torch.Generator().manual_seed(args.seed)
    model = MLPEnergy(dimension, args.hidden, param_gen)
    model.eval()

    data_gen = torch.Generator().manual_seed(args.seed + 1)
    y_fixed = torch.randn(args.chains, dimension, generator=data_gen)

    bare_us = statistics.median(
        time_bare(model, y_fixed, args.steps, args.warmup) for _ in range(args.repeats))
    step_us = statistics.median(
        time_langevin(model, args.chains, dimension, eta, args.seed, args.steps, args.warmup)
        for _ in range(args.repeats))
    steps_per_second = 1e6 / step_us
    overhead = step_us / bare_us - 1.0

    rows = [
        ("implementation", "pytorch-python"),
        ("torch", torch.__version__),
        ("device", "cpu"),
        ("threads", str(torch.get_num_threads())),
        ("chains", str(args.chains)),
        ("dimension", str(dimension)),
        ("hidden", str(args.hidden)),
        ("steps x repeats", "%d x %d (median)" % (args.steps, args.repeats)),
        ("bare us/eval", "%.2f" % bare_us),
        ("langevin us/step", "%.2f" % step_us),
        ("steps/s", "%.1f" % steps_per_second),
        ("overhead", "%.1f %%" % (overhead * 100.0)),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print("%-*s  %s" % (width, key, value))
    sys.stdout.flush()

    if args.json:
        write_json_atomic(args.json, {
            "implementation": "pytorch-python",
            "torch_version": torch.__version__,
            "threads": torch.get_num_threads(),
            "chains": args.chains,
            "dimension": dimension,
            "hidden": args.hidden,
            "bare_us": bare_us,
            "langevin_us_per_step": step_us,
            "steps_per_second": steps_per_second,
            "overhead": overhead,
        })
    return 0


if __name__ == "__main__":
    sys.exit(main())
