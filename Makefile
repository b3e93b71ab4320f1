# The two commands of the README: `make run` and `make test`. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
export PYTHONPATH := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup browser tools run test fuzz chaos bench migrate backup restore lock clean

$(STAMP): requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (none found on PATH)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing the pinned dependencies into $(VENV) ..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

setup: $(STAMP)

# The console's browser tests drive Debian's chromium with a Chinese font (never `playwright install`).
# Installed where apt-get can (as root); elsewhere those tests skip, except under CI=true where they fail.
browser:
	@if { [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/wqy ]; } \
	    && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium and a Chinese font (for the console's browser tests) ..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei \
	    >/dev/null) || echo "could not install chromium: the console's browser tests will not run" >&2; \
	fi

# promtool (Debian's prometheus) tests the alert rules; installed the same way as chromium.
tools:
	@if ! command -v promtool >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing prometheus (promtool, for the alert rules' tests) ..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus \
	    >/dev/null) || echo "could not install prometheus: the alert rules' tests will not run" >&2; \
	fi

run: setup
	@$(PY) deploy/local.py

test: setup browser tools
	@$(PY) -m pytest $(PYTEST_ARGS)

# The API fuzzer at full depth: 100 examples per operation, every check (make test's tier runs fewer).
fuzz: setup
	@FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(PY) -m pytest tests/e2e/test_fuzz_api.py -p no:cacheprovider $(PYTEST_ARGS)

# Faults under load (kills a service, restarts RabbitMQ, stops a database): run apart from `make test`.
chaos: setup
	@$(PY) -m pytest tests/chaos -m chaos -s -p no:cacheprovider $(PYTEST_ARGS)

bench: setup
	@$(PY) bench/suite.py

migrate: setup
	@$(PY) -m services.kit.migrate

# Every owner's database into one folder (docs/operations.md, "Back up and restore").
BACKUP ?= var/backups/$(shell date -u +%Y%m%dT%H%M%SZ)
backup: setup
	@$(PY) -m services.kit.backup backup $(BACKUP)

# Back from one: `make restore BACKUP=var/backups/<stamp>`, with the suite stopped.
restore: setup
	@test -f "$(BACKUP)/manifest.json" || { echo "name a backup: make restore BACKUP=var/backups/<stamp>"; exit 1; }
	@$(PY) -m services.kit.backup restore $(BACKUP)

# Re-pin after changing requirements.in: resolves in a scratch venv and writes requirements.txt.
lock:
	@rm -rf /tmp/lock-venv && $(PYTHON) -m venv /tmp/lock-venv
	@/tmp/lock-venv/bin/pip install --quiet -r requirements.in
	@/tmp/lock-venv/bin/pip freeze --all | grep -v -E '^(pip|wheel)==' > requirements.txt

clean:
	rm -rf $(VENV) var
