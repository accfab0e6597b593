# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run

.PHONY: run test lint typecheck bench clean browser-tools pdf-printer screenshots

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Two stamps: `make run` needs critmin alone; `make test` adds the dev tools (pytest, mypy, playwright).
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP) $(RUN_STAMP)

run: $(RUN_STAMP) pdf-printer
	$(BIN)/critmin run --out out

# The briefing's PDF is printed by Chromium, installed as `make test` does; without apt (or when it
# fails) the main job still finishes and writes the HTML briefing, saying why the PDF was skipped.
pdf-printer:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
	  apt-get update -qq >/dev/null 2>&1 && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; } || \
	  echo "chromium could not be installed with apt-get: the briefing will be written as HTML only"

# Browser tests drive Debian's Chromium; PDFs are checked with poppler's pdftoppm/pdftotext.
browser-tools:
	@command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; }

test: $(STAMP) browser-tools
	$(BIN)/python -m pytest

# Every app page and the briefing's first two pages as PNG in out/screenshots/, for review.
screenshots: $(STAMP) browser-tools
	$(BIN)/python tools/screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check critmin tests tools benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache
