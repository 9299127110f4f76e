# talash: `make run` serves the sample index, `make test` runs every test.
# Each target sets itself up on a fresh machine (virtualenv, packages, sample index).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
INDEX  ?= indexes/default
SAMPLE := search/samples/news.jsonl

.PHONY: run test lint bench index clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@

$(INDEX)/CURRENT: | $(VENV)/.installed
	$(BIN)/talash reindex $(SAMPLE) --index $(INDEX)

index: $(VENV)/.installed
	$(BIN)/talash reindex $(SAMPLE) --index $(INDEX)

run: $(VENV)/.installed $(INDEX)/CURRENT
	PORT=$(PORT) TALASH_INDEX_DIR=$(INDEX) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: $(VENV)/.installed-dev
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.relevance

clean:
	rm -rf $(VENV) build *.egg-info
