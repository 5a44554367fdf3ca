# Two commands set everything up on a fresh machine: `make run` and `make test`.
# The job's environment holds the runtime dependencies only; the development extras
# (pytest, mypy, ruff, DuckDB, Polars, ...) come with `make test`, `make demo` and `make dev`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.installed
DEV := $(VENV)/.installed-dev

.PHONY: install dev run test demo lint typecheck pytest refresh bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(RUNTIME)

$(DEV): $(RUNTIME)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(DEV)

## run: the pipeline over every list in data/raw/ against the real arXiv API
run: $(RUNTIME)
	$(PY) -m pipeline run

## demo: the same pipeline against the local arXiv stand-in (offline), into data/enriched/demo/;
## with the dev extras, so that the README's analyst recipes (DuckDB, Polars) run over it
demo: $(DEV)
	$(PY) -m standin.demo

## bench: requests, time and memory against the local stand-in; writes docs/benchmarks.md
bench: $(DEV)
	$(PY) -m bench.run

## install: the environment of the scheduled job: the project and its runtime dependencies
install: $(RUNTIME)

## dev: the project with its dev extras
dev: $(DEV)

## refresh: the scheduled job (deploy/refresh.sh: pull, run, fix report of every list).
## The script exits with the run's code; make reports any failure as 2.
refresh: $(RUNTIME)
	bash deploy/refresh.sh

## test: ruff, mypy and pytest
test: lint typecheck pytest

lint: $(DEV)
	$(VENV)/bin/ruff check pipeline tests bench standin
	$(VENV)/bin/ruff format --check pipeline tests bench standin

typecheck: $(DEV)
	$(VENV)/bin/mypy

pytest: $(DEV)
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) data/cache .mypy_cache .ruff_cache .pytest_cache
