"""Docs that are generated from code stay in sync with it."""

from pathlib import Path

from spark_signature.rules import markdown_table

ROOT = Path(__file__).resolve().parents[1]


def test_enforcement_doc_embeds_the_rule_table():
    doc = (ROOT / "docs" / "enforcement.md").read_text()
    start = doc.index("-->", doc.index("BEGIN generated")) + 3
    end = doc.index("<!-- END generated")
    assert doc[start:end].strip() == markdown_table()
