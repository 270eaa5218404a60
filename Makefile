# make run: set up and start the service on embedded defaults.  make test: set up and run the tests.
# make test-postgres: the tests again against a throwaway PostgreSQL server (scripts/postgres.sh).
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test test-postgres train evaluate bench clean

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

test-postgres: install
	url="$$(scripts/postgres.sh)" || exit 1; \
	TRIAGE_TEST_DATABASE_URL="$$url" $(PY) -m pytest -q; status=$$?; \
	scripts/postgres.sh stop; exit $$status

train: install
	$(VENV)/bin/triage train

evaluate: install
	$(VENV)/bin/triage evaluate --split test

clean:
	rm -rf $(VENV) .triage .pytest_cache
