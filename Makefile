# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test demo lint typecheck pytest refresh bench report schema clean

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
	$(PY) -m tests.fake_arxiv.demo

## bench: requests, time and memory against the local stand-in; writes docs/benchmarks.md
bench: $(STAMP)
	$(PY) -m bench.run

## refresh: the scheduled job: pull the lists, run, write the fix report of every list.
## Exits with the run's code (0 done, 1 fatal, 2 bad input, 3 partial, 4 overlapping run).
refresh: $(STAMP)
	@$(PY) -m pipeline run --pull --no-progress; code=$$?; \
	if [ $$code -eq 0 ] || [ $$code -eq 3 ]; then \
	  for list in data/raw/*.md; do $(PY) -m pipeline fix "$$list" || exit 1; done; \
	fi; \
	exit $$code

## test: ruff, mypy and pytest
test: lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check pipeline tests
	$(VENV)/bin/ruff format --check pipeline tests

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) data/cache .mypy_cache .ruff_cache .pytest_cache
