# eligibility-coordination: every set-up step lives here, so a fresh clone needs
# only `make run` (the whole stack on SQLite) and `make test`.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GRPC_VERSION := 1.85.1
PROTOS := $(shell find protos -name '*.proto' | sort)
GEN_STAMP := shared/gen/.stamp
INSTALL_STAMP := $(VENV)/.installed
DATA_DIR ?= data
# Container image (deploy/): podman by default; PYTHON_IMAGE is the base, PODMAN_BUILD_FLAGS
# e.g. --isolation=chroot where the OCI runtime cannot run build steps (deploy/README.md).
PODMAN ?= podman
IMAGE ?= eligibility-coordination:local
PYTHON_IMAGE ?= python:3.11-slim
PODMAN_BUILD_FLAGS ?=

.PHONY: help install browser generate check-generated run demo test test-fast lint format bench bench-memory bench-instructions fuzz seed screenshots clean image compose-up compose-down

help: ## List the targets with what each does
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(GEN_STAMP): $(PROTOS) | $(BIN)/python
	$(BIN)/pip install -q grpcio-tools==$(GRPC_VERSION)
	rm -rf shared/gen/eligibility
	mkdir -p shared/gen
	$(BIN)/python -m grpc_tools.protoc -I protos \
		--python_out=shared/gen --pyi_out=shared/gen --grpc_python_out=shared/gen $(PROTOS)
	touch $@

$(INSTALL_STAMP): pyproject.toml $(GEN_STAMP)
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(INSTALL_STAMP) browser ## Create .venv, generate the gRPC code and install everything

# The browser tests drive Debian's Chromium through Playwright; no browser is ever
# downloaded (never `playwright install`).
CHROMIUM ?= /usr/bin/chromium
browser: ## Install Debian's Chromium for the browser tests when it is missing (root only)
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get install -y -qq chromium >/dev/null 2>&1 || \
			{ apt-get update -qq && apt-get install -y -qq chromium; }; \
	else \
		echo "note: $(CHROMIUM) is missing and only root can install it"; \
		echo "      (sudo apt-get install chromium); the browser tests will be skipped"; \
	fi

generate: $(GEN_STAMP) ## Generate Python code and type stubs from protos/

run: install ## Start the whole stack on SQLite, seed it, show a sample determination (Ctrl-C stops; ARGS="--free-ports" etc. go to elig up)
	$(BIN)/elig up --data-dir $(DATA_DIR) --demo $(ARGS)

demo: install ## Like run, but stop the stack after the sample determination (ARGS as for run)
	$(BIN)/elig up --data-dir $(DATA_DIR) --demo --exit $(ARGS)

# Two test processes per core: a test spends much of its time waiting on the servers and
# databases it started, so one per core left a fifth of the CPU idle. TEST_WORKERS=0 runs
# them all in this process (easier to follow under a debugger).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))
test: install ## Run every test (SQLite and PostgreSQL), two processes per core (TEST_WORKERS=N)
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal

test-fast: install ## Run unit and rules tests only
	$(BIN)/pytest -q tests/unit tests/rules

lint: install ## ruff and buf lint
	$(BIN)/ruff check services shared tests
	$(BIN)/ruff format --check services shared tests
	cd protos && ../$(BIN)/buf lint

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix services shared tests
	$(BIN)/ruff format services shared tests

bench: install ## Benchmarks: applications/s and latency (new, returning, history; SQLite, PostgreSQL) beside a bare gRPC fan-out
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

bench-memory: install ## Each service's resident memory over APPLICATIONS applications (100000)
	$(BIN)/python -m tests.bench --memory $(or $(APPLICATIONS),100000) $(BENCH_ARGS)

bench-instructions: install ## Instructions one service spends per new application, under callgrind (SERVICE=orchestrator)
	$(BIN)/python -m tests.bench.instructions --service $(or $(SERVICE),orchestrator) $(BENCH_ARGS)

fuzz: install ## Start the stack, send 10,000 hostile requests to every method, print the count per status code
	$(BIN)/python -m tests.fuzz --requests $(or $(REQUESTS),10000)

screenshots: install ## Run the browser tests and save each console page and the axe results in docs/console/
	ELIG_SCREENSHOTS_DIR=docs/console $(BIN)/pytest -q tests/browser

image: ## Build the container image with podman (PYTHON_IMAGE=..., PODMAN_BUILD_FLAGS=...)
	$(PODMAN) build $(PODMAN_BUILD_FLAGS) --build-arg PYTHON_IMAGE=$(PYTHON_IMAGE) \
		-f deploy/Dockerfile -t $(IMAGE) .

compose-up: image ## Run deploy/compose.yaml (PostgreSQL and every service) from the image with podman-compose
	podman-compose -f deploy/compose.yaml up --no-build -d

compose-down: ## Stop the compose stack (its volumes stay)
	podman-compose -f deploy/compose.yaml down

clean: ## Remove the virtualenv, generated code and local data
	rm -rf $(VENV) shared/gen/eligibility $(GEN_STAMP) $(DATA_DIR) .pytest_cache
