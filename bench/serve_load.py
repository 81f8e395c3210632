#!/usr/bin/python3
"""Load generator for `ebm serve`: N Sudoku puzzles from C concurrent clients over loopback.

Each client takes the next puzzle, POSTs it alone to /v1/solve and waits for the answer; the run
ends when every puzzle has been answered. Every answer is checked here, independently of the
server: a 'verified' answer must keep the puzzle's givens and obey the rules, and every puzzle
must be answered exactly once. Batch occupancy comes from /metrics (chain steps / sampler steps /
capacity) over the run.

Usage: bench/serve_load.py --url http://127.0.0.1:8080 --puzzles FILE --clients 16 [--budget-ms 10000]
Prints one JSON line: clients, problems, seconds, throughput, p50/p99 latency, verified, lost,
duplicated, claimed_but_wrong, occupancy.
"""
import argparse
import json
import re
import threading
import time
import urllib.error
import urllib.request


def read_puzzles(path):
    puzzles = []
    for line in open(path):
        field = line.strip().split(",")[0]
        if re.fullmatch(r"[0-9.]{81}", field):
            puzzles.append(field.replace("0", "."))
    return puzzles


def valid_solution(puzzle, answer):
    """True when `answer` is a complete Sudoku grid that keeps every given of `puzzle`."""
    if answer is None or not re.fullmatch(r"[1-9]{81}", answer):
        return False
    if any(p != "." and p != a for p, a in zip(puzzle, answer)):
        return False
    units = [[r * 9 + c for c in range(9)] for r in range(9)]
    units += [[r * 9 + c for r in range(9)] for c in range(9)]
    units += [[(br * 3 + r) * 9 + bc * 3 + c for r in range(3) for c in range(3)] for br in range(3) for bc in range(3)]
    return all(len({answer[i] for i in unit}) == 9 for unit in units)


def metric(url, name):
    text = urllib.request.urlopen(url + "/metrics", timeout=30).read().decode()
    match = re.search(r"^" + name + r" ([0-9.e+-]+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def post(url, body, timeout):
    request = urllib.request.Request(url + "/v1/solve", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    while True:
        try:
            return json.loads(urllib.request.urlopen(request, timeout=timeout).read())
        except urllib.error.HTTPError as error:
            if error.code != 503:
                raise
            time.sleep(float(error.headers.get("Retry-After", "1")))


def run(url, puzzles, clients, budget_ms, timeout):
    answers = [[] for _ in puzzles]  # every answer received per puzzle
    latencies = []
    next_index = [0]
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= len(puzzles):
                return
            start = time.perf_counter()
            reply = post(url, {"task": "sudoku", "problems": [puzzles[index]], "budget_ms": budget_ms}, timeout)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                answers[index].extend(reply["results"])

    steps0, chains0 = metric(url, "ebm_sampler_steps_total"), metric(url, "ebm_chain_steps_total")
    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    steps, chains = metric(url, "ebm_sampler_steps_total") - steps0, metric(url, "ebm_chain_steps_total") - chains0
    capacity = metric(url, "ebm_batch_capacity_chains")
    latencies.sort()
    verified = sum(1 for a in answers if len(a) == 1 and a[0]["verified"])
    wrong = sum(1 for p, a in zip(puzzles, answers) for r in a if r["verified"] and not valid_solution(p, r["answer"]))
    return {
        "clients": clients,
        "problems": len(puzzles),
        "seconds": round(seconds, 2),
        "throughput_per_s": round(len(puzzles) / seconds, 3),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
        "verified": verified,
        "lost": sum(1 for a in answers if len(a) == 0),
        "duplicated": sum(1 for a in answers if len(a) > 1),
        "claimed_but_wrong": wrong,
        "mean_chains_per_step": round(chains / steps, 1) if steps else 0.0,
        "occupancy": round(chains / steps / capacity, 3) if steps and capacity else 0.0,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--puzzles", required=True, help="CSV or text file, one 81-character puzzle per line")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--budget-ms", type=float, default=10000)
    parser.add_argument("--timeout", type=float, default=600, help="seconds per request")
    args = parser.parse_args()
    puzzles = read_puzzles(args.puzzles)
    if not puzzles:
        raise SystemExit(f"{args.puzzles}: no 81-character puzzles found")
    print(json.dumps(run(args.url, puzzles, args.clients, args.budget_ms, args.timeout)), flush=True)


if __name__ == "__main__":
    main()
