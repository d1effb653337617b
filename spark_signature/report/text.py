"""The console view of a report or a diff: plain text, at most 100 columns wide.

Widths are display widths (a CJK character takes two columns, a combining mark none), and data is
made printable first: control characters (newlines, ANSI escapes) in a column name or value are shown
escaped, so a hostile value can neither break the layout nor drive the terminal. Every line is
checked against the width at the end; a line that would still be too long is folded.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["WIDTH", "display_width", "printable", "render_diff_text", "render_text", "shorten"]

WIDTH = 100
_MARKS = {"ok": "✓", "converted": "✓", "checked": "✓", "missing_optional": "✓", "extra": "·",
          "missing": "✗", "refused": "✗"}


def printable(value: Any) -> str:
    """``value`` as one line of text: control characters escaped (``\\n``, ``\\x1b``)."""
    text = "null" if value is None else str(value)
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(_char_width(ch) for ch in text)


def shorten(value: Any, width: int) -> str:
    """``value`` (made printable) cut to ``width`` display columns, ``…`` marking the cut."""
    text = printable(value)
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = _char_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _pad(value: Any, width: int) -> str:
    text = shorten(value, width)
    return text + " " * (width - display_width(text))


def _fold(line: str, width: int, indent: str = "    ") -> list[str]:
    """Split a line longer than ``width`` display columns, at a space where one is near the cut;
    continuation lines are indented."""
    lines: list[str] = []
    while display_width(line) > width:
        cut, used = 0, 0
        for i, ch in enumerate(line):
            used += _char_width(ch)
            if used > width:
                cut = i
                break
        space = line.rfind(" ", len(indent) + 1, cut)
        if space > cut - 30 and line[:space].strip():
            cut = space
        lines.append(line[:cut].rstrip())
        line = indent + line[cut:].lstrip(" ")
    lines.append(line)
    return lines


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Word-wrap printable text to ``width`` display columns (over-long words are folded)."""
    lines: list[str] = []
    current = ""
    for word in printable(text).split(" "):
        trial = f"{current} {word}" if current else indent + word
        if current and display_width(trial) > width:
            lines.append(current)
            current = indent + word
        else:
            current = trial
    if current.strip():
        lines.append(current)
    out: list[str] = []
    for line in lines:
        out.extend(_fold(line, width, indent + "  "))
    return out


def _finish(lines: Sequence[str], width: int) -> str:
    out: list[str] = []
    for line in lines:
        out.extend(_fold(line.rstrip(), width))
    return "\n".join(out)


def _counts_line(report: Mapping[str, Any]) -> str:
    counts = report.get("counts")
    parts = []
    if counts:
        parts.append(f"rows {counts['rows']:,} · valid {counts['valid']:,} · quarantined {counts['quarantined']:,}")
    parts.append(f"mode {report.get('mode')} · compat {report.get('compat')}")
    return " · ".join(parts)


def _schema_table(schema: Sequence[Mapping[str, Any]], width: int) -> list[str]:
    cols = [("column", 20), ("expected", 27), ("found", 18), ("req", 3)]
    used = sum(w for _, w in cols) + 2 * len(cols) + 2
    status_w = max(8, width - used)
    header = "  " + "  ".join(_pad(name, w) for name, w in cols) + "  " + "status"
    lines = [header]
    for e in schema:
        required = "" if e.get("status") == "extra" else {True: "yes", False: "no"}.get(e.get("required"), "")
        status = f"{_MARKS.get(e.get('status'), '?')} {e.get('status')}"
        cells = [e.get("column"), e.get("expected") or "", e.get("found"), required]
        lines.append("  " + "  ".join(_pad(c, w) for c, (_, w) in zip(cells, cols, strict=True)) + "  "
                     + shorten(status, status_w))
    return lines


def _bars(violations: Sequence[Mapping[str, Any]], width: int) -> list[str]:
    rows = sorted((v for v in violations if v.get("count")), key=lambda v: (-int(v["count"]), str(v["column"])))
    if not rows:
        return []
    top = max(int(v["count"]) for v in rows)
    label_w, count_w = 40, 14
    bar_w = width - label_w - count_w - 6
    lines = []
    for v in rows:
        count = int(v["count"])
        n = max(1, round(count / top * bar_w))
        label = _pad(f"{v['column']} · {v['rule']}", label_w)
        lines.append(f"  {label}  {'█' * n}{' ' * (bar_w - n)}  {count:,}")
    return lines


