# Developer and CI entry points. `make test` is the one test command (CI calls it too).
VENV := .venv
PYTHON ?= python3

.PHONY: install lint test demo

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q -e '.[dev]'
	touch $@

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: install
	deploy/local/ensure-postgres.sh
	$(VENV)/bin/pytest -q -n 2

demo: install
	$(VENV)/bin/fundament demo
