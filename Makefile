# Sceau — the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SYSLIBS := $(VENV)/.system-libraries
NPM_STAMP := tests/interop/node_modules/.installed
CHROMIUM := /usr/bin/chromium
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/sceau_test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres install lint bench clean messages

# WeasyPrint renders with Pango and subsets fonts with HarfBuzz's subsetter (in C: ten times
# faster than fontTools); install them from Debian's packages (as root, like CI) when missing.
$(SYSLIBS):
	ldconfig -p | grep -q libpangoft2-1.0.so.0 && ldconfig -p | grep -q libharfbuzz-subset.so.0 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; }
	mkdir -p $(VENV) && touch $@

$(STAMP): pyproject.toml $(SYSLIBS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(NPM_STAMP): tests/interop/package.json tests/interop/package-lock.json
	npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

# The browser tests drive Debian's Chromium; install it (as root, like CI) when it is missing.
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

# The web server and the task queue's worker side by side: when either stops, or on Ctrl-C, both
# are sent SIGTERM and waited for (the worker lets running chunks finish, up to 30 s).
run: $(STAMP)
	export SCEAU_BASE_URL=$${SCEAU_BASE_URL:-http://localhost:$(PORT)}; \
	$(VENV)/bin/sceau db upgrade && $(VENV)/bin/sceau demo || exit 1; \
	echo "Serving Sceau on http://$(HOST):$(PORT) (public origin $$SCEAU_BASE_URL), with the task queue's worker; Ctrl-C to stop"; \
	$(VENV)/bin/sceau worker --workers 2 & worker=$$!; \
	$(VENV)/bin/gunicorn --workers 2 --bind $(HOST):$(PORT) 'wsgi:create_app()' & web=$$!; \
	trap 'kill -TERM $$web $$worker 2>/dev/null' INT TERM; \
	while kill -0 $$web 2>/dev/null && kill -0 $$worker 2>/dev/null; do sleep 1; done; \
	kill -TERM $$web $$worker 2>/dev/null; \
	wait $$web $$worker

test: $(STAMP) $(NPM_STAMP) $(CHROMIUM)
	$(MAKE) test-sqlite
	@if $(PY) -c "import sys, psycopg; psycopg.connect(sys.argv[1].replace('+psycopg', '').rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" '$(TEST_DATABASE_URL)' 2>/dev/null; then \
	  $(MAKE) test-postgres; \
	else \
	  echo "PostgreSQL at $(TEST_DATABASE_URL) is not reachable: the PostgreSQL pass did not run"; \
	  test -z "$$CI"; \
	fi

test-sqlite: $(STAMP) $(NPM_STAMP)
	$(VENV)/bin/pytest

test-postgres: $(STAMP) $(NPM_STAMP)
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(VENV)/bin/pytest -m 'not quality'

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP) $(NPM_STAMP)
	$(PY) -m benchmarks.proofs
	$(PY) -m benchmarks.issue
	$(PY) -m benchmarks.http
	$(PY) -m benchmarks.workflow

# After changing the text of a page: new entries in both catalogs, to translate (the suite
# checks that none is missing). The .mo files are compiled when the application starts.
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l --no-location -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --width 100

clean:
	rm -rf $(VENV) tests/interop/node_modules .pytest_cache .ruff_cache .mypy_cache
