# Everything a fresh clone needs: `make run` and `make test` set up what is missing, then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): setup.cfg $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

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
	rm -rf $(VENV) instance .pytest_cache
