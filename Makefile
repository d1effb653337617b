# The project environment. Every target is idempotent: a second run reuses the venv (pip runs again only
# when pyproject.toml, the constraints file or the extras change) and the cached Delta jars, so it is fast
# and needs no network.
#   make setup        venv + editable install (pinned by constraints/default.txt) + Delta jars resolved once
#   make test         the whole suite, slow tests included, on the default pair (what CI runs via .ci/run)
#   make test-matrix  the Spark-facing tests on every other pair of constraints/ (oldest and newest Spark),
#                     each in its own venv (.venv-<name>) built by this same setup (test-matrix-setup: the
#                     venvs only); classic sessions, without the spark-submit job tests (marker `submit`)
#                     and the variants marked `exhaustive` (their representatives run), which the default
#                     pair runs, with Spark Connect, in `make test`; property tests on MATRIX_EXAMPLES
#                     examples; a constraints file's "# matrix-markers:" line narrows its pair
#                     (newest-delta: the Delta tests)
#   make demo         the pre-scoring pipeline on the iris data, every job through spark-submit (scripts/demo)
#   make wheel        dist/spark_signature-<version>-py3-none-any.whl, and the same file as .zip for --py-files
#   make lint         ruff
#   make setup-browser  Debian's chromium for the HTML report tests (apt-get, once; `make test` runs it;
#                     where it cannot be installed the browser tests skip, saying why)
#   make report-png   re-make docs/report.png (the README's screenshot) with the browser tests
# VENV=/some/path make setup builds the environment elsewhere (e.g. to test a fresh machine);
# CONSTRAINTS=constraints/oldest.txt make setup builds it for another pair (its "# extras:" line says which
# extras to install).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
CONSTRAINTS ?= constraints/default.txt
EXTRAS ?= $(shell sed -n 's/^\# extras: *//p' $(CONSTRAINTS))
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
PY := $(VENV)/bin/python
# The pip stamp is keyed on the content of pyproject.toml and the constraints file (and the extras), not
# their mtime: a checkout or touch that leaves them unchanged must not trigger a reinstall.
INSTALL_HASH := $(shell { cat pyproject.toml $(CONSTRAINTS); echo "$(EXTRAS)"; } | sha256sum | cut -c1-16)
STAMP := $(VENV)/.stamp-install-$(INSTALL_HASH)
PYTEST_ARGS ?=
DEMO_ARGS ?=
# The pairs test-matrix runs: constraints/<name>.txt each, besides the default. Each file's
# "# matrix-markers:" line says which tests that pair runs (pytest -m); without one, MATRIX_MARKERS.
MATRIX ?= oldest newest newest-delta
MATRIX_MARKERS ?= spark and not submit and not exhaustive
# Examples per Spark property test on the matrix pairs (the default pair explores; these show each line runs them)
MATRIX_EXAMPLES ?= 4

export VENV

.PHONY: help setup setup-browser test test-matrix test-matrix-setup demo wheel lint report-png

help:
	@echo "make setup | make test | make test-matrix | make demo | make wheel | make lint | make report-png   (VENV=$(VENV), CONSTRAINTS=$(CONSTRAINTS))"

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found (set PYTHON=/path/to/python3.11)" >&2; exit 2; }
	@"$(PYTHON)" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' \
		|| { echo "$(PYTHON) is older than Python 3.11" >&2; exit 2; }
	"$(PYTHON)" -m venv "$(VENV)"

# No `pip --no-compile` (76 s -> 52 s for the oldest pair's venv): where PYTHONDONTWRITEBYTECODE is set, as on
# this machine, Python would then compile every module again in every process (every Spark Python worker).
$(STAMP): | $(PY)
	@test -f "$(CONSTRAINTS)" || { echo "no constraints file $(CONSTRAINTS)" >&2; exit 2; }
	@test -n "$(EXTRAS)" || { echo "$(CONSTRAINTS) has no '# extras:' line" >&2; exit 2; }
	rm -f "$(VENV)"/.stamp-install-* "$(VENV)"/.stamp-pyproject-*
	"$(PY)" -m pip install --disable-pip-version-check -q -e '.[$(EXTRAS)]' -c "$(CONSTRAINTS)"
	touch "$@"

setup: $(STAMP)
	@"$(PY)" -m spark_signature.session --resolve

# Headless Chromium renders the HTML report in tests. Idempotent: nothing to do once /usr/bin/chromium exists;
# where apt-get cannot install it (no root, no Debian), say so and go on: those tests then skip, saying why.
setup-browser:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium (Debian package) for the HTML report tests"; \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } >/dev/null \
			|| echo "setup-browser: apt-get could not install chromium; the browser tests will skip" >&2; \
	else \
		echo "setup-browser: cannot install chromium here (needs root and apt-get); the browser tests will skip" >&2; \
	fi

test: setup setup-browser
	"$(PY)" -m pytest -q $(PYTEST_ARGS)

# The matrix venvs only (pip + Delta jars), e.g. to build them while another suite runs.
test-matrix-setup:
	@for name in $(MATRIX); do \
		$(MAKE) --no-print-directory setup VENV=".venv-$$name" CONSTRAINTS="constraints/$$name.txt" || exit $$?; \
	done

# One venv per pair, each built by `make setup`; pytest's exit code 5 (no test selected) is a failure here.
# Every pair runs even when one fails (each failure is worth seeing); the target fails if any did.
test-matrix:
	@failed=""; for name in $(MATRIX); do \
		echo "=== test-matrix: $$name (constraints/$$name.txt, .venv-$$name)"; \
		$(MAKE) --no-print-directory setup VENV=".venv-$$name" CONSTRAINTS="constraints/$$name.txt"; \
		".venv-$$name/bin/python" -m pip list --disable-pip-version-check 2>/dev/null \
			| grep -iE '^(pyspark|delta-spark|pandas|numpy|pyarrow|mlflow-skinny) ' | tr -s ' ' | paste -sd ';'; \
		markers="$$(sed -n 's/^# matrix-markers: *//p' "constraints/$$name.txt")"; \
		markers="$${markers:-$(MATRIX_MARKERS)}"; \
		echo "=== test-matrix: $$name runs -m \"$$markers\""; \
		SPARK_SIGNATURE_SESSION_KINDS=classic SPARK_SIGNATURE_EXAMPLES=$(MATRIX_EXAMPLES) \
			".venv-$$name/bin/python" -m pytest -q -m "$$markers" $(PYTEST_ARGS) \
			|| failed="$$failed $$name"; \
	done; \
	if [ -n "$$failed" ]; then echo "=== test-matrix: failed on:$$failed" >&2; exit 1; fi

report-png: setup setup-browser
	UPDATE_REPORT_PNG=1 "$(PY)" -m pytest -q tests/test_report_browser.py -k screenshot

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
