# Two entry points: `make demo` (extract the bundled corpus, score it) and `make test`.
# Each creates the virtual environment it needs in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/corpus

.PHONY: demo test install install-test bench clean

$(BIN)/osint-extract: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install: $(BIN)/osint-extract

$(VENV)/.test-deps: $(BIN)/osint-extract
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install-test: $(VENV)/.test-deps

demo: install
	$(BIN)/osint-extract extract corpus/docs --out $(OUT) --report
	$(BIN)/osint-extract evaluate corpus/gold/dev.jsonl
	$(BIN)/osint-extract evaluate corpus/gold/test.jsonl

test: install-test
	$(BIN)/python -m pytest -q tests

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dask]'
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) out build src/*.egg-info
