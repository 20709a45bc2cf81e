# Портал качества образования. `make run` — демо на SQLite, `make test` — все тесты.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup migrate demo bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput

demo: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} DJANGO_DEMO=$${DJANGO_DEMO:-1} $(PY) manage.py load_demo

run: setup
	@export DJANGO_DEBUG=$${DJANGO_DEBUG:-1} DJANGO_DEMO=$${DJANGO_DEMO:-1} HOST=$(HOST) PORT=$(PORT); \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py load_demo && \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) benchmarks/run.py
	$(PY) benchmarks/vpr_import.py
	$(PY) benchmarks/classification.py
	$(PY) benchmarks/report.py
	$(PY) benchmarks/public_load.py

lint: setup
	$(PY) -m ruff check .
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/*.sqlite3 var/media .pytest_cache
