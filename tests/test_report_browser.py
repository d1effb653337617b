"""The HTML report in a real browser (headless Chromium): it renders, it is not blank, its text holds the
column names and counts, and the bars Chromium draws have the lengths of the counts.

``UPDATE_REPORT_PNG=1 pytest tests/test_report_browser.py -k screenshot`` (``make report-png``) also
writes the screenshot to ``docs/report.png``, the picture the README shows.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from _browser import dump_dom, screenshot
from _report_data import DDL, ROWS, SIGNATURE
from PIL import Image, ImageStat

from spark_signature import notebook
from spark_signature.report.svg import BAR_WIDTH, bar_chart

REPO = Path(__file__).resolve().parents[1]
PNG = REPO / "docs" / "report.png"


@pytest.fixture(scope="module")
def report_page(spark, tmp_path_factory):
    df = spark.createDataFrame([*ROWS, (6, None, ["<script>alert(1)</script>"], {"country": "ES", "zip": "28001"})],
                               DDL)
    result = notebook.check(df, SIGNATURE)
    path = tmp_path_factory.mktemp("report") / "report.html"
    result.save_html(path)
    return result, path


def _non_blank(png: Path) -> None:
    image = Image.open(png).convert("L")
    stat = ImageStat.Stat(image)
    assert stat.stddev[0] > 20, f"the screenshot is (nearly) uniform: stddev {stat.stddev[0]:.1f}"
    histogram = image.histogram()
    dark = sum(histogram[:128]) / (image.width * image.height)
    assert dark > 0.01, f"only {dark:.2%} dark pixels: no text was drawn"


def test_screenshot_is_not_blank(report_page, tmp_path):
    _, page = report_page
    png = screenshot(page, tmp_path / "report.png", width=1200, height=1500)
    _non_blank(png)
    if os.environ.get("UPDATE_REPORT_PNG"):
        shutil.copyfile(png, PNG)


def test_committed_screenshot_is_a_report():
    assert PNG.exists(), "docs/report.png is missing: run `make report-png`"
    with Image.open(PNG) as image:
        assert image.format == "PNG" and image.width >= 1000
    _non_blank(PNG)


def test_page_text_holds_columns_and_counts(report_page):
    result, page = report_page
    dom = dump_dom(page)
    for name in ("user_id", "amount", "tags", "address", "address.country", "null_in_required"):
        assert name in dom
    counts = result.report["counts"]
    assert (counts["rows"], counts["valid"], counts["quarantined"]) == (6, 2, 4)
    stats = dom[dom.index('class="stats"'):dom.index("Schema:")]
    for label, value in (("rows", 6), ("valid", 2), ("quarantined", 4), ("violations", 5)):
        assert f"<b>{value}</b><span>{label}</span>" in stats
    assert 'data-column="amount" data-rule="null_in_required" data-count="3"' in dom
    assert 'data-column="address" data-rule="null_in_required" data-count="2"' in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # the hostile value is shown as text
    assert "<script" not in dom.replace("&lt;script", "")  # the browser built no script element


def _bar_runs(png: Path, color: tuple[int, int, int], tolerance: int = 40) -> list[int]:
    """Lengths in pixels of the horizontal runs of ``color``, one per bar (the longest row of each)."""
    image = Image.open(png).convert("RGB")
    width, height = image.size
    pixels = image.load()
    runs: list[int] = []
    previous = 0
    for y in range(height):
        length = sum(1 for x in range(width)
                     if all(abs(c - t) <= tolerance for c, t in zip(pixels[x, y], color, strict=True)))
        if length and not previous:
            runs.append(length)
        elif length:
            runs[-1] = max(runs[-1], length)
        previous = length
    return runs


def test_drawn_bars_have_the_lengths_of_the_counts(tmp_path):
    counts = [12, 3, 6, 1]
    violations = [{"column": f"col{i}", "rule": "null_in_required", "count": c} for i, c in enumerate(counts)]
    page = tmp_path / "chart.html"
    page.write_text(f"<!DOCTYPE html><html><body style='margin:0;background:#fff'>"
                    f"<style>.bar{{fill:#0000ff}} text{{font-size:12px}}</style>{bar_chart(violations)}</body></html>")
    png = screenshot(page, tmp_path / "chart.png", width=900, height=300)
    runs = _bar_runs(png, (0, 0, 255))
    assert len(runs) == 4, runs
    expected = [c / max(counts) * BAR_WIDTH for c in sorted(counts, reverse=True)]  # drawn longest first
    for drawn, want in zip(runs, expected, strict=True):
        assert drawn == pytest.approx(want, abs=2), (runs, expected)


@pytest.mark.delta  # the job reads a Delta table
@pytest.mark.exhaustive  # rendering does not depend on the Spark line; the job's Delta run is test_pipeline's
def test_a_job_written_page_renders(spark, tmp_path, capsys):
    """validate_table --report-html: Chromium draws the job's page; its text holds the columns, the counts
    and a quarantined row's hostile value as text, and no script element was built."""
    from test_pipeline import HOSTILE_COLUMN, HOSTILE_VALUE, _html_table, _run_job

    table, signature = _html_table(spark, tmp_path)
    page = tmp_path / "job.html"
    code, _out, _err = _run_job(capsys, "validate_table", "--input", str(table), "--signature", str(signature),
                                "--valid-output", str(tmp_path / "valid"), "--quarantine-output",
                                str(tmp_path / "quarantine"), "--report-html", str(page))
    assert code == 2
    _non_blank(screenshot(page, tmp_path / "job.png", width=1200, height=1200))
    dom = dump_dom(page)
    for name in ("id", "amount", "note", "null_in_required"):
        assert name in dom
    stats = dom[dom.index('class="stats"'):dom.index("Schema:")]
    for label, value in (("rows", 4), ("valid", 2), ("quarantined", 2)):
        assert f"<b>{value}</b><span>{label}</span>" in stats
    assert "&lt;b&gt;bold&lt;/b&gt;" in dom and HOSTILE_COLUMN not in dom
    assert 'data-column="amount" data-rule="null_in_required" data-count="2"' in dom
    assert HOSTILE_VALUE.replace("<", "&lt;").replace(">", "&gt;") in dom  # the quarantined row's value, as text
    assert "<script" not in dom.replace("&lt;script", "")  # the browser built no script element
