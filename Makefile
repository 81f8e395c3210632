# Thin wrapper over Meson. `make test` and `make demo` are the two-command quick start.
BUILD ?= build
MESON_ARGS ?=

.PHONY: all deps configure build test demo bench sanitize clean

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

# AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer) build in build-asan, tests under them;
# any report fails. SANITIZE_SUITES=ci: the core and parser-heavy tests only (docs/RELIABILITY.md).
SANITIZE_SUITES ?= all
sanitize: deps
	@scripts/sanitize.sh $(SANITIZE_SUITES)

clean:
	rm -rf $(BUILD)
