# The two commands of the README: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY      := .venv/bin/python
PIP     := .venv/bin/pip
VENV_OK := .venv/.installed
NODE_OK := node_modules/.installed
ASSETS  := static/build/portal.css

help:
	@echo "make run    - install everything, migrate, load demo data, serve on http://127.0.0.1:8000"
	@echo "make test   - install what tests need, lint, check the app graph, check migrations, run the whole suite"
	@echo "make bench  - benchmarks (not part of make test); writes docs/performance.md"
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

run: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver 127.0.0.1:8000

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# Uses DATABASE_URL / REDIS_URL when set; otherwise starts private PostgreSQL and Redis
# instances under .tmp/ (see .ci/services.sh) so tests never run on SQLite by accident.
test: install chromium
	$(PY) -m ruff check .
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

lock:
	$(PIP) freeze --exclude-editable | sed '1i # Exact versions the portal is tested with; regenerate with make lock.' > constraints.txt

clean:
	-bash .ci/services.sh stop
	rm -rf .venv node_modules static/build staticfiles .tmp

.PHONY: help install run chromium test bench lock clean
