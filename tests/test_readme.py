"""README's 5-minute tour runs as written: its Python blocks are executed in order in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _section_blocks(title: str) -> list[str]:
    text = README.read_text()
    section = text[text.index(f"## {title}"):]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def _tour_blocks() -> list[str]:
    return _section_blocks("5-minute tour")


def test_tour_runs(spark, capsys):
    blocks = _tour_blocks()
    assert len(blocks) >= 4
    namespace: dict = {"spark": spark}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    out = capsys.readouterr().out
    assert "struct<user_id:bigint,amount:double,tags:array<string>,address:struct<country:string,zip:string>>" in out
    counts = namespace["result"].counts.as_dict()
    assert (counts["rows"], counts["valid"], counts["quarantined"]) == (3, 1, 2)
    assert namespace["result"].params == {"threshold": 0.7}


@pytest.mark.slow
def test_validate_before_spark_udf_runs(spark, capsys):
    pytest.importorskip("mlflow")
    pytest.importorskip("sklearn")
    blocks = _section_blocks("Validate before `spark_udf`")
    assert len(blocks) == 2
    namespace: dict = {"spark": spark}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    out = capsys.readouterr().out
    counts = namespace["scoring"].counts.as_dict()
    assert (counts["rows"], counts["valid"], counts["quarantined"]) == (3, 2, 1)
    assert counts["violations"] == [{"column": "sepal width (cm)", "rule": "null_in_required", "count": 1}]
    assert str(counts) in out  # the block prints the counts
    ids = sorted(r["id"] for r in namespace["scoring"].scored.select("id").collect())
    assert ids == [1, 3]


def test_notebook_section_runs(spark, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the block writes report.html
    namespace: dict = {"spark": spark}
    for block in [*_tour_blocks(), *_section_blocks("In a notebook: does this DataFrame fit the model?")]:
        exec(compile(block, str(README), "exec"), namespace)
    out = capsys.readouterr().out
    assert "violations 2\n" in out
    assert "True ['inputs.channel']" in out
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert (README.parent / "docs" / "report.png").exists()
    assert "docs/report.png" in README.read_text()
