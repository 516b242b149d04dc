# Two commands matter: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-tools typecheck unit bench clean

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

## Everything CI checks: types, import hygiene and the whole test suite.
test: $(STAMP) test-tools
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

## Tests hold a write at its atomic exchange with strace (Debian's package); install it where we can.
test-tools:
	@command -v strace >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& (apt-get update -qq && apt-get install -y -qq strace >/dev/null); } \
		|| echo "strace is not installed: the tests that need it are skipped (apt-get install strace)"

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis
