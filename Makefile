# Everything a fresh clone needs: `make run` and `make test` set up what is missing, then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test lint setup clean

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

setup: $(STAMP) $(NODE_STAMP)

run: setup
	$(BIN)/rapid-response init-db
	$(BIN)/rapid-response seed-demo
	$(BIN)/rapid-response serve --with-worker --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/ruff check engine webui forms processes tests
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check engine webui forms processes tests

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache
