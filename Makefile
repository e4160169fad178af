# The two commands of the README: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY      := .venv/bin/python
PIP     := .venv/bin/pip
VENV_OK := .venv/.installed
NODE_OK := node_modules/.installed
ASSETS  := static/build/portal.css

help:
	@echo "make run    - install everything, migrate, load demo data, serve on http://127.0.0.1:8000 with a worker"
	@echo "make test   - install what tests need, lint, check the app graph, check migrations, run the whole suite"
	@echo "make bench  - benchmarks (not part of make test); writes docs/performance.md"
	@echo "make format - lay out the Python code as make test checks it (ruff format)"
	@echo "make lock   - refresh constraints.txt from the current virtualenv"
	@echo "make clean  - remove the virtualenv, node_modules, built assets and test services"

$(VENV_OK): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e '.[dev]'
	touch $@

$(NODE_OK): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(ASSETS): $(NODE_OK) static/build.mjs $(wildcard static/src/*)
	npm run --silent build

install: $(VENV_OK) $(ASSETS)

# The web server and, beside it, a real Celery worker with the outbox sweep (beat) built in:
# on Redis when REDIS_URL is set, otherwise on kombu's filesystem transport (.tmp/broker/).
# The worker's own PID is recorded ($$! of a plain command, and its --pidfile); Ctrl-C or the
# server ending stops it (warm shutdown, then SIGKILL after 10 s).
RUN_PORT ?= 8000
run: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo
	@export DEBUG=$${DEBUG:-true}; mkdir -p .tmp; \
	$(PY) -m celery -A atmp_portal worker --beat --schedule=.tmp/celerybeat-schedule \
	  --concurrency=1 --loglevel=INFO --pidfile=$(CURDIR)/.tmp/worker.pid & \
	worker=$$!; \
	stop_worker() { \
	  kill -TERM $$worker 2>/dev/null || return 0; \
	  for _ in $$(seq 100); do kill -0 $$worker 2>/dev/null || return 0; sleep 0.1; done; \
	  kill -KILL $$worker 2>/dev/null; \
	}; \
	trap 'stop_worker' EXIT; trap 'exit 130' INT TERM; \
	echo "Worker $$worker on $${REDIS_URL:-the embedded broker (.tmp/broker/)}"; \
	$(PY) manage.py runserver 127.0.0.1:$(RUN_PORT)

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# Uses DATABASE_URL / REDIS_URL when set; otherwise starts private PostgreSQL and Redis
# instances under .tmp/ (see .ci/services.sh) so tests never run on SQLite by accident.
test: install chromium
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	@set -e; \
	if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then eval "$$(bash .ci/services.sh start)"; fi; \
	if [ -z "$(PYTEST_ARGS)" ]; then \
	  echo "Search and guidance on the SQLite fallback (make run's default database)"; \
	  mkdir -p .tmp && rm -f .tmp/test-fallback.sqlite3; \
	  DATABASE_URL=sqlite:///$(CURDIR)/.tmp/test-fallback.sqlite3 $(PY) -m pytest -q tests/guidance; \
	fi; \
	echo "Testing on $${DATABASE_URL%%\?*} and $$REDIS_URL"; \
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	@set -e; \
	if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then eval "$$(bash .ci/services.sh start)"; fi; \
	$(PY) -m tests.bench.run

# Lays out every Python file as `make test` requires (ruff format; settings in pyproject.toml).
format: install
	$(PY) -m ruff format .

lock:
	$(PIP) freeze --exclude-editable | sed '1i # Exact versions the portal is tested with; regenerate with make lock.' > constraints.txt

clean:
	-bash .ci/services.sh stop
	rm -rf .venv node_modules static/build staticfiles .tmp

.PHONY: help install run chromium test bench format lock clean
