# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test demo lint typecheck pytest refresh bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: the pipeline over every list in data/raw/ against the real arXiv API
run: $(STAMP)
	$(PY) -m pipeline run

## demo: the same pipeline against the local arXiv stand-in (offline), into data/enriched/demo/
demo: $(STAMP)
	$(PY) -m standin.demo

## bench: requests, time and memory against the local stand-in; writes docs/benchmarks.md
bench: $(STAMP)
	$(PY) -m bench.run

## install: the virtual environment with the project and its dev extras
install: $(STAMP)

## refresh: the scheduled job (deploy/refresh.sh: pull, run, fix report of every list).
## The script exits with the run's code; make reports any failure as 2.
refresh: $(STAMP)
	bash deploy/refresh.sh

## test: ruff, mypy and pytest
test: lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check pipeline tests bench standin
	$(VENV)/bin/ruff format --check pipeline tests bench standin

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) data/cache .mypy_cache .ruff_cache .pytest_cache
