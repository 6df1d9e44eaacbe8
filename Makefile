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

demo: install
	$(ENGAGE) migrate -v 0
	$(ENGAGE) synth --days 90 --seed 7 --out var/demo
	$(ENGAGE) import --source calls var/demo/calls.csv
	$(ENGAGE) import --source acd var/demo/acd.csv
	$(ENGAGE) import --source cc var/demo/cc.csv
	$(ENGAGE) import --source digital var/demo/digital.csv
	$(ENGAGE) summary

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) var
