# Two commands: `make run` (try it locally) and `make test` (everything, against real services).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PYTHONPATH := $(CURDIR)

.PHONY: run test bench lint install install-dev system-deps services migrate clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the pinned requirements change.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages: Tesseract with English, Nepali and Hindi, poppler (PDF pages), Chromium.
system-deps:
	@bash scripts/system-deps.sh

# PostgreSQL and Redis, started when they are not answering.
services:
	@bash scripts/services.sh

migrate: install
	$(BIN)/flask --app app db upgrade

# Production is the default everywhere else (Procfile, render.yaml); `make run` opts out.
run migrate: export APP_ENV ?= development
run: export SANDBOX_ENABLED ?= 1
run: export SANDBOX_MEDIA_BASE_URL ?= http://127.0.0.1:$(PORT)
run: install
	@bash scripts/system-deps.sh --runtime || echo "(OCR needs tesseract-ocr; photos will be refused without it)"
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app catalog import data/catalog
	@echo "Serving on http://127.0.0.1:$(PORT)  ·  sandbox chat: http://127.0.0.1:$(PORT)/sandbox"
	$(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT) --with-threads

test: install-dev system-deps services
	$(BIN)/ruff check .
	$(BIN)/mypy conversation parsers market
	$(BIN)/python -m pytest -q

bench: install-dev services
	@bash scripts/system-deps.sh --bench
	$(BIN)/python bench/run.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy conversation parsers market

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
