# Two commands on a fresh clone: `make run` serves on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: install run init-db seed test lint seed-data clean bench

install: $(STAMP)

# Re-installs only when the declared dependencies change, so a second `make install` does nothing.
$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres]"
	touch $(STAMP)

init-db: install
	$(BIN)/registry init-db

seed: init-db
	$(BIN)/registry seed

run: seed
	$(BIN)/gunicorn --config gunicorn_conf.py --workers $(WORKERS) --bind $(HOST):$(PORT) \
		--access-logfile - wsgi:app

test: install
	$(BIN)/python -m seed.parse_annex --check
	$(BIN)/ruff check registry seed tests migrations bench
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check registry seed tests migrations bench

# The benchmark: the registry under gunicorn on SQLite and PostgreSQL, at 103 and 10,000 powers, against a minimal
# Flask ceiling and Datasette; about 10 minutes once its databases are built; figures in bench/results/.
bench: install
	bash bench/run.sh

# Rewrites seed/annex.json from the source document in ../shared/seeds.
seed-data: install
	$(BIN)/python -m seed.parse_annex

clean:
	rm -rf $(VENV) instance .pytest_cache
