# The two commands of the README: `make up` (install and start) and `make test` (install and test).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install up test

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

up: install
	$(VENV)/bin/regie up

test: install
	$(PY) -m pytest $(PYTEST_ARGS)
