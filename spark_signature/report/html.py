"""The HTML view of a report or a diff: one self-contained page (or a notebook fragment).

Inline CSS and SVG only: no CDN, no font or image download, no JavaScript; it reads offline, prints
(``@media print``) and marks status with a symbol and a word as well as a colour. Every value from data
or a model goes through :mod:`spark_signature.report.markup`, which escapes by default. All CSS
selectors sit under ``.ss-report``, so the fragment shown in Jupyter styles nothing around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spark_signature.report.fixes import fixes_for
from spark_signature.report.markup import Safe, el
from spark_signature.report.svg import bar_chart

__all__ = ["CSS", "render_diff_html", "render_html"]

CSS = Safe("""
.ss-report{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;
  color:#1f2328;background:#fff;font-size:14px;line-height:1.45;max-width:1120px;margin:0 auto;padding:16px 20px}
.ss-report h1{font-size:22px;margin:0 0 4px}
.ss-report h2{font-size:16px;margin:22px 0 8px;padding-bottom:4px;border-bottom:1px solid #d0d7de}
.ss-report h3{font-size:14px;margin:12px 0 4px}
.ss-report .msg{font-size:15px;margin:6px 0 10px}
.ss-report .meta{color:#57606a;font-size:12.5px;margin:2px 0}
.ss-report code,.ss-report pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
  font-size:12.5px}
.ss-report pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 10px;margin:4px 0 10px;
  white-space:pre-wrap;overflow-wrap:anywhere}
.ss-report table{border-collapse:collapse;width:100%;margin:4px 0 8px;font-size:inherit}
.ss-report th,.ss-report td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top;
  word-break:break-word}
