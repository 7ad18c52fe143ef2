# Two commands on a fresh machine with Python >= 3.11 and make:
#   make run   - set up .venv, migrate, load demo data, serve http://127.0.0.1:8000/graphql
#   make test  - set up .venv with dev dependencies, run the whole suite
# PDF reports also need Pango from the system (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0,
# and libharfbuzz-subset0 to make them faster); without it a PDF report fails saying so in one line,
# and the tests that render one are skipped with that line.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test ci suite check format install schema lock clean bench bench-quick bench-10m ui-assets

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (found %s); set PYTHON=..." % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

# uv (from PyPI, into the venv) installs what pip would, the same versions, in a tenth of the time:
# 20 s of wall and 6 s of CPU against pip's 214 s and 31 s (2026-12-05, load 12).
# A venv made before uv was used here gets it on its next install (else `make` failed there).
# --compile-bytecode: the libraries compiled once, on every core, as they are installed (7 s of
# wall, 12 s of CPU on the 2-core machine). Installed without, every process of the suite's start
# compiled what it imported at the same moment as the others (pytest's workers, served apps,
# the schemathesis CLI), before any had cached it: a fresh clone's suite took 38 s longer.
UV := $(BIN)/python -m uv pip install --quiet --compile-bytecode --python $(BIN)/python
HAVE_UV := $(BIN)/python -m uv --version >/dev/null 2>&1 || $(BIN)/python -m pip install --quiet uv
$(INSTALLED): pyproject.toml | $(BIN)/python
	@$(HAVE_UV)
	$(UV) -e ".[dev]"
	@touch $@

install: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/bufdir-reporting serve --demo

# In parallel, one worker more than the cores (at most four: each holds its own databases and
# servers): a worker still waits on processes it started (served apps, schemathesis, replicas),
# and a third keeps both cores busy meanwhile. Whole suite on the 2-core machine, quiet, fresh
# clone (2026-12-05): 2 workers 4 min 19 s, 3 workers 3 min 43 s (378 s of CPU), 4 workers
# 3 min 49 s (403 s); on a slower machine of the same kind, bytecode compiled once (2026-12-06),
# `bash .ci/run` with 3 workers 4 min 03 s (409 s), with 4 workers 4 min 55 s (457 s).
# loadgroup keeps the tests of one xdist_group (one served app they share) on one worker.
# `make test WORKERS=n` to choose.
WORKERS ?= $(shell $(PYTHON) -c 'import os; print(min(4, (os.cpu_count() or 1) + 1))')
# The suite's own modules compiled and its test modules rewritten once before the workers start,
# each of which did all of it itself in a fresh clone (scripts/warm_bytecode.py).
PYTEST := $(BIN)/python scripts/warm_bytecode.py && $(BIN)/python -m pytest --numprocesses=$(WORKERS) --dist=loadgroup
test: check
	$(PYTEST)

# CI (.ci/run): the checkers beside the suite, not before it. mypy from cold is ≈ 21 s of CPU on
# one core, the other idle meanwhile; beside the suite's start it fills what the suite leaves idle.
# Both run to their end and either failing fails the run (make -j waits for the running one).
ci: $(INSTALLED)
	@$(MAKE) --no-print-directory -j2 check suite

suite: $(INSTALLED)
	$(PYTEST)

# The checkers (also run by make test): style, formatting, types. The import contract
# (lint-imports) runs inside the suite, tests/test_import_contract.py.
CHECKED := bufdir_reporting tests bench scripts
check: $(INSTALLED)
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)
	$(BIN)/mypy

format: $(INSTALLED)
	$(BIN)/ruff check --fix $(CHECKED)
	$(BIN)/ruff format $(CHECKED)

# Benchmarks (not part of make test): start PostgreSQL and Redis unless BUFDIR_BENCH_POSTGRES_URL /
# BUFDIR_BENCH_REDIS_URL are given, print the table and write bench/results.json. See bench/README.md.
BENCH_INSTALLED := $(VENV)/.bench-installed
$(BENCH_INSTALLED): pyproject.toml $(INSTALLED)
	@$(HAVE_UV)
	$(UV) -e ".[dev,bench]"
	@touch $@

# S11's peer, PostGraphile 5 and the Node 22 it needs, from the npm registry into bench/peer (the
# only network it uses); without npm or the registry S11 is skipped, saying so in one line.
PEER_INSTALLED := bench/peer/node_modules/.installed
$(PEER_INSTALLED): bench/peer/package.json bench/peer/package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "bench: S11 will be skipped: npm is missing (apt-get install npm), it installs PostGraphile 5 and Node 22 into bench/peer"; \
	elif (cd bench/peer && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then touch $@; \
	else echo "bench: S11 will be skipped: npm ci in bench/peer failed (is the npm registry reachable?)"; fi

bench: $(BENCH_INSTALLED) $(PEER_INSTALLED)
	$(BIN)/python -m bench

bench-quick: $(BENCH_INSTALLED) $(PEER_INSTALLED)  # every scenario on small data, a smoke test (< 3 minutes)
	$(BIN)/python -m bench --quick

bench-10m: $(BENCH_INSTALLED)  # S4 also after growing the activities to 10,000,000
	$(BIN)/python -m bench --only S4 --grow-to 10000000

schema: $(INSTALLED)
	$(BIN)/python -c "from bufdir_reporting.schema import schema; print(schema.as_str())" > schema.graphql

# GraphiQL's and Swagger UI's files, pinned in scripts/refresh_ui_assets.py, fetched from the npm
# registry (tarballs checked against its sha512), sha256 of each written to bufdir_reporting/ui/assets.json
ui-assets: | $(BIN)/python
	$(BIN)/python scripts/refresh_ui_assets.py

lock:  # the runtime dependencies, pinned, for the container image
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv && .lockenv/bin/pip install --quiet .
	.lockenv/bin/pip freeze --exclude bufdir-reporting > requirements.lock && rm -rf .lockenv

clean:
	rm -rf $(VENV) var .pytest_cache
