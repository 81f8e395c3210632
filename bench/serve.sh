#!/usr/bin/env bash
# The load benchmark of `ebm serve` (docs/BENCHMARKS.md, "Serving"): N generated expert Sudoku
# puzzles (test split) answered
#   1. by the CLI called once per puzzle, one after another (`ebm solve sudoku PUZZLE --batch 1`:
#      what a program that shells out pays, LibTorch start-up included),
#   2. by one CLI process over the whole file, one puzzle at a time (`--input FILE --batch 1`),
#   3. by `ebm serve` from C = 1, 4, 16, 64 concurrent clients over loopback (bench/serve_load.py),
# and prints one table; the rows also go to OUT (CSV).
# Usage: bench/serve.sh [BUILD=build] [N=64] [OUT=docs/results/serve_load.csv] [WORKERS=1]
set -euo pipefail
build=${1:-build}
count=${2:-64}
out=${3:-docs/results/serve_load.csv}
workers=${4:-1}
ebm="$build/cli/ebm"
tmp=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$ebm" generate sudoku --count "$count" --tier expert --seed 7 --split test -o "$tmp/puzzles.csv" >/dev/null 2>&1
cut -d, -f1 "$tmp/puzzles.csv" | tail -n +2 > "$tmp/puzzles.txt"

now() { date +%s.%N; }
rows=()
start=$(now)
verified=0
while read -r puzzle; do
  line=$("$ebm" solve sudoku "$puzzle" --batch 1 --no-board --threads 1 2>/dev/null || true)
  [[ "$line" =~ ^[1-9]{81}$ ]] && verified=$((verified + 1))
done < "$tmp/puzzles.txt"
seconds=$(echo "$(now) - $start" | bc)
rows+=("cli-per-call,1,$count,$seconds,$(echo "scale=3; $count / $seconds" | bc),,,$verified,,,,")

start=$(now)
verified=$("$ebm" solve sudoku --input "$tmp/puzzles.txt" --batch 1 --threads 1 2>/dev/null | grep -cE '^[1-9]{81}$' || true)
seconds=$(echo "$(now) - $start" | bc)
rows+=("cli-one-process,1,$count,$seconds,$(echo "scale=3; $count / $seconds" | bc),,,$verified,,,,")

port=$((20000 + RANDOM % 20000))
"$ebm" serve --port "$port" --threads 1 --workers "$workers" 2>"$tmp/serve.log" &
server=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
for clients in 1 4 16 64; do
  line=$(/usr/bin/python3 "$(dirname "$0")/serve_load.py" --url "http://127.0.0.1:$port" --puzzles "$tmp/puzzles.txt" \
         --clients "$clients")
  rows+=("$(echo "$line" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print(",".join(str(r[k]) for k in
    ["clients","problems","seconds","throughput_per_s","p50_ms","p99_ms","verified","lost","duplicated","claimed_but_wrong","occupancy"]))' | sed 's/^/serve,/')")
done
kill -TERM "$server"; wait "$server" || true

mkdir -p "$(dirname "$out")"
{
  echo "mode,clients,problems,seconds,throughput_per_s,p50_ms,p99_ms,verified,lost,duplicated,claimed_but_wrong,occupancy"
  printf '%s\n' "${rows[@]}"
} > "$out.tmp" && mv "$out.tmp" "$out"
column -t -s, "$out"