.ss-report th{background:#f6f8fa;font-weight:600}
.ss-report .pill{display:inline-block;border-radius:10px;padding:1px 9px;font-weight:600;font-size:12.5px;
  border:1px solid currentColor;white-space:nowrap}
.ss-report .s-ok,.ss-report .s-converted,.ss-report .s-checked,.ss-report .s-missing_optional,
.ss-report .s-compatible{color:#1a7f37;background:#dafbe1}
.ss-report .s-violations,.ss-report .s-missing,.ss-report .s-refused,.ss-report .s-schema_mismatch,
.ss-report .s-error,.ss-report .s-breaking{color:#a40e26;background:#ffebe9}
.ss-report .s-extra{color:#57606a;background:#f6f8fa}
.ss-report .stats{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0}
.ss-report .stat{border:1px solid #d0d7de;border-radius:6px;padding:6px 14px;min-width:110px}
.ss-report .stat b{display:block;font-size:20px}
.ss-report .stat span{color:#57606a;font-size:12px}
.ss-report td.bad{background:#ffebe9;outline:2px solid #cf222e;outline-offset:-2px;font-weight:600}
.ss-report tr.why td{background:#fff8f7;color:#57606a;font-size:12.5px;border-top:none}
.ss-report mark{background:#ffd8d3;color:#1f2328;padding:0 2px}
.ss-report svg.chart{max-width:100%;height:auto}
.ss-report svg .bar{fill:#cf222e}
.ss-report svg .lbl,.ss-report svg .cnt{font-size:12.5px;fill:#1f2328;
  font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
.ss-report .alt{margin:2px 0;color:#57606a;font-size:12.5px}
.ss-report .foot{color:#57606a;font-size:12px;margin-top:24px;border-top:1px solid #d0d7de;padding-top:6px}
@media print{.ss-report{max-width:none;padding:0;font-size:11pt}
  .ss-report h2{break-after:avoid}.ss-report table,.ss-report .fix{break-inside:avoid}}
""")

_SYMBOL = {"ok": "✓", "converted": "✓", "checked": "✓", "missing_optional": "✓", "extra": "·", "missing": "✗",
           "refused": "✗", "violations": "✗", "schema_mismatch": "✗", "error": "✗", "compatible": "✓",
           "breaking": "✗"}
_STATUS_TITLE = {"ok": "OK", "violations": "Violations", "schema_mismatch": "Schema mismatch", "error": "Error"}
_CELL_CHARS = 80


def _pill(status: Any, label: Any = None) -> Safe:
    s = str(status)
    return el("span", f"{_SYMBOL.get(s, '?')} {label if label is not None else s}", class_=f"pill s-{s}")


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else ("—" if value is None else str(value))


def _cut(value: Any, limit: int = _CELL_CHARS) -> str:
    text = "null" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _page(title: str, body: Safe, full_page: bool) -> str:
    content = el("div", body, class_="ss-report")
    if not full_page:
        return str(el("div", el("style", CSS), content))
    head = el("head", Safe('<meta charset="utf-8">'),
              Safe('<meta name="viewport" content="width=device-width, initial-scale=1">'),
              el("title", title), el("style", CSS))
    return "<!DOCTYPE html>\n" + str(el("html", head, el("body", content, style="margin:0"), lang="en"))


def _header(report: Mapping[str, Any]) -> list[Safe]:
    status = str(report.get("status"))
    counts = report.get("counts") or {}
    sig = report.get("signature") or {}
    inp = report.get("input") or {}
    parts = [
        el("h1", "Signature check ", _pill(status, _STATUS_TITLE.get(status, status))),
        el("p", report.get("message"), class_="msg"),
    ]
    if counts:
        problems = sum(int(v.get("count") or 0) for v in counts.get("violations") or [])
        parts.append(el("div", *[el("div", el("b", _num(v)), el("span", k), class_="stat") for k, v in (
            ("rows", counts.get("rows")), ("valid", counts.get("valid")),
            ("quarantined", counts.get("quarantined")), ("violations", problems))], class_="stats"))
    where = inp.get("path") or inp.get("format")
    parts.append(el("p", "signature ", el("code", sig.get("source")), " · sha256 ",
                    el("code", str(sig.get("sha256") or "")[:12]), class_="meta"))
    parts.append(el("p", f"input {where or '—'}", f" · Delta version {inp['delta_version']}"
                    if inp.get("delta_version") is not None else "",
                    f" · mode {report.get('mode')} · compat {report.get('compat')} · {report.get('created_at')}",
                    class_="meta"))
    return parts


def _schema(schema: Sequence[Mapping[str, Any]]) -> list[Safe]:
    if not schema:
        return []
    head = el("tr", *[el("th", h) for h in ("column", "expected", "found", "required", "status")])
    rows = [el("tr",
               el("td", el("code", e.get("column"))),
               el("td", e.get("expected") if e.get("expected") is not None else "—"),
               el("td", el("code", e.get("found"))),
               el("td", "—" if e.get("status") == "extra" else {True: "yes", False: "no"}.get(e.get("required"), "—")),
               el("td", _pill(e.get("status"))),
               data_status=e.get("status"))
            for e in schema]
    return [el("h2", "Schema: the signature against the input"), el("table", el("thead", head), el("tbody", rows),
                                                                     class_="schema")]


def _chart(report: Mapping[str, Any]) -> list[Safe]:
    violations = (report.get("counts") or {}).get("violations") or []
    chart = bar_chart(violations)
    if not chart:
        return []
    return [el("h2", "Violations per column and rule"), chart]


def _violation_line(v: Mapping[str, Any]) -> Safe:
    return el("div", el("code", v.get("path")), f": {v.get('rule')} · expected {v.get('expected')} · found "
              f"{v.get('found')} · value ", el("mark", _cut(v.get("value"))))


def _bad_rows(report: Mapping[str, Any], bad_rows: Sequence[Mapping[str, Any]]) -> list[Safe]:
    if not bad_rows:
        examples = report.get("examples") or []
        if not examples:
            return []
        head = el("tr", *[el("th", h) for h in ("column", "path", "rule", "expected", "found", "value")])
        rows = [el("tr", el("td", el("code", e.get("column"))), el("td", el("code", e.get("path"))),
                   el("td", e.get("rule")), el("td", e.get("expected")), el("td", e.get("found")),
                   el("td", el("mark", _cut(e.get("value"))), class_="bad")) for e in examples]
        return [el("h2", "Example violations"), el("table", el("thead", head), el("tbody", rows), class_="examples")]
    names: list[str] = []
    for row in bad_rows:
        names.extend(n for n in row.get("values", {}) if n not in names)
    head = el("tr", el("th", "row"), *[el("th", el("code", n)) for n in names])
    body = []
    for i, row in enumerate(bad_rows):
        violations = row.get("violations") or []
        bad = {str(v.get("column")) for v in violations}
        values = row.get("values", {})
        cells = [el("td", _cut(values.get(n), 60) if n in values else "",
                    class_="bad" if n in bad else None,
                    title="; ".join(f"{v.get('path')}: {v.get('rule')}" for v in violations
                                    if str(v.get("column")) == n) or None)
                 for n in names]
        label = row.get("row") if row.get("row") is not None else i + 1
        body.append(el("tr", el("td", label), cells, class_="badrow"))
        body.append(el("tr", el("td", ""), el("td", [_violation_line(v) for v in violations[:8]],
                                             colspan=len(names)), class_="why"))
    quarantined = (report.get("counts") or {}).get("quarantined")
    title = f"Bad rows (the first {len(bad_rows)} of {_num(quarantined)})"
    return [el("h2", title), el("table", el("thead", head), el("tbody", body), class_="badrows")]


def _fixes(report: Mapping[str, Any]) -> list[Safe]:
    fixes = fixes_for(report)
    if not fixes:
        return []
    items = [el("div", el("h3", f"{n}. ", el("code", f.column), f" — {f.title}"),
                el("pre", el("code", f.code)),
                [[el("p", f"or {label}:", class_="alt"), el("pre", el("code", code))]
                 for label, code in f.alternatives],
                class_="fix", data_problem=f.problem)
             for n, f in enumerate(fixes, 1)]
    return [el("h2", "How to fix it (paste into the notebook)"), *items]


def _outputs(report: Mapping[str, Any]) -> list[Safe]:
    outputs = {k: v for k, v in (report.get("outputs") or {}).items() if v}
    if not outputs:
        return []
    rows = [el("tr", el("td", k), el("td", el("code", v.get("path"))), el("td", _num(v.get("delta_version"))),
               el("td", _num(v.get("rows")))) for k, v in outputs.items()]
    head = el("tr", *[el("th", h) for h in ("output", "path", "Delta version", "rows")])
    return [el("h2", "Outputs"), el("table", el("thead", head), el("tbody", rows))]


def _notes(report: Mapping[str, Any]) -> list[Safe]:
    parts: list[Safe] = []
    error = report.get("error")
    if error:
        parts += [el("h2", "Error"), el("pre", el("code", error.get("message")))]
        if error.get("fix") and not fixes_for(report):
            parts.append(el("p", el("b", "Fix: "), error.get("fix")))
    warnings = report.get("warnings") or []
    if warnings:
        parts += [el("h2", "Warnings"), el("ul", [el("li", w) for w in warnings])]
    return parts


def _footer(report: Mapping[str, Any]) -> Safe:
    spark = report.get("spark") or {}
    timings = report.get("timings") or {}
    spent = " · ".join(f"{k} {v:.2f}" for k, v in timings.items() if isinstance(v, (int, float)))
    bits = [f"report_version {report.get('report_version')}", f"run {report.get('run_id')}"]
    if spark.get("version"):
        bits.append(f"Spark {spark.get('version')} {spark.get('master') or ''} {spark.get('application_id') or ''}")
    if spent:
        bits.append(f"seconds: {spent}")
    return el("div", " · ".join(b.strip() for b in bits), class_="foot")


def render_html(report: Mapping[str, Any], *, bad_rows: Sequence[Mapping[str, Any]] = (),
                full_page: bool = True) -> str:
    """The report as HTML: a whole page (``full_page``), or a fragment for ``_repr_html_``.

    ``bad_rows`` are ``{"row", "values": {column: text}, "violations": [...]}`` dicts (the notebook's
    sample of quarantined rows); without them the report's ``examples`` are shown.
    """
    body = Safe("".join([*_header(report), *_schema(report.get("schema") or []), *_chart(report),
                         *_bad_rows(report, bad_rows), *_fixes(report), *_outputs(report), *_notes(report),
                         _footer(report)]))
    return _page(f"spark_signature report: {_STATUS_TITLE.get(str(report.get('status')), 'report')}", body, full_page)


def render_diff_html(d: Mapping[str, Any], *, full_page: bool = True) -> str:
    """A signature diff as HTML (same page frame and styles as the report)."""
    changes = list(d.get("changes") or [])
    breaking = [c for c in changes if c.get("class") == "breaking"]
    verdict = "breaking" if breaking else "compatible"
    parts: list[Safe] = [
        el("h1", "Signature diff ", _pill(verdict, verdict.upper())),
        el("p", f"{len(breaking)} breaking, {len(changes) - len(breaking)} compatible change(s)", class_="msg"),
        el("p", "old ", el("code", d.get("old")), " → new ", el("code", d.get("new")),
           f" · compat {d.get('compat')}", class_="meta"),
    ]
    if changes:
        head = el("tr", *[el("th", h) for h in ("class", "path", "change", "old", "new", "why")])
        ordered = sorted(changes, key=lambda c: c.get("class") != "breaking")
        rows = [el("tr", el("td", _pill(c.get("class"))), el("td", el("code", c.get("path"))),
                   el("td", c.get("kind")), el("td", el("code", c.get("old")) if c.get("old") is not None else "—"),
                   el("td", el("code", c.get("new")) if c.get("new") is not None else "—"),
                   el("td", c.get("reason")), data_class=c.get("class")) for c in ordered]
        parts.append(el("table", el("thead", head), el("tbody", rows), class_="changes"))
    else:
        parts.append(el("p", "No changes."))
    table = d.get("table")
    if table:
        verdict = "fits the new signature" if table.get("fits") else "does not fit the new signature"
        parts.append(el("p", "Table ", el("code", table.get("name")), f" {verdict} (decided from its schema).",
                        class_="msg"))
        parts.extend(_schema(table.get("schema") or []))
    return _page(f"Signature diff: {verdict}", Safe("".join(parts)), full_page)

