# Fazhi: `make demo` runs the product, `make test` runs lint and the whole test suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FAZHI := $(BIN)/fazhi
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_CASES ?= 1000000
BENCH_APPLICATIONS ?= 1000000

.PHONY: demo test lint pytest setup assets messages browser-deps rules-test bench clean screenshots fuzz

## setup: the virtualenv, the front-end assets and the compiled translations
setup: $(VENV)/.installed assets messages

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

messages: locale/en/LC_MESSAGES/django.mo

locale/en/LC_MESSAGES/django.mo: locale/en/LC_MESSAGES/django.po
	command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	msgfmt --check-format -o $@ $<

## demo: migrate the embedded SQLite database, load the demo data, scan it, serve on
## http://$(HOST):$(PORT) with the task worker (periodic supervision scan) in the background;
## the worker stops with the server (the trap)
demo: setup
	$(FAZHI) migrate --no-input -v0
	FAZHI_DEMO=1 $(FAZHI) demo
	$(FAZHI) scan
	@echo "Fazhi: http://$(HOST):$(PORT)/  (public site: http://$(HOST):$(PORT)/public/, API docs: /api/v1/docs)"
	$(FAZHI) run_huey & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FAZHI) runserver $(HOST):$(PORT) --noreload

## test: lint, migrations check, and the whole test suite (browser tests included)
test: setup browser-deps lint rules-test pytest

## lint: ruff, the migrations check, the layers contract (lint-imports) and strict types (mypy);
## both read their configuration from pyproject.toml (ADR 0017)
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(FAZHI) makemigrations --check --dry-run -v0
	$(BIN)/lint-imports
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

## browser-deps: Debian's Chromium and a CJK font for the headless browser tests
browser-deps:
	@test -x /usr/bin/chromium && fc-list 2>/dev/null | grep -qi "noto sans cjk" || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

## fuzz: the schemathesis run of the whole OpenAPI at a large budget (FUZZ_EXAMPLES per operation;
## the suite runs the same test with 6): no 5xx, every status documented, every body as documented
FUZZ_EXAMPLES ?= 200
fuzz: setup
	FAZHI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FAZHI_FUZZ_RANDOM=1 $(BIN)/pytest -n 0 -p no:cacheprovider \
	  fazhi/core/tests/test_no_5xx.py -k fuzz $(PYTEST_ARGS)

## rules-test: run the example cases of every rule file under rules/
rules-test: setup
	$(FAZHI) rules test

## bench: build (or reuse) the data set of BENCH_CASES cases and run every benchmark of bench/;
## figures go to bench/results/*.json and docs/performance.md (make bench BENCH_CASES=100000);
## with DATABASE_URL=postgres://… they run on that PostgreSQL database instead of SQLite
bench: setup
	BENCH_CASES=$(BENCH_CASES) $(BIN)/python -m bench.generate
	BENCH_CASES=$(BENCH_CASES) $(BIN)/python -m bench.record_event
	BENCH_CASES=$(BENCH_CASES) $(BIN)/python -m bench.case_list
	BENCH_CASES=$(BENCH_CASES) $(BIN)/python -m bench.deadlines
	BENCH_CASES=$(BENCH_CASES) $(BIN)/python -m bench.scan
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	BENCH_CASES=$(BENCH_CASES) $(BIN)/python -m bench.discretion.run
	BENCH_CASES=$(BENCH_CASES) $(BIN)/python -m bench.discretion.audit
	BENCH_APPLICATIONS=$(BENCH_APPLICATIONS) $(BIN)/python -m bench.services

screenshots: setup browser-deps
	$(BIN)/python -m fazhi.core.screenshots docs/img

clean:
	rm -rf $(VENV) node_modules var
