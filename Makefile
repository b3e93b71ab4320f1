# The two commands of the README: `make run` and `make test`. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
export PYTHONPATH := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test bench migrate lock clean

$(STAMP): requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (none found on PATH)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing the pinned dependencies into $(VENV) ..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

setup: $(STAMP)

run: setup
	@$(PY) deploy/local.py

test: setup
	@$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	@$(PY) bench/suite.py

migrate: setup
	@$(PY) -m services.kit.migrate

# Re-pin after changing requirements.in: resolves in a scratch venv and writes requirements.txt.
lock:
	@rm -rf /tmp/lock-venv && $(PYTHON) -m venv /tmp/lock-venv
	@/tmp/lock-venv/bin/pip install --quiet -r requirements.in
	@/tmp/lock-venv/bin/pip freeze --all | grep -v -E '^(pip|wheel)==' > requirements.txt

clean:
	rm -rf $(VENV) var