def _bad_rows(rows: Sequence[Mapping[str, Any]], width: int) -> list[str]:
    lines: list[str] = []
    for i, row in enumerate(rows):
        bad = {str(v.get("column")) for v in row.get("violations", [])}
        cells = []
        for name, value in row.get("values", {}).items():
            shown = shorten(value, 24)
            cells.append(f"{shorten(name, 20)}=[!{shown}]" if name in bad else f"{shorten(name, 20)}={shown}")
        label = f"row {row['row']}" if row.get("row") is not None else f"#{i + 1}"
        lines.extend(_wrap(f"{label}: " + ", ".join(cells), width, "  "))
        for v in row.get("violations", [])[:6]:
            lines.extend(_wrap(f"! {v.get('path')}: {v.get('rule')}, expected {v.get('expected')}, found "
                               f"{v.get('found')}, value {printable(v.get('value'))}", width, "      "))
    return lines


def render_text(report: Mapping[str, Any], *, bad_rows: Sequence[Mapping[str, Any]] = (), width: int = WIDTH,
                max_fixes: int = 12) -> str:
    """The report as console text, every line at most ``width`` display columns."""
    from spark_signature.report.fixes import fixes_for

    status = str(report.get("status", "?"))
    lines = [f"spark_signature report: {status.upper()} (exit {report.get('exit_code')})"]
    lines.extend(_wrap(str(report.get("message") or ""), width))
    lines.extend(_wrap(_counts_line(report), width))
    source = (report.get("signature") or {}).get("source")
    if source:
        lines.append(shorten(f"signature: {source}", width))
    schema = report.get("schema") or []
    if schema:
        lines += ["", "Schema", *_schema_table(schema, width)]
    counts = report.get("counts") or {}
    bars = _bars(counts.get("violations") or [], width)
    if bars:
        lines += ["", "Violations per column and rule", *bars]
    if bad_rows:
        lines += ["", f"Bad rows (first {len(bad_rows)} of {counts.get('quarantined', len(bad_rows)):,})"]
        lines += _bad_rows(bad_rows, width)
    elif report.get("examples"):
        lines += ["", "Examples"]
        for e in report["examples"][:10]:
            lines.extend(_wrap(f"! {e.get('path')}: {e.get('rule')}, expected {e.get('expected')}, found "
                               f"{e.get('found')}, value {printable(e.get('value'))}", width, "  "))
    fixes = fixes_for(report)
    if fixes:
        lines += ["", "Fixes (pasteable; r.html() shows them in full)"]
        for n, fix in enumerate(fixes[:max_fixes], 1):
            lines.extend(_wrap(f"{n}. {fix.column}: {fix.title}", width, "  "))
            for code_line in fix.code.splitlines():
                lines.extend(_fold("     " + printable(code_line), width, "       "))
            for label, code in fix.alternatives:
                lines.extend(_wrap(f"or {label}:", width, "     "))
                for code_line in code.splitlines():
                    lines.extend(_fold("       " + printable(code_line), width, "         "))
        if len(fixes) > max_fixes:
            lines.append(f"  … {len(fixes) - max_fixes} more in r.html()")
    for w in report.get("warnings") or []:
        lines.extend(_wrap(f"warning: {w}", width))
    error = report.get("error")
    if error and error.get("fix"):
        lines.extend(_wrap(f"Fix: {error['fix']}", width))
    return _finish(lines, width)


def render_diff_text(d: Mapping[str, Any], *, width: int = WIDTH) -> str:
    """A signature diff as console text (``spark_signature.diff(...)``'s ``str``)."""
    changes = d.get("changes") or []
    breaking = [c for c in changes if c.get("class") == "breaking"]
    verdict = "BREAKING" if breaking else "COMPATIBLE"
    lines = [f"Signature diff: {verdict} ({len(breaking)} breaking, {len(changes) - len(breaking)} compatible)"]
    lines.append(shorten(f"old: {d.get('old')}", width))
    lines.append(shorten(f"new: {d.get('new')}", width))
    if not changes:
        lines.append("no changes")
    for c in sorted(changes, key=lambda c: c.get("class") != "breaking"):
        mark = "✗" if c.get("class") == "breaking" else "✓"
        what = " -> ".join("—" if x is None else printable(x) for x in (c.get("old"), c.get("new")))
        lines.append(shorten(f"{mark} {c.get('class'):<10} {c.get('path')}  {c.get('kind')}: {what}", width))
        lines.extend(_wrap(str(c.get("reason")), width, "               "))
    table = d.get("table")
    if table:
        verdict = "fits the new signature" if table.get("fits") else "does NOT fit the new signature"
        # The verdict comes first, so a long table name can only shorten itself.
        lines += ["", f"The table {verdict} (decided from its schema)", shorten(f"table: {table.get('name')}", width)]
        lines += _schema_table(table.get("schema") or [], width)
    return _finish(lines, width)
