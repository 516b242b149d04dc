# Two commands matter: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run serve test test-tools typecheck unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build from this machine's disk, never a CUDA download
	$(BIN)/python -m pip install --quiet torch==2.13.0
	# llama-cpp-python compiles (~10 min on 2 cores, then pip caches the wheel); a native build
	# uses AMX instructions that crash on some CPUs at the first matrix multiply
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The app's main job on the bundled demo graph (this repository is a Logseq graph).
run: $(STAMP)
	$(BIN)/notegraph .

## The same app in a browser window, on the demo graph (Ctrl+C stops it).
serve: $(STAMP)
	$(BIN)/notegraph serve . --open

## Everything CI checks: types, import hygiene and the whole test suite.
## Where Chromium is here or can be installed (root with apt-get: CI), the browser tests must run:
## NOTEGRAPH_REQUIRE_BROWSER=1 makes them fail, not skip, when the browser is missing after all.
REQUIRE_BROWSER := $(shell { command -v chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get; }; } \
	>/dev/null 2>&1 && echo 1)
test: $(STAMP) test-tools
	$(BIN)/python -m mypy
	NOTEGRAPH_REQUIRE_BROWSER=$(REQUIRE_BROWSER) $(BIN)/python -m pytest

## Debian packages some tests need: strace holds a write at its atomic exchange; chromium (headless)
## runs `notegraph serve` in a real browser. Installed where we can (root with apt-get).
TEST_PACKAGES := strace chromium
test-tools:
	@missing=""; for tool in $(TEST_PACKAGES); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	[ -z "$$missing" ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
		|| echo "not installed:$$missing; the tests that need them are skipped (apt-get install$$missing)"

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis
