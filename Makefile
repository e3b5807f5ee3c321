# One command to run, one command to test. Everything installs into ./.venv and ./node_modules.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
BUILD_STAMP := static/dist/.built
FRONTEND_SOURCES := $(shell find static/src -type f 2>/dev/null) static/build.mjs static/build-stdlib.mjs package-lock.json

.PHONY: setup build run test clean

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

## test: set up, then run every test (server, protocol, real Chromium)
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules static/dist static/pyodide

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
