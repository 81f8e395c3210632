#!/usr/bin/env bash
# ebm on a CUDA machine (docs/BENCHMARKS.md, "Chains scale with the hardware"):
#   1. configures BUILD against the LibTorch inside python3's torch package and builds it
#   2. runs the doctest suites (the host-synchronisation tests also on CUDA) and a CUDA smoke solve
#   3. `ebm bench chains` on bench/unsolvable_sudoku.txt: ms per step at CHAINS chains
#   4. `ebm bench sudoku --tier TIER` on COUNT generated puzzles with CHAINS chains, STEPS steps
#   5. trains the attention energy (ebm/attention_energy.h: no rule or graph given) on the device for
#      ATTENTION_SECONDS on solved grids of easy puzzles (the IRED protocol), then solves COUNT
#      test-split extreme puzzles with it alone (5 s each) beside the learned pairwise energy
# and prints a table last. Logs, CSV and JSON land in OUT.
#
# Usage: bench/gpu.sh               on the CUDA machine
#        bench/gpu.sh --dry-run     the same steps on the CPU with Debian's LibTorch, small counts
#        bench/gpu.sh --pack-deps [DIR]  copies the header-only dependencies (Eigen, CLI11, doctest,
#                                   nlohmann-json) from /usr/include into DIR/include (default DEPS),
#                                   for a machine without them; carry DIR along
# Environment (defaults): DEVICE=cuda  TIER=extreme (hardest when the CLI refuses it)
#   CHAINS="16 256 4096"  STEPS=1000  COUNT=10  BUDGET_MS=10000  SUITES=samplers,sudoku,pool ("" = all)
#   (the tier benchmark's worst case is COUNT x (1 + #CHAINS) x BUDGET_MS: 400 s with these; the build
#   takes a few minutes on 16 cores, the suites about two)
#   ATTENTION_SECONDS=240 (dry run: 20)  OUT=${OUT:-gpu-results}  BUILD=build-gpu  DEPS=shared/deps  JOBS=$(nproc)
#   TORCH_PREFIX (python3's torch package)  PYTHON=python3  CONFIGURE_ONLY= (1: stop after meson setup,
#   to check that the dependencies resolve)  SKIP_BUILD= (1: use BUILD as it is, no meson or ninja)
#   SUITES=skip runs no doctest suite. `make test` runs the dry run with tiny counts (tests/meson.build,
#   gpu-dry-run), so that the script cannot break silently before a device is lent.
set -euo pipefail
cd "$(dirname "$0")/.."

DEPS=${DEPS:-shared/deps}
if [[ ${1:-} == --pack-deps ]]; then
  target=${2:-$DEPS}
  mkdir -p "$target/include"
  for dir in eigen3 nlohmann CLI doctest; do cp -r "/usr/include/$dir" "$target/include/"; done
  echo "header-only dependencies copied to $target/include ($(du -sh "$target" | cut -f1))"
  exit 0
fi

dry_run=false
[[ ${1:-} == --dry-run ]] && dry_run=true
PYTHON=${PYTHON:-python3}
JOBS=${JOBS:-$(nproc)}
if $dry_run; then
  DEVICE=${DEVICE:-cpu} CHAINS=${CHAINS:-4 16} STEPS=${STEPS:-100} COUNT=${COUNT:-2} BUDGET_MS=${BUDGET_MS:-5000}
  SUITES=${SUITES-samplers} BUILD=${BUILD:-build} TORCH_PREFIX=${TORCH_PREFIX-} ATTENTION_SECONDS=${ATTENTION_SECONDS:-20}
else
  DEVICE=${DEVICE:-cuda} CHAINS=${CHAINS:-16 256 4096} STEPS=${STEPS:-1000} COUNT=${COUNT:-10}
  BUDGET_MS=${BUDGET_MS:-10000} SUITES=${SUITES-samplers,sudoku,pool} BUILD=${BUILD:-build-gpu}
  TORCH_PREFIX=${TORCH_PREFIX-$("$PYTHON" -c 'import os, torch; print(os.path.dirname(torch.__file__))')}
fi
TIER=${TIER:-extreme}
ATTENTION_SECONDS=${ATTENTION_SECONDS:-240}
OUT=${OUT:-gpu-results}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
read -r -a chains <<< "$CHAINS"
log() { echo "== $*" | tee -a "$OUT/gpu.log"; }

