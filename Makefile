# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PORT   ?= 8000

.PHONY: run test suite install install-test lint clean

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

# The background worker (README "Long work in the background") runs beside the development server,
# in the same shell: Ctrl-C stops both, and the worker is stopped too when the server exits.
run: install
	$(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo
	DEBUG=true $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The suite (`make suite`, after the linters here) runs in two processes, one per core: the demo
# county's tests together in one of them, which builds it once. Then the browser tests and the
# `last` test (it searches every process's log, saved in LEAKWATCH) in one process after them.
# Both runs happen even if the first fails. PYTEST_ARGS goes to both (CI: --create-db). WORKERS=0:
# the whole suite in this one process, in the order tests/conftest.py gives.
WORKERS     ?= 2
LEAKWATCH   ?= $(VENV)/leakwatch
PYTEST_ARGS ?=

test: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	@$(MAKE) --no-print-directory suite

suite: install-test
ifeq ($(WORKERS),0)
	$(VENV)/bin/pytest -p no:xdist $(PYTEST_ARGS)
else
	rm -rf $(LEAKWATCH)
	@rc=0; \
	set -x; \
	LEAKWATCH_DIR=$(LEAKWATCH) $(VENV)/bin/pytest -n $(WORKERS) --dist loadgroup -m "not e2e and not last" $(PYTEST_ARGS) || rc=$$?; \
	LEAKWATCH_DIR=$(LEAKWATCH) $(VENV)/bin/pytest -p no:xdist -m "e2e or last" $(PYTEST_ARGS) || [ $$? = 5 ] || rc=1; \
	exit $$rc
endif

lint: install-test
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
