# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.pcnwatch-installed
DEVSTAMP := $(VENV)/.pcnwatch-dev-installed

.PHONY: demo test bench eval train lint docs clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(DEVSTAMP): $(STAMP)
	$(PIP) install --quiet -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(VENV)/bin/pcnwatch demo

test: $(DEVSTAMP)
	$(VENV)/bin/pytest -q

bench: $(DEVSTAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

eval: $(DEVSTAMP)
	$(PY) bench/eval.py
	@if [ -f bench/eval_labelled.py ]; then $(PY) bench/eval_labelled.py; fi

# The two stance models, from the labelled real pages we may tune on (their caches must be
# filled, as for make eval): the quotation stance model first, as the confidence model judges
# the labels it gives. Writes nlp/data/stance_reader.json and stance_confidence.json.
train: $(DEVSTAMP)
	$(PY) bench/train_reader.py
	$(PY) bench/train_confidence.py

lint: $(DEVSTAMP)
	$(VENV)/bin/ruff check .

docs: $(DEVSTAMP)
	$(PY) tests/test_docs.py --write

clean:
	rm -rf $(VENV) out build *.egg-info
