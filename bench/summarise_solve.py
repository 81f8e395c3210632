#!/usr/bin/env python3
"""One CSV fragment from the JSON lines of `ebm solve --json`: puzzles,solved,solve_rate,mean_ms,wrong.

wrong counts answers given that the exact verifier rejected (must be 0). Used by the bench scripts.

Usage: bench/summarise_solve.py ANSWERS.jsonl
"""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
solved = [r for r in rows if r["verified"]]
wrong = sum(1 for r in rows if r.get("answer") and not r["verified"])
ms = sum(r["milliseconds"] for r in rows) / max(len(rows), 1)
print(f"{len(rows)},{len(solved)},{len(solved) / max(len(rows), 1):.4f},{ms:.1f},{wrong}")
