# The two commands of the README: `make run` and `make test`. Each creates or refreshes
# the local virtual environment, so a fresh clone needs nothing installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
E2E_STAMP := tests/e2e/node_modules/.installed

.PHONY: run test lint format console clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[semantic]'
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[semantic,dev]'
	touch $@ $(RUN_STAMP)

$(E2E_STAMP): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	touch $@

run: $(RUN_STAMP)
	$(BIN)/diplobot run

test: $(TEST_STAMP) $(E2E_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extracts the interface's strings and merges them into the Ukrainian and Russian
# catalogs (new strings come in untranslated, changed ones fuzzy: tests/test_i18n.py fails
# until they are translated).
messages: $(TEST_STAMP)
	$(BIN)/pybabel --quiet extract -F babel.cfg -k N_ -k ngettext:1,2 --no-location --sort-output \
		--project diplobot --copyright-holder "diplobot" -o bot/locale/diplobot.pot .
	$(BIN)/pybabel --quiet update -D diplobot -i bot/locale/diplobot.pot -d bot/locale --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) tests/e2e/node_modules
