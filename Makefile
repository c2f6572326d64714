# Developer and CI entry points. `make test` is the one test command (CI calls it too).
VENV := .venv
PYTHON ?= python3.11

.PHONY: install lint test demo

install:
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -e '.[dev]'

lint:
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test:
	deploy/local/ensure-postgres.sh
	$(VENV)/bin/pytest -q -n 2

demo:
	$(VENV)/bin/fundament demo
