"""README's 5-minute tour runs as written: its Python blocks are executed in order in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _tour_blocks() -> list[str]:
    text = README.read_text()
    tour = text[text.index("## 5-minute tour"):]
    tour = tour[: tour.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", tour, flags=re.S)


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
