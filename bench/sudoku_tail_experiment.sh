#!/bin/bash
# One tuning experiment of docs/BENCHMARKS.md "The extreme tier": the validation-split extreme puzzles
# (TUNE=FILE, made by: ebm generate sudoku --tier extreme --count 100 --seed 2 --split validation -o FILE)
# solved one at a time within BUDGET_MS with the given flags; prints one summary line.
# Usage: TUNE=tune100.csv OUT=dir bench/sudoku_tail_experiment.sh NAME BUDGET_MS [ebm solve flags...]
set -euo pipefail
name=$1; budget=$2; shift 2
ebm="$(dirname "$0")/../build/cli/ebm"
"$ebm" solve sudoku --input "${TUNE:-tune100.csv}" --batch 1 --budget-ms $budget --json --threads 1 "$@" > ${OUT:-.}/exp_$name.json 2>${OUT:-.}/exp_$name.err
/usr/bin/python3 -c "
import json
rs=[json.loads(l) for l in open('${OUT:-.}/exp_$name.json')]
ms=sorted(r['milliseconds'] for r in rs); n=len(rs)
print('%-28s budget %5s: solved %3d/%d  mean ms %6.0f  median %5.0f  p90 %6.0f  max %6.0f  mean evals %7.0f'%('$name','$budget',sum(r['verified'] for r in rs),n,sum(ms)/n,ms[n//2],ms[int(.9*n)],ms[-1],sum(r['energy_evaluations'] for r in rs)/n))"
