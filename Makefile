# Consilium: `make demo` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_ENV := CONSILIUM_DEBUG=1

.PHONY: demo serve test test-sqlite test-postgres lint system-deps clean bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

demo: $(VENV)/.installed
	@command -v npm >/dev/null && $(MAKE) node_modules/.installed || \
	  echo "npm not found: uploads work, but without resuming after a network failure."
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py load_icd10cm
	$(DEMO_ENV) $(PY) manage.py load_demo
	$(DEMO_ENV) $(PY) manage.py resume_record_work
	@scripts/demo-banner
	@trap 'kill 0' INT TERM EXIT; \
	  $(DEMO_ENV) $(PY) manage.py db_worker & \
	  $(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# Serve as production does (docs/deploy.md, "Serving"): the production settings from the
# environment (CONSILIUM_*: keys, allowed hosts...), static files collected, then
# `manage.py serve` checks the deployment and the migrations and runs gunicorn
# (CONSILIUM_WEB_WORKERS, default 2 x cores + 1, at most 8) and db_worker
# (CONSILIUM_TASK_WORKERS, default 1) until stopped. It does not migrate: run
# `manage.py migrate` first, as the tables' owner.
serve: $(VENV)/.installed
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py serve

# System packages the browser and PostgreSQL runs need (installed only when root and missing).
system-deps:
	@scripts/install-system-deps

test: $(VENV)/.installed node_modules/.installed system-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	$(PY) -m pytest -q

test-postgres:
	scripts/with-postgres $(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) node_modules var

# Benchmarks: each run writes what it measured to docs/benchmarks-latest.md (date, machine,
# database); docs/benchmarks.md keeps the history, with what changed and why.
bench: $(VENV)/.installed system-deps
	@scripts/install-system-deps bench
	@printf '# The latest `make bench`\n\nWritten by `make bench`; the history, with what changed and why, is in [benchmarks.md](benchmarks.md).\n' > docs/benchmarks-latest.md
	@scripts/bench-run; sqlite=$$?; \
	  PG_EXTRA_OPTIONS="-c shared_buffers=1GB -c effective_cache_size=8GB" \
	    scripts/with-postgres scripts/bench-run; postgres=$$?; \
	  exit $$((sqlite || postgres))
