# Smart City Campus — the two commands a newcomer needs:
#   make run    set everything up and serve the app with demo data on http://127.0.0.1:$(PORT)
#   make test   install what the tests need and run the whole suite (SQLite, and PostgreSQL
#               when TEST_DATABASE_URL answers)
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
SYSTEM_TOOLS := chromium pdftoppm zbarimg
# The suite runs on PostgreSQL too when this server answers (each test worker: its own database
# with this name as prefix); point it elsewhere, or at nothing, to change that.
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/scc_test
export TEST_DATABASE_URL

.PHONY: run test setup test-sqlite test-postgres system-deps translations db demo bench bench-deps load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d app/translations 2>&1 | grep -v "^compiling" || true

setup: $(VENV)/.installed translations

db: setup
	$(FLASK) db upgrade
	$(FLASK) courses import courses/
	$(FLASK) demo seed

run: db
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Debian packages the tests drive: Chromium (browser tests), poppler (PDF → image), zbar (QR decode).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# npm packages of independent checkers used by tests (gift-pegjs, vnu-jar, jose); see package.json
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: setup system-deps node_modules/.installed
	$(MAKE) --no-print-directory test-sqlite
	@if $(BIN)/python -m tests.pg_available; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "PostgreSQL not reachable at TEST_DATABASE_URL: suite ran on SQLite only"; \
	fi

test-sqlite: setup
	env -u TEST_DATABASE_URL $(BIN)/pytest -p no:cacheprovider -n 2 $(PYTEST_ARGS)

test-postgres: setup
	$(BIN)/pytest -p no:cacheprovider -n 2 $(PYTEST_ARGS)

# Benchmarks (bench/): wrk from Debian for the load, locust (the `bench` extra) for `make load`.
bench-deps: setup
	@command -v wrk >/dev/null || { \
		echo "installing Debian package: wrk"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	@$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/pip install --quiet -e '.[dev,bench]'

# make bench BENCH_ARGS=--quick   (CI: about two minutes; see docs/performance.md)
bench: bench-deps
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The load test of issue 10: 200 simulated learners for 3 minutes against gunicorn + PostgreSQL
load: bench-deps
	$(BIN)/python -m bench.load $(LOAD_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
