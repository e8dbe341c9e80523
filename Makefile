# Everything a fresh clone needs: `make run` and `make test` set up what is missing, then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

# `make run PORT=5100` serves on another port (HOST=0.0.0.0 to be reached from other machines)
HOST ?= 127.0.0.1
PORT ?= 5000

CHROMIUM := /usr/bin/chromium
FAKETIME := /usr/bin/faketime
# every test but the browser's (real time: a live server and chromium), run a second time with the system clock
# shifted more than a year ahead
SHIFTED_TESTS := tests/processes tests/engine tests/forms tests/webui

.PHONY: run test test-shifted lint setup clean translations bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): setup.cfg $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# front-end libraries come from the npm registry with the committed lock file; never committed themselves
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# browser tests drive Debian's chromium through Playwright (never a downloaded browser)
$(CHROMIUM):
	apt-get install -y --no-install-recommends chromium || (apt-get update && apt-get install -y --no-install-recommends chromium)

# Debian's libfaketime: the time-shifted pass of `make test`
$(FAKETIME):
	apt-get install -y --no-install-recommends faketime || (apt-get update && apt-get install -y --no-install-recommends faketime)

setup: $(STAMP) $(NODE_STAMP)

run: setup
	$(BIN)/rapid-response init-db
	$(BIN)/rapid-response seed-demo
	RR_DEMO=1 RR_BASE_URL="$${RR_BASE_URL:-http://$(HOST):$(PORT)}" \
		$(BIN)/rapid-response serve --with-worker --host $(HOST) --port $(PORT)

test: setup $(CHROMIUM) $(FAKETIME)
	$(BIN)/ruff check engine webui forms processes tests
	$(BIN)/pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-shifted

# no test may depend on the day it runs: the engine, diagram, form and web tests with the clock 400 days ahead
test-shifted: setup $(FAKETIME)
	@echo "Time-shifted pass: the system clock is 400 days ahead"
	$(FAKETIME) -f '+400d' $(BIN)/pytest -q -p no:cacheprovider $(SHIFTED_TESTS)

lint: setup
	$(BIN)/ruff check engine webui forms processes tests

# the performance benchmark (needs PostgreSQL on 127.0.0.1:5432, like `make test`); about 2–3 minutes
bench: setup
	$(BIN)/python -m bench --json bench/out/bench-results.json --markdown bench/out/bench-results.md $(BENCH_ARGS)

# after changing user-facing text: refresh the Vietnamese catalog, then translate the new entries
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o webui/translations/messages.pot .
	$(BIN)/pybabel update -i webui/translations/messages.pot -d webui/translations -l vi

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache
