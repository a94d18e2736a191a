# xuncha — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
export XUNCHA_DATABASE_URL ?= sqlite:///./var/xuncha.db

.PHONY: run test lint bench migrate demo schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/xuncha migrate
	$(BIN)/xuncha demo
	PORT=$(PORT) $(BIN)/xuncha serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m tests.bench

migrate: $(STAMP)
	$(BIN)/xuncha migrate

demo: $(STAMP)
	$(BIN)/xuncha demo

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
