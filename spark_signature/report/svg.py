"""The violations chart: one horizontal bar per (column, rule), inline SVG, no script.

Bar lengths are proportional to the counts (``width = count / max_count * BAR_WIDTH``, six significant
digits, so a test can check the proportion even for a one-in-a-million bar); every bar carries its count as text and in
``data-count``, so the chart reads without colour and prints in black and white.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spark_signature.report.markup import Safe, el
from spark_signature.report.text import shorten

__all__ = ["BAR_WIDTH", "bar_chart"]

LABEL_WIDTH = 300
BAR_WIDTH = 360
ROW_HEIGHT = 24
COUNT_WIDTH = 90
LABEL_CHARS = 44


def bar_chart(violations: Sequence[Mapping[str, Any]], *, title: str = "Violations per column and rule") -> Safe:
    """``violations`` are ``{column, rule, count}`` dicts (the report's ``counts.violations``)."""
    rows = sorted((v for v in violations if v.get("count")), key=lambda v: (-int(v["count"]), str(v["column"])))
    if not rows:
        return Safe("")
    top = max(int(v["count"]) for v in rows)
    height = ROW_HEIGHT * len(rows) + 8
    width = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH
    parts: list[Any] = [el("title", title)]
    for i, v in enumerate(rows):
        count = int(v["count"])
        y = 4 + i * ROW_HEIGHT
        length = count / top * BAR_WIDTH
        label = f"{v['column']} · {v['rule']}"
        parts.append(el(
            "g", el("title", f"{label}: {count:,}"),
            el("text", shorten(label, LABEL_CHARS), x=LABEL_WIDTH - 8, y=y + 16, text_anchor="end", class_="lbl"),
            el("rect", x=LABEL_WIDTH, y=y + 3, width=f"{length:.6g}", height=ROW_HEIGHT - 8, rx=2, class_="bar",
               data_column=v["column"], data_rule=v["rule"], data_count=count),
            el("text", f"{count:,}", x=f"{LABEL_WIDTH + length + 6:.6g}", y=y + 16, class_="cnt"),
            class_="row",
        ))
    return el("svg", *parts, xmlns="http://www.w3.org/2000/svg", width=width, height=height,
              viewBox=f"0 0 {width} {height}", role="img", aria_label=title, class_="chart")
