"""Rendering reports and diffs: one renderer for the notebook, the jobs and the diff views.

* :func:`render_html` / :func:`render_text` -- a report dict (``docs/report.md``) as a self-contained
  HTML page (or a notebook fragment) and as console text at most 100 columns wide;
* :func:`render_diff_html` / :func:`render_diff_text` -- a :class:`spark_signature.signature_diff.SignatureDiff`
  dict, the same way;
* :func:`fixes_for` -- every problem of a report with its fix as pasteable code (both views show them).

Pure Python: a JSON report renders without Spark (pyspark is imported only to name Spark types in fixes).
"""

from spark_signature.report.fixes import Fix, fixes_for
from spark_signature.report.html import render_diff_html, render_html
from spark_signature.report.text import WIDTH, render_diff_text, render_text

__all__ = ["WIDTH", "Fix", "fixes_for", "render_diff_html", "render_diff_text", "render_html", "render_text",
           "save_html"]


def save_html(report: dict, path: str, **options: object) -> str:
    """Write :func:`render_html` of ``report`` to ``path`` (UTF-8, parent directories created); returns the
    path. The notebook's ``save_html`` and the jobs' ``--report-html`` both write through here."""
    from pathlib import Path

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(report, **options), encoding="utf-8")  # type: ignore[arg-type]
    return str(path)
