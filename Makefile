# make run: set up and start the service on embedded defaults.  make test: set up and run the tests.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test train evaluate bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/triage init
	$(VENV)/bin/triage serve

test: install
	$(PY) -m pytest -q

train: install
	$(VENV)/bin/triage train

evaluate: install
	$(VENV)/bin/triage evaluate --split test

clean:
	rm -rf $(VENV) .triage .pytest_cache
