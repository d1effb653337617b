# The project environment. Every target is idempotent: a second run reuses the venv (pip runs again only
# when pyproject.toml changes) and the cached Delta jars, so it is fast and needs no network.
#   make setup   venv + editable install + Delta jars resolved once into .cache/
#   make test    the whole suite, slow tests included (what CI runs via .ci/run)
#   make demo    the pre-scoring pipeline on the iris data, every job through spark-submit (scripts/demo)
#   make wheel   dist/spark_signature-<version>-py3-none-any.whl, and the same file as .zip for --py-files
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

.PHONY: help setup test demo wheel lint

help:
	@echo "make setup | make test | make demo | make wheel | make lint   (VENV=$(VENV))"

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
	./scripts/demo $(DEMO_ARGS)

# pyspark puts --py-files on the executors' path only for .zip/.egg/.jar names: ship the .zip copy (docs/deploy.md)
wheel: setup
	rm -rf dist
	"$(PY)" -m pip wheel --disable-pip-version-check --no-deps --no-build-isolation -q . -w dist
	for w in dist/*.whl; do cp "$$w" "$${w%.whl}.zip"; done
	@ls dist

lint: setup
	"$(VENV)/bin/ruff" check .
