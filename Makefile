# The entry points of the project. The README's two commands are `make up` and `make test`;
# both install what they need on a fresh machine (uv, Python dependencies, Kafka's jars via
# Maven, PostgreSQL from Debian's packages for the tests).

SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := $(PYTHON) -m uv
RUN := $(UV) run --frozen --all-packages
SOURCES := contracts/src libs/servicekit/src libs/delegation/src deploy/local/src services/identity/src services/notifications/src services/cotisations/src services/mandates/src services/attestations/src services/appointments/src services/portal/src deploy/image bench

.PHONY: help bootstrap up down status test test-fast lint format contracts bench demo mail agent clean

help:
	@echo "make up        start Kafka, the SMTP catcher and every service (api + worker); DB=postgres: on PostgreSQL; COPIES=2: two of each api and worker"
	@echo "make down      stop exactly what 'make up' started"
	@echo "make test      lint, then the whole suite (real Kafka, SQLite and PostgreSQL)"
	@echo "make lint      ruff, mypy --strict, import-linter"
	@echo "make contracts regenerate JSON Schemas, AsyncAPI and OpenAPI documents"
	@echo "make bench     the benchmarks, one JSON line each"
	@echo "make demo      a firm signs up and activates its account on the running stack"
	@echo "make mail      the last mail caught by the SMTP catcher, decoded"
	@echo "make agent EMAIL=… NAME=…  a back-office agent (password asked)"

bootstrap:
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --all-packages --quiet --compile-bytecode  # every process starts in half the CPU from bytecode (docs/performance.md)
	@$(RUN) python -m compileall -q -j 0 libs/*/src services/*/src contracts/src >/dev/null  # our own modules too (the files changed since are compiled again)
	@cmp -s services/portal/package-lock.json services/portal/node_modules/.installed-lock.json || { npm ci --ignore-scripts --no-audit --no-fund --silent --prefix services/portal && cp services/portal/package-lock.json services/portal/node_modules/.installed-lock.json; }  # the portal's front-end packages, from its lock (again whenever the lock changes)

up: bootstrap
	@$(RUN) python -m devstack up --db $(or $(DB),sqlite) --copies $(or $(COPIES),1)

down:
	@$(PYTHON) -m uv --version >/dev/null 2>&1 && $(RUN) python -m devstack down || true

status: bootstrap
	@$(RUN) python -m devstack status

demo: bootstrap
	@$(RUN) python -m devstack demo

mail: bootstrap
	@$(RUN) python -m devstack mail

agent: bootstrap
	@$(RUN) python -m devstack agent "$(EMAIL)" "$(NAME)"

test: bootstrap lint
	@$(RUN) python -m devstack prepare-tests
	@$(RUN) pytest

test-fast: bootstrap
	@$(RUN) pytest -m "not kafka and not e2e and not postgres"

lint: bootstrap
	@$(RUN) ruff check .
	@$(RUN) ruff format --check .
	@$(RUN) mypy --exclude '^bench/appointments\.py$$' $(SOURCES)
	@$(RUN) mypy bench/appointments.py  # alone: its name is the service's package's
	@$(RUN) lint-imports

format: bootstrap
	@$(RUN) ruff format .
	@$(RUN) ruff check --fix .

contracts: bootstrap
	@$(RUN) python -m devstack.contracts_gen
	@$(RUN) python -m devstack.k8s_gen

bench: bootstrap
	@$(RUN) python -m devstack prepare-tests
	@for b in bench/*.py; do [ "$$b" = bench/stack.py ] || $(RUN) python $$b || exit 1; done

clean: down
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
