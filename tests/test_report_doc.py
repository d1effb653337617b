"""docs/report.md and the report builder stay equal: every key table of the page is parsed and compared with
the key tuples of spark_signature.report_builder, in order; the statuses and exit codes too. A report a real
run wrote is checked against the same tuples in tests/test_pipeline.py (assert_report_shape)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spark_signature import report_builder as rb

DOC = Path(__file__).resolve().parents[1] / "docs" / "report.md"

SECTIONS = {
    "Top level": rb.TOP_LEVEL_KEYS, "input": rb.INPUT_KEYS, "signature": rb.SIGNATURE_KEYS, "schema": rb.SCHEMA_KEYS,
    "thresholds": rb.THRESHOLD_KEYS, "counts": rb.COUNTS_KEYS, "outputs": rb.OUTPUTS_KEYS, "output": rb.OUTPUT_KEYS,
    "spark": rb.SPARK_KEYS, "timings": rb.TIMING_KEYS, "stream": rb.STREAM_KEYS,
}  # fmt: skip


def doc_tables() -> dict[str, list[tuple[str, str, str]]]:
    """``## heading`` -> the rows (key, type, meaning) of the first table under it."""
    tables: dict[str, list[tuple[str, str, str]]] = {}
    heading = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
            continue
        match = re.match(r"^\|\s*`([^`]+)`\s*\|\s*([^|]+?)\s*\|\s*(.+?)\s*\|$", line)
        if heading is not None and match:
            tables.setdefault(heading, []).append(match.groups())
    return tables


def test_every_section_of_the_doc_has_a_key_table_in_the_builder():
    assert set(doc_tables()) == set(SECTIONS)


@pytest.mark.parametrize("section", list(SECTIONS))
def test_doc_keys_equal_builder_keys_in_order(section):
    assert tuple(key for key, _type, _meaning in doc_tables()[section]) == SECTIONS[section]


def test_statuses_and_exit_codes_are_the_builders():
    rows = {key: meaning for key, _type, meaning in doc_tables()["Top level"]}
    assert re.findall(r"`(\w+)`", rows["status"]) == list(rb.EXIT_CODES)
    assert [int(n) for n in re.findall(r"`(\d)`", rows["exit_code"])] == list(rb.EXIT_CODES.values())
    schema_status = {key: meaning for key, _type, meaning in doc_tables()["schema"]}["status"]
    assert tuple(re.findall(r"`(\w+)`", schema_status)) == rb.SCHEMA_STATUSES


def test_the_builder_writes_every_key_even_when_nothing_ran():
    report = rb.build_report(status="error", message="boom")
    assert tuple(report) == rb.TOP_LEVEL_KEYS
    assert tuple(report["outputs"]) == rb.OUTPUTS_KEYS and tuple(report["timings"]) == rb.TIMING_KEYS
    assert tuple(report["thresholds"]) == rb.THRESHOLD_KEYS and tuple(report["spark"]) == rb.SPARK_KEYS
    assert (report["report_version"], report["exit_code"]) == (1, 3)
    with pytest.raises(ValueError, match="unknown report keys"):
        rb.build_report(status="ok", message="", colour="red")
