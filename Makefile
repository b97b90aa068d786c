# Two entry points: `make demo` (extract the bundled corpus, score it) and `make test`.
# Each creates the virtual environment it needs in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/corpus

.PHONY: demo test install install-test bench clean model

$(BIN)/osint-extract: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install: $(BIN)/osint-extract

# The transformer extra is for the transformer training smoke test: its torch==2.13.0 is a CPU
# build where pip is set up with a local wheel of it (see README "Trained components").
$(VENV)/.test-deps: $(BIN)/osint-extract
	$(BIN)/python -m pip install --quiet -e '.[test,transformer]'
	touch $@

install-test: $(VENV)/.test-deps

demo: install
	$(BIN)/osint-extract extract corpus/docs --out $(OUT) --report
	$(BIN)/osint-extract evaluate corpus/gold/dev.jsonl
	$(BIN)/osint-extract evaluate corpus/gold/test.jsonl

test: install-test
	$(BIN)/python -m pytest -q tests

# The shipped trained pipeline (entity recogniser and relation classifier, fixed seeds),
# rebuilt from the corpus's train split, selected on its dev split; the test split is never read.
model: install
	$(BIN)/osint-extract train corpus/gold/train.jsonl --dev corpus/gold/dev.jsonl --output models/osint-extract-trained --work-dir build/model-training

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dask]'
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) out build src/*.egg-info
