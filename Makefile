# One command to run, one command to test. Everything installs into ./.venv and ./node_modules.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
BUILD_STAMP := static/dist/.built
FRONTEND_SOURCES := $(shell find static/src -type f 2>/dev/null) static/build.mjs static/build-stdlib.mjs static/build-python-index.mjs package-lock.json

.PHONY: setup build run test test-fast clean

## setup: venv + Python dependencies, npm packages, esbuild bundle and the local Pyodide copy
setup: $(PY_STAMP) $(BUILD_STAMP)

$(PY_STAMP): setup.cfg pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(BUILD_STAMP): $(NPM_STAMP) $(FRONTEND_SOURCES)
	npm run build
	touch $@

build: $(BUILD_STAMP)

## run: set up, then start the server on http://127.0.0.1:8080 (HOST/PORT or --host/--port to change)
run: setup
	$(BIN)/interview-server $(ARGS)

# Test tiers are pytest markers (setup.cfg; README "Tests"). `serial` tests time themselves, so they run first
# and alone; then everything else on TEST_WORKERS pytest-xdist workers (one server, browser and Redis each):
# 3 on 2 cores, as browser and system tests spend much of their time waiting (parallel pass: 263 s; with 2: ~300 s).
# PYTEST_ARGS narrows both passes (paths, -k, -x); a pass that selects nothing is not a failure.
TEST_WORKERS ?= 3
PYTEST := $(BIN)/python -m pytest

## test: set up, then run every test (server, protocol, real Chromium, system): the serial ones, then the rest in parallel
test: setup
	status=0; \
	$(PYTEST) -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ] || status=1; \
	$(PYTEST) -m "not serial" -n $(TEST_WORKERS) $(PYTEST_ARGS) || [ $$? -eq 5 ] || status=1; \
	exit $$status

## test-fast: the inner loop (under a minute): unit and protocol tests, no browser and no system tests
test-fast: setup
	$(PYTEST) -m "not browser and not system" -n 2 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules static/dist static/pyodide

.PHONY: bench-compare
## bench-compare: this server (SQLite, memory) and y-websocket side by side under one typing load (bench/load.py --compare; ~10 min)
bench-compare: setup
	$(BIN)/python bench/load.py --compare $(COMPARE_ARGS)

.PHONY: protocol
## protocol: write static/src/protocol-spec.js from the message declarations in interview_server/protocol.py
protocol: setup
	$(BIN)/python -m interview_server.protocol_spec

.PHONY: fuzz

## fuzz: the long convergence fuzz (100,000 steps of 5 real CodeMirror clients against a real server; docs/FUZZING.md)
fuzz: setup
	$(BIN)/python bench/fuzz_convergence.py $(FUZZ_ARGS)

.PHONY: soak
## soak: 10 minutes of steady load, then checks that memory, tasks and sockets come back (bench/soak.py; SOAK_ARGS="--minutes 2 --store memory")
soak: setup
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

.PHONY: bench
## bench: the load benchmark on every store, then the page figures in Chromium (docs/PERFORMANCE.md; LOAD_ARGS="--sessions 300", PAGE_ARGS=...)
bench: setup
	$(BIN)/python bench/load.py $(LOAD_ARGS)
	$(BIN)/python bench/page_bench.py $(PAGE_ARGS)
