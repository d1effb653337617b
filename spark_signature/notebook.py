"""The notebook helper: does this DataFrame fit the model, where not, and how to fix it -- in one call.

``r = notebook.check(df, source)`` runs the enforcement engine (``enforce(mode="split")`` for a Spark
DataFrame, the local engine for pandas) and returns a :class:`NotebookCheck`: it renders in Jupyter
(``_repr_html_``), in Databricks (``displayHTML(r.html())``) and in a console (``print(r)``, at most
100 columns), and holds the data (``r.valid``, ``r.quarantine``, ``r.counts``, ``r.to_json()``).

Thin on purpose: the library decides (the engines; :mod:`spark_signature.report_builder`, the one builder
of the report dict the jobs write too, with its schema comparison, status and message),
:mod:`spark_signature.report` renders.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spark_signature.dispatch import is_pandas_like, is_spark_dataframe
from spark_signature.errors import (
    ConfigError,
    Rule,
    SchemaEnforcementError,
    SignatureError,
    TypeMappingError,
)
from spark_signature.report_builder import (
    MAX_EXAMPLES,
    SHOWN_BAD_ROWS,
    bad_row,
    build_report,
    cell_text,
    error_line,
    error_section,
    error_status,
    judge,
    pandas_schema_section,
    pick_examples,
    plan_section,
    schema_section,
    signature_section,
    spark_section,
)
from spark_signature.sources import describe_source, signature_of
from spark_signature.types import Compat, ModelSignature, Schema
from spark_signature.violations import VIOLATION_FIELDS, Counts

__all__ = ["NotebookCheck", "check"]

#: Bad rows shown by default (the report's examples hold up to MAX_EXAMPLES violations).
SHOWN_ROWS = SHOWN_BAD_ROWS


class NotebookCheck:
    """The outcome of :func:`check`: the report dict, a sample of bad rows, and the data.

    ``valid`` / ``quarantine`` are Spark DataFrames (lazy, one tagged pass, as ``enforce``'s) or pandas
    DataFrames. When the schema alone refuses the input, no row was checked: ``error`` holds the
    :class:`SchemaEnforcementError` and ``valid`` / ``quarantine`` raise it.
    """

    def __init__(self, report: dict[str, Any], bad_rows: list[dict[str, Any]], *, signature: ModelSignature,
                 valid: Any = None, quarantine: Any = None, error: SignatureError | None = None,
                 result: Any = None) -> None:
        self.report = report
        self.bad_rows = bad_rows
        self.signature = signature
        self.error = error
        self.result = result  # the engine's own result (SplitResult for Spark), for more than the view shows
        self._valid = valid
        self._quarantine = quarantine

    # -- the data ----------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return str(self.report["status"])

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def _data(self, value: Any) -> Any:
        if self.error is not None:
            raise self.error
        return value

    @property
    def valid(self) -> Any:
        """The rows that fit, converted to the signature's types and order."""
        return self._data(self._valid)

    @property
    def quarantine(self) -> Any:
        """The rows that do not fit, unchanged, with their violations (``_violations``)."""
        return self._data(self._quarantine)

    @property
    def counts(self) -> Any:
        """Violations per column and rule, as a small pandas DataFrame (``column``, ``rule``, ``count``)."""
        import pandas as pd

        rows = (self.report.get("counts") or {}).get("violations") or []
        return pd.DataFrame(rows, columns=["column", "rule", "count"])

    @property
    def fixes(self) -> list[Any]:
        """Every problem with its fix as pasteable code (what the views show)."""
        from spark_signature.report import fixes_for

        return fixes_for(self.report)

    def to_dict(self) -> dict[str, Any]:
        """The report (``docs/report.md``, report_version 1), a copy."""
        return copy.deepcopy(self.report)

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text: the same structure as the jobs' ``--report`` file."""
        return json.dumps(self.report, indent=indent, default=str)

    # -- the views -------------------------------------------------------------------------------------

    def html(self) -> str:
        """A self-contained HTML page (``displayHTML(r.html())`` in Databricks)."""
        from spark_signature.report import render_html

        return render_html(self.report, bad_rows=self.bad_rows)

    def _repr_html_(self) -> str:
        from spark_signature.report import render_html

        return render_html(self.report, bad_rows=self.bad_rows, full_page=False)

    def save_html(self, path: str | Path) -> Path:
        """Write :meth:`html` to ``path``; returns the path."""
        from spark_signature.report import save_html

        return Path(save_html(self.report, str(path), bad_rows=self.bad_rows))

    def text(self, width: int = 100) -> str:
        from spark_signature.report import render_text

        return render_text(self.report, bad_rows=self.bad_rows, width=width)

    def __str__(self) -> str:
        return self.text()

    __repr__ = __str__


def _inputs(signature: ModelSignature) -> Schema:
    if signature.inputs is None:
        raise ConfigError("The signature has no inputs schema to check the data against.",
                          rule=Rule.INVALID_OPTION, path="source", fix="add `inputs` to the signature")
    return signature.inputs


def _report(base: Mapping[str, Any], *, counts: Counts | None, error: SignatureError | None = None,
            examples: list[dict[str, Any]] | None = None, plan: dict[str, Any] | None = None,
            warnings_: list[str] | None = None, timings: Mapping[str, float]) -> dict[str, Any]:
    """The report of a check, built as the jobs build theirs: the status and message an error decides
    (no row was read) or the counts decide (no thresholds: any bad row is a violation)."""
    from spark_signature.pipeline import derive_run_id

    if error is not None:
        status, message = error_status(error, rows_read=False), error_line(error)
    else:
        assert counts is not None
        status, message = judge(counts, None, None)
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    run_id = derive_run_id({"input": base["input"], "signature": base["signature"]["sha256"], "created_at": created})
    return build_report(
        **base, status=status, message=message, run_id=run_id, created_at=created, mode="split",
        counts=None if counts is None else counts.as_dict(), examples=pick_examples(examples or []), plan=plan,
        warnings=list(warnings_ or []), error=error_section(error),
        timings={k: round(v, 3) for k, v in timings.items()},
    )  # fmt: skip


def _base(signature: ModelSignature, source: str, schema: list[dict[str, Any]], compat: Compat, input_format: str,
          session: Any) -> dict[str, Any]:
    return {"signature": signature_section(source, signature), "schema": schema, "compat": compat.value,
            "input": {"format": input_format}, "spark": spark_section(session)}


def _check_spark(df: Any, signature: ModelSignature, compat: Compat, params: dict | None, rows: int,
                 progress: bool | None, source: str, started: float) -> NotebookCheck:
    from spark_signature.enforcement.spark import enforce
    from spark_signature.progress import SparkProgress

    base = _base(signature, source, schema_section(_inputs(signature), df.schema, compat), compat, "dataframe",
                 df.sparkSession)
    try:
        result = enforce(df, signature, mode="split", compat=compat, params=params)
    except (SchemaEnforcementError, TypeMappingError) as exc:  # bad params too: the report says which
        return _failed(base, signature, exc, started)
    planned = time.perf_counter()
    with SparkProgress(df.sparkSession, "checking rows", enabled=progress):
        counts = result.counts
        sample = result.quarantine.limit(max(rows, MAX_EXAMPLES)).collect() if counts.quarantined else []
    enforced = time.perf_counter()
    sampled = [bad_row(row, df.columns, result.violations_column) for row in sample]
    examples = [v for row in sampled for v in row["violations"]]
    bad_rows = sampled[:rows]
    report = _report(base, counts=counts, examples=examples, plan=plan_section(result), warnings_=result.warnings,
                     timings={"plan_s": planned - started, "enforce_s": enforced - planned,
                              "total_s": enforced - started})
    return NotebookCheck(report, bad_rows, signature=signature, valid=result.valid, quarantine=result.quarantine,
                         result=result)


def _failed(base: Mapping[str, Any], signature: ModelSignature, exc: SignatureError,
            started: float) -> NotebookCheck:
    elapsed = time.perf_counter() - started
    report = _report(base, counts=None, error=exc, timings={"plan_s": elapsed, "total_s": elapsed})
    return NotebookCheck(report, [], signature=signature, error=exc)


def _check_pandas(frame: Any, signature: ModelSignature, compat: Compat, params: dict | None, rows: int,
                  source: str, started: float) -> NotebookCheck:
    import numpy as np

    from spark_signature.enforcement.local import find_violations, validate_schema
    from spark_signature.enforcement.params import validate_params

    inputs = _inputs(signature)
    base = _base(signature, source, pandas_schema_section(frame, inputs, compat), compat, "pandas", None)
    try:
        if params is not None or signature.params is not None:
            validate_params(params, signature.params)
        records = find_violations(frame, inputs, compat=compat)
    except (SchemaEnforcementError, TypeMappingError) as exc:  # bad params too: the report says which
        return _failed(base, signature, exc, started)
    planned = time.perf_counter()
    by_row: dict[int, list[dict[str, Any]]] = {}
    by_rule: dict[tuple[str, str], int] = {}
    for r in records:
        by_row.setdefault(int(r["row"]), []).append({f: r.get(f) for f in VIOLATION_FIELDS})
        key = (str(r["column"]), str(r["rule"]))
        by_rule[key] = by_rule.get(key, 0) + 1
    bad = sorted(by_row)
    keep = np.ones(len(frame), dtype=bool)
    keep[bad] = False
    quarantine = frame.iloc[bad].copy()
    quarantine["_violations"] = [by_row[p] for p in bad]
    rest = frame.iloc[np.flatnonzero(keep)]
    valid = rest if len(rest) == 0 or inputs.is_tensor_spec() else validate_schema(rest, inputs, compat=compat)
    counts = Counts(len(frame), len(valid), len(quarantine), by_rule).verify()
    bad_rows = [{"row": cell_text(frame.index[p]),
                 "values": {str(c): cell_text(frame.iloc[p][c]) for c in frame.columns},
                 "violations": by_row[p]} for p in bad[:rows]]
    examples = [v for p in bad for v in by_row[p]]
    done = time.perf_counter()
    report = _report(base, counts=counts, examples=examples,
                     timings={"plan_s": planned - started, "enforce_s": done - planned, "total_s": done - started})
    return NotebookCheck(report, bad_rows, signature=signature, valid=valid, quarantine=quarantine,
                         result=records)


def check(df: Any, source: Any, *, compat: Compat | str = Compat.STRICT, params: dict | None = None,
          rows: int = SHOWN_ROWS, progress: bool | None = None) -> NotebookCheck:
    """Check ``df`` (Spark or pandas) against ``source`` and return the view of the outcome.

    ``source`` is a ModelSignature, a Schema, or anything :func:`spark_signature.load_signature` takes
    (model directory or URI, MLmodel or signature file). Spark DataFrames go through
    ``enforce(mode="split")`` (one pass for the counts; up to 20 bad rows are fetched for the view, never
    the data set); pandas through the local engine. ``params`` are checked against the signature's
    params. ``rows`` bad rows are shown. ``progress``: Spark's tasks as a progress bar (default: in
    notebooks, when tqdm is installed; quietly nothing under Spark Connect).

    A schema that refuses the input does not raise: the result shows which columns and why
    (``status == "schema_mismatch"``). A bad ``source`` or option raises a clear error.
    """
    started = time.perf_counter()
    compat = Compat.parse(compat)
    signature = signature_of(source, data=False)
    label = describe_source(source)
    if is_spark_dataframe(df):
        return _check_spark(df, signature, compat, params, rows, progress, label, started)
    if is_pandas_like(df):
        frame = df.to_frame() if type(df).__name__ == "Series" else df
        return _check_pandas(frame, signature, compat, params, rows, label, started)
    kind = f"{type(df).__module__.split('.')[0]}.{type(df).__name__}"
    raise ConfigError(
        f"notebook.check takes a Spark or pandas DataFrame, got {kind}.",
        rule=Rule.INVALID_OPTION, path="df", expected="pyspark.sql.DataFrame or pandas.DataFrame", found=kind,
        fix="wrap the data in pandas.DataFrame(...) or spark.createDataFrame(...)",
    )
