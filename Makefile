# talash: `make run` serves the sample index, `make test` runs every test.
# Each target sets itself up on a fresh machine (virtualenv, packages, sample index).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
INDEX  ?= indexes/default
SAMPLE := search/samples/news.jsonl

.PHONY: run test lint bench bench-perf soak wrk index clean browser

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

# The browser test drives Debian's headless Chromium through its chromedriver; install both
# when either is missing (CI runs as root). A failed install stops `make test` here.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  echo "make: installing Debian's chromium and chromium-driver for the browser test"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q chromium chromium-driver \
	    || { echo "make: could not install chromium/chromium-driver (run as root?)" >&2; exit 1; }; \
	fi

test: $(VENV)/.installed-dev browser
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# The speed benchmark loads the server with Debian's wrk; install it when missing (as root).
wrk:
	@if ! command -v wrk >/dev/null; then \
	  echo "make: installing Debian's wrk for the HTTP benchmark"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q wrk \
	    || { echo "make: could not install wrk (run as root?), or skip HTTP with" \
	              "PERF_ARGS=--no-http" >&2; exit 1; }; \
	fi

# Relevance, analysis throughput, cross-script keys, then speed. The speed run defaults to a
# 20,000-document synthetic corpus: talash builds 100,000 in under 3 minutes on the two cores
# of an idle machine (769 docs/s in bench/results/perf-2026-11-30-session6.md), but the full
# run takes ~15 minutes with every peer and round (PERF_ARGS="--docs 100000" for the full
# size of issue 8).
PERF_ARGS ?= --docs 20000
bench: $(VENV)/.installed-dev wrk
	$(BIN)/python -m bench.relevance
	$(BIN)/python -m bench.analysis
	$(BIN)/python -m bench.crossscript
	$(BIN)/python -m bench.perf $(PERF_ARGS)

bench-perf: $(VENV)/.installed-dev wrk
	$(BIN)/python -m bench.perf $(PERF_ARGS)

# The long load and fault runs (bench/soak.py), one summary line each: fuzzing at volume, 60 s
# of wrk at 32 connections, a reindex under load, a stuck request, SIGKILLed reindexes, faults.
# SOAK_ARGS scales them, e.g. SOAK_ARGS="--seconds 120 --trials 20" or "--only kill".
soak: $(VENV)/.installed-dev wrk
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
