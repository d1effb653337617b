# The project environment. Every target is idempotent: a second run reuses the venv (pip runs again only
# when pyproject.toml changes) and the cached Delta jars, so it is fast and needs no network.
#   make setup   venv + editable install + Delta jars resolved once into .cache/
#   make test    the whole suite, slow tests included (what CI runs via .ci/run)
#   make demo    the demo job through spark-submit
#   make lint    ruff
# VENV=/some/path make setup builds the environment elsewhere (e.g. to test a fresh machine).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
PY := $(VENV)/bin/python
# The pip stamp is keyed on the content of pyproject.toml, not its mtime: a checkout or touch that
# leaves the file unchanged must not trigger a reinstall.
PYPROJECT_HASH := $(shell sha256sum pyproject.toml | cut -c1-16)
STAMP := $(VENV)/.stamp-pyproject-$(PYPROJECT_HASH)
PYTEST_ARGS ?=
DEMO_ARGS ?=

export VENV

.PHONY: help setup test demo lint

help:
	@echo "make setup | make test | make demo | make lint   (VENV=$(VENV))"

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found (set PYTHON=/path/to/python3.11)" >&2; exit 2; }
	@"$(PYTHON)" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' \
		|| { echo "$(PYTHON) is older than Python 3.11" >&2; exit 2; }
	"$(PYTHON)" -m venv "$(VENV)"

$(STAMP): | $(PY)
	rm -f "$(VENV)"/.stamp-pyproject-*
	"$(PY)" -m pip install --disable-pip-version-check -q -e '.[test,dev]'
	touch "$@"

setup: $(STAMP)
	@"$(PY)" -m spark_signature.session --resolve

test: setup
	"$(PY)" -m pytest -q $(PYTEST_ARGS)

demo: setup
	./scripts/spark-submit jobs/demo.py $(DEMO_ARGS)

lint: setup
	"$(VENV)/bin/ruff" check .