# --- header-only dependencies: the system's, else DEPS/include served through generated .pc files ---
deps_env=$(mktemp -d)
trap 'rm -rf "$deps_env"' EXIT
if ! pkg-config --exists eigen3 nlohmann_json 2>/dev/null || [[ ! -f /usr/include/doctest/doctest.h ]]; then
  include=$(cd "$DEPS/include" 2>/dev/null && pwd) ||
    { echo "no system Eigen/nlohmann-json/doctest and no $DEPS/include: run bench/gpu.sh --pack-deps where they are" >&2; exit 2; }
  mkdir -p "$deps_env/pkgconfig" "$deps_env/bin"
  write_pc() {  # NAME VERSION CFLAGS
    printf 'Name: %s\nDescription: %s (carried headers)\nVersion: %s\nCflags: %s\nLibs:\n' "$1" "$1" "$2" "$3" \
      > "$deps_env/pkgconfig/$1.pc"
  }
  write_pc eigen3 3.4.0 "-I$include/eigen3"
  write_pc nlohmann_json 3.11.2 "-I$include"
  write_pc CLI11 2.3.1 "-I$include"
  write_pc doctest 2.4.9 "-I$include"
  export PKG_CONFIG_PATH="$deps_env/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  if ! command -v pkg-config >/dev/null; then
    # No pkg-config: a stand-in that answers Meson's questions about the .pc files written above.
    cat > "$deps_env/bin/pkg-config" <<EOF
#!/usr/bin/env bash
pcdir="$deps_env/pkgconfig"
field() { sed -n "s/^\$1: *//p" "\$pcdir/\$2.pc"; }
want= names=()
for arg in "\$@"; do
  case \$arg in
    --version) echo 0.29.2; exit 0 ;;
    --modversion) want=Version ;; --cflags) want=Cflags ;; --libs) want=Libs ;;
    --variable=*|--print-variables) want=none ;;
    --*) ;;
    *) names+=("\$arg") ;;
  esac
done
for name in "\${names[@]}"; do
  [[ -f "\$pcdir/\$name.pc" ]] || { echo "Package \$name was not found" >&2; exit 1; }
  [[ -n \$want && \$want != none ]] && field "\$want" "\$name"
done
[[ \$want == none ]] && echo
exit 0
EOF
    chmod +x "$deps_env/bin/pkg-config"
    export PATH="$deps_env/bin:$PATH"
  fi
fi

