# Two commands for a new user (see README):
#   make run    set up .venv (and Tesseract OCR), index the bundled corpus (incremental), start the app
#   make test   set up .venv with test extras and system packages, run the whole suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8501
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: run test install install-test index eval bench clean

$(VENV)/.deps: pyproject.toml scripts/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: anything that pulls an unpinned torch gets a multi-GB CUDA build
	$(PIP) torch==2.13.0
	$(PIP) -e .
	# Tesseract for scanned PDFs; without root/sudo the app still runs, scans then get a clear message
	./scripts/install-system-deps.sh --runtime || echo "waarschuwing / warning: OCR (Tesseract) niet geïnstalleerd" >&2
	touch $@

install: $(VENV)/.deps

$(VENV)/.test-deps: $(VENV)/.deps
	$(PIP) -e ".[test]"
	./scripts/install-system-deps.sh --test
	touch $@

install-test: $(VENV)/.test-deps

index: install
	$(PY) -m ingest data/corpus

run: index
	$(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: install-test
	$(PY) -m pytest

eval: install
	$(PY) -m eval

bench: install
	$(PY) -m bench.answer_bench
	$(PY) -m bench.ingest_bench --quick

clean:
	rm -rf data/store test-artifacts .pytest_cache
