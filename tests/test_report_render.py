"""The renderer on real reports (the notebook helper on pandas data): escaping, widths, the bar chart, fixes.

No browser here (tests/test_report_browser.py renders in Chromium): the HTML is parsed with the
standard library and every tag, attribute and text node is checked.
"""

from __future__ import annotations

import json
import re
import unicodedata
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from spark_signature import Array, ColSpec, DataType, ModelSignature, Object, Property, Schema, notebook
from spark_signature.report import fixes_for, render_diff_html, render_html
from spark_signature.report.svg import BAR_WIDTH
from spark_signature.report.text import display_width

HOSTILE = '<script>alert("x")</script>'
ATTR = '" onmouseover="alert(1)'
ANSI = "\x1b[31mred\x1b[0m"

ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "div", "h1", "h2", "h3", "p", "span", "code",
                "table", "thead", "tbody", "tr", "th", "td", "b", "svg", "g", "text", "rect", "pre", "mark", "ul",
                "li"}
ALLOWED_ATTRS = {"class", "style", "lang", "charset", "name", "content", "title", "colspan", "x", "y", "width",
                 "height", "rx", "viewbox", "xmlns", "role", "aria-label", "text-anchor"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    c.close()
    return c


SIGNATURE = ModelSignature(inputs=Schema([
    ColSpec(DataType.long, "user_id"),
    ColSpec(DataType.double, "amount"),
    ColSpec(Array(DataType.string), "tags", required=False),
    ColSpec(Object([Property("country", DataType.string), Property("zip", DataType.string, required=False)]),
            "address"),
    ColSpec(DataType.string, HOSTILE),
    ColSpec(DataType.double, "列名"),
]))


def hostile_frame(n_bad_amount: int = 3) -> pd.DataFrame:
    rows = 10
    amount = [float(i) for i in range(rows)]
    for i in range(n_bad_amount):
        amount[i] = None
    return pd.DataFrame({
        "user_id": list(range(rows)),
        "amount": amount,
        "tags": [["a", "b"]] * rows,
        "address": [{"country": None if i == 9 else "FR", "zip": None} for i in range(rows)],
        HOSTILE: [f"{ANSI} {ATTR}\nline2" if i else None for i in range(rows)],
        "列名": [1.5] * rows,
        ATTR: [1] * rows,
    })


@pytest.fixture(scope="module")
def result():
    return notebook.check(hostile_frame(), SIGNATURE)


def test_counts_are_the_engines(result):
    counts = result.report["counts"]
    assert (counts["rows"], counts["valid"], counts["quarantined"]) == (10, 6, 4)  # row 0 has two problems
    by = {(v["column"], v["rule"]): v["count"] for v in counts["violations"]}
    assert by == {("amount", "null_in_required"): 3, ("address", "null_in_required"): 1,
                  (HOSTILE, "null_in_required"): 1}
    assert result.counts.to_dict("records") == counts["violations"]
    assert len(result.valid) + len(result.quarantine) == 10


def test_html_escapes_every_piece_of_data(result):
    for html in (result.html(), result._repr_html_()):
        doc = parse(html)
        tags = {t for t, _ in doc.tags}
        assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
        for tag, attrs in doc.tags:
            bad = {a for a in attrs if a not in ALLOWED_ATTRS and not a.startswith("data-")}
            assert not bad, (tag, bad)
        text = "".join(doc.text)
        assert HOSTILE in text and ATTR in text and "列名" in text  # shown, as text
        assert "<script" not in html.lower().replace("&lt;script", "")
        assert "onmouseover=" not in html.replace("onmouseover=&quot;", "")


def test_fragment_is_scoped_and_page_is_self_contained(result):
    page = result.html()
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"(src|href)\s*=", page), "no external resource of any kind"
    assert "<script" not in page.replace("&lt;script", "")
    fragment = result._repr_html_()
    assert "<html" not in fragment and "<body" not in fragment
    css = re.search(r"<style>(.*?)</style>", fragment, re.S).group(1)
    selectors = [s.strip() for block in re.findall(r"([^{}]+)\{", css) for s in block.split(",")]
    outside_media = [s for s in selectors if s and not s.startswith("@media")]
    assert all(s.startswith(".ss-report") for s in outside_media), outside_media


