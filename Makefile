# bangfu — the two commands of the README's Quick start are `make demo` and `make test`.
# Every target creates what it needs (virtual environment, dependencies, front-end assets).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP_PY := $(VENV)/.installed
STAMP_JS := node_modules/.installed
VENDOR := bangfu/core/static/vendor/htmx.min.js bangfu/core/static/vendor/echarts.min.js

.PHONY: demo test lint fmt install assets serve clean

demo: install assets  ## Set up, migrate, seed the demo data and serve on http://127.0.0.1:8000
	$(BIN)/bangfu demo

test: install assets  ## Lint, type-check, check migrations, then run the test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bangfu
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bangfu

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

install: $(STAMP_PY)

$(STAMP_PY): requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

assets: $(VENDOR)

$(STAMP_JS): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(VENDOR) &: $(STAMP_JS) scripts/build-assets.mjs
	npm run --silent build

lock:  ## Re-pin the Python dependencies after editing pyproject.toml
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements-dev.lock

clean:
	rm -rf $(VENV) node_modules bangfu/core/static/vendor staticfiles