# --- 1. build ---
setup_args=(-Dpython=disabled -Dtests=true -Dpkgconfig.relocatable=true)
if [[ -n $TORCH_PREFIX ]]; then
  abi=$("$PYTHON" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  setup_args+=("-Dtorch_prefix=$TORCH_PREFIX" "-Dtorch_cxx11_abi=$abi")
fi
if [[ -n ${SKIP_BUILD:-} ]]; then
  log "using $BUILD as it is (SKIP_BUILD)"
  [[ -x $BUILD/cli/ebm ]] || { echo "SKIP_BUILD: no $BUILD/cli/ebm" >&2; exit 2; }
else
  log "build $BUILD (LibTorch ${TORCH_PREFIX:-Debian}, ${JOBS} jobs)"
  if [[ ! -f $BUILD/build.ninja ]]; then
    meson setup "$BUILD" "${setup_args[@]}" > "$OUT/setup.log" 2>&1 || { tail -n 30 "$OUT/setup.log"; exit 1; }
  fi
  if [[ -n ${CONFIGURE_ONLY:-} ]]; then grep -E 'Run-time dependency|Library|Found pkg-config' "$OUT/setup.log"; exit 0; fi
  ninja -C "$BUILD" -j "$JOBS" > "$OUT/build.log" 2>&1 || { tail -n 40 "$OUT/build.log"; exit 1; }
fi
ebm="$BUILD/cli/ebm"
"$ebm" version > "$OUT/version.txt" 2>&1 || true

# --- 2. tests and a smoke solve on the device ---
log "doctest suites ${SUITES:-all}"
suite_args=()
[[ -n $SUITES && $SUITES != skip ]] && suite_args=("--test-suite=$SUITES")
if [[ $SUITES == skip ]]; then
  tests=skipped tests_line="skipped (SUITES=skip)"
else
  if "$BUILD/tests/ebm_tests" "${suite_args[@]}" --no-intro=true > "$OUT/tests.log" 2>&1; then tests=passed; else tests=FAILED; fi
  tests_line="$tests: $(grep -E '^\[doctest\] (test cases|assertions)' "$OUT/tests.log" | tr -s ' ' | tr '\n' ' ')"
fi
log "tests $tests_line"

"$ebm" generate sudoku --count 4 --tier expert --seed 11 -o "$OUT/smoke.csv" > /dev/null
smoke_verified=$("$ebm" solve sudoku --input "$OUT/smoke.csv" --device "$DEVICE" --seed 1 2> "$OUT/smoke.err" |
                 tee "$OUT/smoke.txt" | grep -cE '^[1-9]{81}$' || true)
log "smoke solve on $DEVICE: $smoke_verified/4 verified"

# --- 3. time per step as chains grow ---
log "bench chains ${chains[*]} on $DEVICE"
"$ebm" bench chains --input bench/unsolvable_sudoku.txt --device "$DEVICE" --chains "${chains[@]}" \
  --steps "$(( STEPS < 250 ? STEPS : 250 ))" --repeats 3 --json "$OUT/chains.json" > "$OUT/chains.txt" 2>&1 ||
  { cat "$OUT/chains.txt"; exit 1; }

# --- 4. the tier benchmark ---
if ! "$ebm" generate sudoku --tier "$TIER" --count 1 > /dev/null 2>&1; then
  log "the CLI refuses --tier $TIER: using hardest"
  TIER=hardest
fi
log "bench sudoku --tier $TIER: $COUNT puzzles, chains ${chains[*]}, $STEPS steps, $BUDGET_MS ms each, $DEVICE"
"$ebm" bench sudoku --tier "$TIER" --count "$COUNT" --data-seed 1 --device "$DEVICE" --chains "${chains[@]}" \
  --steps "$STEPS" --budget-ms "$BUDGET_MS" --csv "$OUT/bench_$TIER.csv" --json "$OUT/bench_$TIER.json" \
  > "$OUT/bench_$TIER.txt" 2>&1 || {
  status=$?  # 3: a configuration left puzzles unsolved, which is what the table reports; anything else fails
  [[ $status == 3 ]] || { tail -n 20 "$OUT/bench_$TIER.txt"; exit 1; }
}

# --- 5. a learned energy trained on the device (IRED protocol: easy grids in, extreme puzzles out) ---
log "train attention energy on $DEVICE for $ATTENTION_SECONDS s, solve $COUNT extreme puzzles"
"$ebm" train sudoku --model attention --tiers easy --train-puzzles 4000 --device "$DEVICE" --lr 1e-3 --batch 64 \
  --steps 1000000 --time-limit "$ATTENTION_SECONDS" --validate-every 1000 -o "$OUT/attention.ckpt" \
  > "$OUT/attention_train.log" 2>&1 || { tail -n 20 "$OUT/attention_train.log"; exit 1; }
"$ebm" generate sudoku --tier extreme --count "$COUNT" --seed 2 > "$OUT/extreme.csv"
learned_line=""
for energy in attention pairwise; do
  model=()
  [[ $energy == attention ]] && model=(--model "$OUT/attention.ckpt")
  verified=$("$ebm" solve sudoku --energy "$energy" "${model[@]}" --input "$OUT/extreme.csv" --device "$DEVICE" \
             --batch 1 --budget-ms 5000 2> "$OUT/learned_$energy.err" | grep -cE '^[1-9]{81}$' || true)
  learned_line+="$energy $verified/$COUNT  "
done
log "learned energies alone on $COUNT extreme puzzles, 5 s each: $learned_line"

# --- the table ---
{
  echo
  echo "ebm on $DEVICE ($(tr '\n' ' ' < "$OUT/version.txt")), $(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname)"
  echo "tests ($BUILD/tests/ebm_tests ${suite_args[*]}): $tests_line"
  echo "smoke: ebm solve sudoku --device $DEVICE: $smoke_verified/4 expert puzzles verified"
  echo "learned energies alone ($(grep -c '^step' "$OUT/attention_train.log") progress lines of attention training, $ATTENTION_SECONDS s): $learned_line"
  "$PYTHON" - "$OUT/chains.json" "$OUT/bench_$TIER.csv" "$TIER" <<'EOF'
import csv, json, sys
chains = json.load(open(sys.argv[1]))
print(f"\nms per step on one unsolvable puzzle ({chains['device']}, steps {chains['steps']}):")
print(f"{'chains':>8} {'ms/step':>10} {'us/chain-step':>14} {'hand-fused CPU us':>18} {'x hand-fused':>13}")
for r in chains["rows"]:
    fused = r.get("reference_us_per_chain_step")  # one CPU thread of this machine (bench/reference_steps)
    tail = f" {fused:>18.3f} {r['times_reference']:>13.2f}" if fused else ""
    print(f"{r['chains']:>8} {r['ms_per_step']:>10.3f} {r['us_per_chain_step']:>14.3f}{tail}")
print(f"\n{sys.argv[3]} tier (bench sudoku; spec = solver, chains and steps; the first EBM row is the tuned default):")
print(f"{'spec':<44} {'solved':>9} {'median ms':>10} {'p95 ms':>10} {'evals':>10}")
for r in csv.DictReader(open(sys.argv[2])):
    print(f"{r['spec']:<44} {r['solved'] + '/' + r['problems']:>9} {float(r['median_ms']):>10.1f} "
          f"{float(r['p95_ms']):>10.1f} {float(r['mean_evaluations']):>10.0f}")
EOF
} | tee "$OUT/table.txt"
[[ $tests != FAILED ]]