def test_svg_bar_lengths_are_proportional_to_counts(result):
    doc = parse(result.html())
    bars = [a for t, a in doc.tags if t == "rect" and a.get("class") == "bar"]
    assert len(bars) == 3
    counts = {(a["data-column"], a["data-rule"]): int(a["data-count"]) for a in bars}
    assert counts[("amount", "null_in_required")] == 3 and counts[(HOSTILE, "null_in_required")] == 1
    top = max(counts.values())
    for a in bars:
        assert float(a["width"]) == pytest.approx(int(a["data-count"]) / top * BAR_WIDTH, abs=1e-3)


def test_svg_bars_for_many_rules_and_skewed_counts():
    violations = [{"column": f"c{i}", "rule": "null_in_required", "count": c}
                  for i, c in enumerate([1, 7, 1_000_000, 250_000, 3])]
    report = {"status": "violations", "counts": {"rows": 2_000_000, "valid": 1, "quarantined": 1,
                                                 "violations": violations}}
    doc = parse(render_html(report))
    widths = {a["data-column"]: float(a["width"]) for t, a in doc.tags if t == "rect"}
    assert widths["c2"] == pytest.approx(BAR_WIDTH)
    assert widths["c3"] == pytest.approx(BAR_WIDTH / 4)
    assert widths["c1"] / widths["c0"] == pytest.approx(7, rel=1e-2)


def test_console_view_fits_100_columns_and_escapes_controls(result):
    text = str(result)
    assert repr(result) == text
    for line in text.splitlines():
        assert display_width(line) <= 100, line
        assert not any(unicodedata.category(ch) == "Cc" for ch in line), repr(line)
    assert "\\x1b[31m" in text  # the ANSI escape is shown, not sent to the terminal
    assert "Violations per column and rule" in text and "amount · null_in_required" in text


@pytest.mark.parametrize("width", [60, 80, 100])
def test_console_view_any_width_with_long_names(width):
    long = "very_long_column_name_" * 8
    frame = pd.DataFrame({long: [None, 1.0], "x": [1, 2]})
    sig = Schema([ColSpec(DataType.double, long), ColSpec(DataType.string, "missing_one")])
    for r in (notebook.check(frame, sig), notebook.check(frame, Schema([ColSpec(DataType.double, long)]))):
        for line in r.text(width=width).splitlines():
            assert display_width(line) <= width, line


def test_json_is_the_report_contract(result):
    data = json.loads(result.to_json())
    expected_keys = {"report_version", "job", "stream", "status", "exit_code", "message", "run_id", "created_at",
                     "mode", "compat", "input", "signature", "schema", "thresholds", "counts", "examples",
                     "outputs", "plan", "warnings", "error", "spark", "timings"}
    assert set(data) == expected_keys
    assert data["report_version"] == 1 and data["status"] == "violations" and data["exit_code"] == 2
    assert [e["column"] for e in data["schema"]] == ["user_id", "amount", "tags", "address", HOSTILE, "列名", ATTR]
    assert data["schema"][-1]["status"] == "extra"
    assert len(data["examples"]) <= 20
    assert all(set(e) == {"column", "path", "rule", "expected", "found", "value"} for e in data["examples"])
    assert data["signature"]["inputs"] == SIGNATURE.inputs.to_dict()


def test_every_fix_is_valid_python(result):
    mismatch = notebook.check(pd.DataFrame({"User_ID": [1], "amount": ["x"], "address": [1], "tags": [1]}),
                              SIGNATURE)
    assert mismatch.status == "schema_mismatch"
    fixes = [*fixes_for(result.report), *fixes_for(mismatch.report)]
    assert {f.problem for f in fixes} >= {"null_in_required", "missing", "refused"}
    for fix in fixes:
        for code in (fix.code, *(c for _, c in fix.alternatives)):
            compile(code, f"<fix for {fix.column}>", "exec")


