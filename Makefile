# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PORT   ?= 8000

.PHONY: run test install install-test lint clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/activate pyproject.toml
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/bin/activate pyproject.toml
	$(PIP) install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The suite in two processes (one per core; the demo county's tests together in one of them, which
# builds it once), then the browser tests and the `last` test (it reads every process's log, saved
# in LEAKWATCH_DIR) in one process after them. PYTEST_ARGS is passed to both runs.
WORKERS     ?= 2
LEAKWATCH   := $(VENV)/leakwatch
PYTEST_ARGS ?=

test: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	rm -rf $(LEAKWATCH)
	LEAKWATCH_DIR=$(LEAKWATCH) $(VENV)/bin/pytest -n $(WORKERS) --dist loadgroup -m "not e2e and not last" $(PYTEST_ARGS)
	LEAKWATCH_DIR=$(LEAKWATCH) $(VENV)/bin/pytest -p no:xdist -m "e2e or last" $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
