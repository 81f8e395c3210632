# Thin wrapper over Meson. `make test` and `make demo` are the two-command quick start.
BUILD ?= build
MESON_ARGS ?=

.PHONY: all deps configure build test demo bench reliability sanitize fuzz clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_ARGS)

configure: deps $(BUILD)/build.ninja

build: configure
	ninja -C $(BUILD)

test: build
	@scripts/run-tests.sh $(BUILD)

demo: build
	$(BUILD)/cli/ebm demo

# Sampler benchmark: the C++ driver and the same Langevin loop in PyTorch-Python.
bench: build
	@scripts/install-deps.sh python3-torch
	$(BUILD)/cli/ebm bench samplers --chains 64 --threads 1
	/usr/bin/python3 bench/langevin_pytorch.py --chains 64 --threads 1

# How ebm treats bad input: hundreds of cases per input surface through the real CLI; writes
# docs/results/reliability.csv and the table in docs/RELIABILITY.md.
reliability: build
	/usr/bin/python3 bench/reliability/probe.py --ebm $(BUILD)/cli/ebm

# The sanitizer build (build-sanitize: clang, AddressSanitizer + UndefinedBehaviorSanitizer +
# LeakSanitizer, libFuzzer coverage) serves both targets below; docs/RELIABILITY.md.
# sanitize: the Meson tests under the sanitizers; any report fails. SANITIZE_SUITES=ci: the core and
# parser-heavy tests only.
SANITIZE_BUILD ?= build-sanitize
SANITIZE_SUITES ?= all
sanitize: deps
	@SANITIZE_BUILD=$(SANITIZE_BUILD) scripts/sanitize.sh $(SANITIZE_SUITES)

# libFuzzer harnesses (fuzz/), each run FUZZ_SECONDS; FUZZ_SEED fixes libFuzzer's seed (CI: 1).
FUZZ_SECONDS ?= 60
FUZZ_SEED ?=
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) scripts/fuzz.sh $(SANITIZE_BUILD)

clean:
	rm -rf $(BUILD)