def test_pandas_fixes_applied_make_the_data_fit():
    """Paste every fix the view shows, run the check again: the problems are gone."""
    frame = pd.DataFrame({
        "User_Id": [1, 2, 3],
        "amount": [1.0, None, 3.0],
        "score": ["1", "2", "3"],
        "address": [{"country": "FR"}, {"country": None}, {"country": "DE"}],
    })
    sig = Schema([ColSpec(DataType.long, "user_id"), ColSpec(DataType.double, "amount"),
                  ColSpec(DataType.long, "score"), ColSpec(Object([Property("country", DataType.string)]), "address")])
    first = notebook.check(frame, sig)
    assert first.status == "schema_mismatch"
    assert {e["column"]: e["status"] for e in first.report["schema"]}["score"] == "refused"
    namespace = {"df": frame.copy(), "signature": ModelSignature(inputs=sig)}
    for fix in first.fixes:
        exec(fix.code, namespace)
    second = notebook.check(namespace["df"], namespace["signature"])
    assert second.status == "violations"  # the schema fits now; the rows are read, and two have nulls
    assert second.counts.to_dict("records") == [{"column": "address", "rule": "null_in_required", "count": 1},
                                                {"column": "amount", "rule": "null_in_required", "count": 1}]
    for fix in second.fixes:
        exec(fix.code, namespace)
    third = notebook.check(namespace["df"], namespace["signature"])
    assert third.status == "ok", str(third)
    assert third.report["counts"]["rows"] == 2  # amount filled (row 2 kept by it), then dropped for its country


def test_pandas_nested_null_fixes_applied():
    sig = Schema([ColSpec(Array(Array(DataType.long)), "m")])
    frame = pd.DataFrame({"m": [[[1, None], [2]], [[3]]]})
    first = notebook.check(frame, sig)
    assert first.counts.to_dict("records") == [{"column": "m", "rule": "null_in_required", "count": 1}]
    namespace = {"df": frame.copy(), "signature": ModelSignature(inputs=sig)}
    for fix in first.fixes:
        exec(fix.code, namespace)
    assert notebook.check(namespace["df"], namespace["signature"]).ok
    for label, code in first.fixes[0].alternatives:  # keeping only the rows without nulls works too
        namespace = {"df": frame.copy()}
        exec(code, namespace)
        assert len(namespace["df"]) == 1 and notebook.check(namespace["df"], sig).ok, label


def test_schema_mismatch_names_every_refused_column():
    frame = pd.DataFrame({"user_id": ["a"], "amount": [np.int64(1)]})
    sig = Schema([ColSpec(DataType.long, "user_id"), ColSpec(DataType.integer, "amount"),
                  ColSpec(DataType.string, "gone"), ColSpec(DataType.string, "opt", required=False)])
    r = notebook.check(frame, sig)
    status = {e["column"]: e["status"] for e in r.report["schema"]}
    assert status == {"user_id": "refused", "amount": "refused", "gone": "missing", "opt": "missing_optional"}
    assert r.report["counts"] is None and r.report["exit_code"] == 1
    assert r.report["error"]["error"] == "SchemaEnforcementError"
    with pytest.raises(Exception, match="missing inputs"):
        _ = r.valid
    assert r.counts.empty


def test_diff_views_escape_and_fit():
    d = {"old": HOSTILE, "new": "m", "compat": "strict", "is_breaking": True, "changes": [
        {"path": f"inputs.{HOSTILE}", "kind": "added", "old": None, "new": "long (required)", "class": "breaking",
         "reason": ATTR * 10}]}
    doc = parse(render_diff_html(d))
    assert {t for t, _ in doc.tags} <= ALLOWED_TAGS
    assert HOSTILE in "".join(doc.text)
    from spark_signature.report import render_diff_text

    for line in render_diff_text(d).splitlines():
        assert display_width(line) <= 100


def test_mlflow_signature_as_source():
    mlflow_models = pytest.importorskip("mlflow.models")
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]})
    sig = mlflow_models.infer_signature(frame)
    r = notebook.check(frame.assign(x=[1.0, None]), sig)
    assert r.counts.to_dict("records") == [{"column": "x", "rule": "null_in_required", "count": 1}]
    assert r.report["signature"]["inputs"] == json.loads(sig.inputs.to_json())
    r2 = notebook.check(frame, sig.inputs)  # an MLflow Schema
    assert r2.ok
