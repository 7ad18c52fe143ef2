# Two commands on a fresh machine with Python >= 3.11 and make:
#   make run   - set up .venv, migrate, load demo data, serve http://127.0.0.1:8000/graphql
#   make test  - set up .venv with dev dependencies, run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test install schema lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (found %s); set PYTHON=..." % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/bufdir-reporting serve --demo

test: $(INSTALLED)
	$(BIN)/python -m pytest

schema: $(INSTALLED)
	$(BIN)/python -c "from bufdir_reporting.schema import schema; print(schema.as_str())" > schema.graphql

lock:  # the runtime dependencies, pinned, for the container image
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv && .lockenv/bin/pip install --quiet .
	.lockenv/bin/pip freeze --exclude bufdir-reporting > requirements.lock && rm -rf .lockenv

clean:
	rm -rf $(VENV) var .pytest_cache
