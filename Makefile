# Engage: `make demo` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
ENGAGE := $(VENV)/bin/engage
STAMP := $(VENV)/.installed
SYSTEM_STAMP := var/.system-deps
APT_PACKAGES := postgresql chromium chromium-driver poppler-utils fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-deps test test-sqlite test-postgres demo bench clean

install: $(STAMP) $(SYSTEM_STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $(STAMP)

# Debian packages: PostgreSQL (tests start a throwaway server), Chromium (browser
# tests), poppler (PDF to PNG checks), Pango (WeasyPrint). Skipped once present.
$(SYSTEM_STAMP):
	@mkdir -p var
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi
	touch $(SYSTEM_STAMP)

system-deps: $(SYSTEM_STAMP)

test: install test-sqlite test-postgres

test-sqlite: install
	$(PY) -m pytest

# The tests marked `postgres` again, against a real throwaway PostgreSQL server.
test-postgres: install
	$(PY) -m engage.testing.pgserver -- $(PY) -m pytest -m "postgres"

# The whole workflow on a synthetic force: generate, import, resolve callers, detect,
# evaluate against the ground truth, open the intervened people's cases, reports, then
# serve the web application with a login per role. Safe to run twice (imports are
# idempotent; users and keys are reset).
DEMO := var/demo
DEMO_DAYS ?= 90
demo: install
	$(ENGAGE) migrate -v 0
	$(ENGAGE) synth --days $(DEMO_DAYS) --seed 7 --out $(DEMO)
	$(ENGAGE) import --defer calls=$(DEMO)/calls.csv acd=$(DEMO)/acd.csv cc=$(DEMO)/cc.csv digital=$(DEMO)/digital.csv
	$(ENGAGE) summary
	$(ENGAGE) resolve
	$(ENGAGE) detect
	$(ENGAGE) callers --repeat | head -n 25
	$(ENGAGE) locations --top 10
	$(ENGAGE) evaluate --truth $(DEMO)/truth.csv
	$(ENGAGE) synth-cases $(DEMO)
	$(ENGAGE) callbacks --refresh
	$(ENGAGE) report service
	$(ENGAGE) report monthly --pdf $(DEMO)/monthly-report.pdf
	$(ENGAGE) whatif --reduce-repeat-demand 50
	$(ENGAGE) apikey iccs --rotate
	$(ENGAGE) apikey telephony --push --rotate
	$(ENGAGE) users --demo
	@echo "Engage is serving at http://127.0.0.1:8000/ (logins above; Ctrl-C to stop)"
	$(VENV)/bin/granian --interface wsgi --host 127.0.0.1 --port 8000 --workers 2 --blocking-threads 4 --access-log engage.wsgi:application

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) var
