"""The validation report (``report_version`` 1, docs/report.md) as data: built here, rendered elsewhere.

The jobs write it as JSON (``--report``), the notebook helper and the HTML view render the same dict.
Every key of docs/report.md is always present (``None`` where it does not apply); the key tuples below
are what ``tests/test_report_doc.py`` compares with the tables of that page.

Also here, because they are facts about a run rather than decisions about rows: the per-column schema
table (:func:`schema_section`, derived from the enforcement plan, column by column, so a refused column
does not hide the others), the signature's fingerprint, the Spark application, example violations and
the one summary line a job prints.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from spark_signature.errors import (
    ParamsValidationError,
    Rule,
    SchemaEnforcementError,
    SignatureError,
    TypeMappingError,
    fix_for,
)
from spark_signature.types import ColSpec, Compat, ModelSignature, Schema, TensorSpec
from spark_signature.violations import VIOLATION_FIELDS, Counts

REPORT_VERSION = 1

#: status -> exit code: the one mapping the jobs, the report and the README use.
EXIT_CODES: dict[str, int] = {"ok": 0, "schema_mismatch": 1, "violations": 2, "error": 3}

TOP_LEVEL_KEYS = (
    "report_version", "job", "status", "exit_code", "message", "run_id", "created_at", "mode", "compat",
    "input", "signature", "schema", "thresholds", "counts", "examples", "outputs", "plan", "warnings",
    "error", "spark", "timings", "stream",
)  # fmt: skip
INPUT_KEYS = ("path", "format", "delta_version", "timestamp")
SIGNATURE_KEYS = ("source", "sha256", "inputs")
SCHEMA_KEYS = ("column", "expected", "found", "required", "status", "fix")
SCHEMA_STATUSES = ("ok", "converted", "checked", "missing", "missing_optional", "refused", "extra")
THRESHOLD_KEYS = ("max_bad_rows", "max_bad_fraction")
COUNTS_KEYS = ("rows", "valid", "quarantined", "violations")
OUTPUTS_KEYS = ("valid", "quarantine", "predictions")
OUTPUT_KEYS = ("path", "delta_version", "rows", "already_written")
SPARK_KEYS = ("application_id", "master", "version")
TIMING_KEYS = ("plan_s", "enforce_s", "write_s", "total_s")
STREAM_KEYS = ("query_id", "checkpoint", "batches", "last_batch_id", "available_now")

MAX_EXAMPLES = 20
#: Quarantined rows the views show (the notebook's default; the jobs' HTML page).
SHOWN_BAD_ROWS = 5
CELL_CHARS = 200


# ---- pieces -------------------------------------------------------------------------------------------


def signature_sha256(signature: ModelSignature) -> str:
    """SHA-256 of the signature's ``to_dict()`` JSON with sorted keys: the same signature, the same hash."""
    text = json.dumps(signature.to_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def signature_section(source: str, signature: ModelSignature | None) -> dict[str, Any]:
    if signature is None:
        return {"source": source, "sha256": None, "inputs": None}
    inputs = None if signature.inputs is None else signature.inputs.to_dict()
    return {"source": source, "sha256": signature_sha256(signature), "inputs": inputs}


def expected_text(spec: ColSpec | TensorSpec) -> str:
    """``long (required)``, ``tensor float32 [-1, 28]``: the ``expected`` of a schema entry."""
    from spark_signature.rules import describe_expected

    if isinstance(spec, TensorSpec):
        return f"tensor {spec.type} {list(spec.shape)}"
    return describe_expected(spec.type, spec.required)


def column_status(node: Any) -> str:
    """The ``status`` of an accepted column from its plan node: ``checked`` if some value decides (0/1,
    exact decimals, fixed tensor dims), ``converted`` if the valid output casts or fills something (a
    widening, a vector, an all-null column, an absent optional property), else ``ok``."""
    from spark_signature.enforcement.plan import NullNode, ScalarNode, StructNode, TensorNode, VectorNode, children
    from spark_signature.rules import Decision

    seen: set[str] = set()

    def walk(n: Any) -> None:
        if n is None:
            return
        if isinstance(n, ScalarNode):
            if n.conversion.decision is Decision.VALUE_CHECK:
                seen.add("checked")
            elif n.conversion.decision is not Decision.ACCEPT:
                seen.add("converted")
        elif isinstance(n, TensorNode):
            if any(d != -1 for d in n.dims):
                seen.add("checked")
        elif isinstance(n, (VectorNode, NullNode)) or (
                isinstance(n, StructNode) and any(f.node is None for f in n.fields)):  # an absent property: nulls
            seen.add("converted")
        for child in children(n):
            walk(child)

    walk(node)
    return "checked" if "checked" in seen else "converted" if "converted" in seen else "ok"


def compare_columns(inputs: Schema, columns: Sequence[str], found: Sequence[str],
                    plan_one: Callable[[Schema, int], Any]) -> list[dict[str, Any]]:
    """The ``schema`` section: one entry per signature column (in signature order), then one per extra
    input column. ``columns``/``found`` are the input's names and type names by position;
    ``plan_one(single_column_schema, position)`` runs an engine's planner on that one column (driver only,
    no data). Each column is planned on its own, so one refused column does not hide the others."""
    named = inputs.has_input_names()
    duplicated = {n for n in columns if list(columns).count(n) > 1}
    entries: list[dict[str, Any]] = []
    used: set[int] = set()
    for position, spec in enumerate(inputs.inputs):
        label = str(spec.name) if named else str(position)
        entry = {"column": label, "expected": expected_text(spec), "found": "absent", "required": bool(spec.required),
                 "status": None, "fix": None}
        entries.append(entry)
        if named:
            index = list(columns).index(label) if label in columns else None
        else:
            index = position if position < len(columns) else None
        if index is None:
            entry["status"] = "missing" if spec.required else "missing_optional"
            if spec.required:
                entry["fix"] = fix_for(Rule.MISSING_COLUMN if named else Rule.COLUMN_COUNT)
            continue
        used.add(index)
        entry["found"] = found[index]
        if named and label in duplicated:
            used.update(i for i, n in enumerate(columns) if n == label)
            entry["status"], entry["fix"] = "refused", fix_for(Rule.DUPLICATE_COLUMN)
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the enforcement run itself issues the plan's warnings, once
                plan = plan_one(Schema([spec]), index)
        except (SchemaEnforcementError, TypeMappingError) as exc:
            entry["status"], entry["fix"] = "refused", exc.fix
            continue
        entry["status"] = column_status(plan.columns[0].node) if plan.columns else "ok"
    for index, name in enumerate(columns):
        if index not in used:
            entries.append({"column": str(name), "expected": None, "found": found[index], "required": False,
                            "status": "extra", "fix": None})
    return entries


def schema_section(inputs: Schema, df_schema: Any, compat: Compat | str = Compat.STRICT) -> list[dict[str, Any]]:
    """:func:`compare_columns` for a Spark schema: the Spark engine's planner, one field at a time."""
    from spark_signature.enforcement.plan import build_plan
    from spark_signature.enforcement.spark import spark_arrow_schema
    from spark_signature.spark_types import is_vector_udt

    fields = list(df_schema.fields)

    def plan_one(single: Schema, index: int) -> Any:
        field = fields[index]
        arrow = spark_arrow_schema(type(df_schema)([field]))
        vectors = frozenset({field.name} if is_vector_udt(field.dataType) else ())
        return build_plan(single, arrow, compat=compat, spark=True, vectors=vectors,
                          found_names={field.name: field.dataType.simpleString()})

    return compare_columns(inputs, [f.name for f in fields], [f.dataType.simpleString() for f in fields], plan_one)


def pandas_schema_section(frame: Any, inputs: Schema, compat: Compat | str = Compat.STRICT) -> list[dict[str, Any]]:
    """:func:`compare_columns` for a pandas DataFrame: the local engine's planner, one column at a time."""
    from spark_signature.enforcement.local import plan_local

    compat = Compat.parse(compat)

    def plan_one(single: Schema, index: int) -> Any:
        return plan_local(frame.iloc[:, [index]], single, compat).plan

    return compare_columns(inputs, [str(c) for c in frame.columns],
                           [str(frame.iloc[:, i].dtype) for i in range(frame.shape[1])], plan_one)


def schema_fits(entries: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a ``schema`` section accepts the input: no column missing or refused."""
    return not any(e["status"] in ("missing", "refused") for e in entries)


def counts_section(counts: Counts | None) -> dict[str, Any] | None:
    return None if counts is None else counts.as_dict()


def examples_from_quarantine(quarantine: Any, violations_column: str = "_violations",
                             limit: int = MAX_EXAMPLES) -> list[dict[str, Any]]:
    """At most ``limit`` violations of quarantined rows: first one per (column, rule), then more of them.

    Reads a bounded number of rows (``limit`` on the exploded violations), never the whole quarantine.
    """
    from pyspark.sql import functions as F

    from spark_signature.spark_columns import col

    rows = (quarantine.select(F.explode(col(violations_column)).alias("v")).select("v.*")
            .limit(limit * 10).collect())
    return pick_examples([r.asDict() for r in rows], limit)


def pick_examples(violations: Iterable[Mapping[str, Any]], limit: int = MAX_EXAMPLES) -> list[dict[str, Any]]:
    """The first violation of each (column, rule) first, then the others in order, at most ``limit``."""
    items = [{f: (None if v.get(f) is None else str(v.get(f))) for f in VIOLATION_FIELDS} for v in violations]
    seen: set[tuple[Any, Any]] = set()
    first, rest = [], []
    for item in items:
        key = (item["column"], item["rule"])
        (rest if key in seen else first).append(item)
        seen.add(key)
    return (first + rest)[:limit]


def cell_text(value: Any) -> str:
    """A value as the views show it: Spark Rows as dicts, strings unquoted, long values cut."""

    def plain(v: Any) -> Any:
        if hasattr(v, "asDict") and callable(v.asDict):
            return {k: plain(x) for k, x in v.asDict().items()}
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
            return plain(v.tolist())
        return v

    v = plain(value)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        text = "null" if v is None else "NaN"
    elif isinstance(v, str):
        text = v
    elif isinstance(v, (date, datetime)):
        text = v.isoformat()
    else:
        text = repr(v)
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def violation_dicts(values: Any) -> list[dict[str, Any]]:
    """A row's ``_violations`` (Spark Rows or dicts) as plain dicts of the violation fields."""
    out = []
    for v in values or []:
        d = v.asDict() if hasattr(v, "asDict") else dict(v)
        out.append({f: d.get(f) for f in VIOLATION_FIELDS})
    return out


def bad_row(row: Any, columns: Sequence[str], violations_column: str = "_violations") -> dict[str, Any]:
    """A quarantined Spark row as the views show it: ``{"row", "values": {column: text}, "violations"}``."""
    return {"row": None, "values": {c: cell_text(row[c]) for c in columns},
            "violations": violation_dicts(row[violations_column])}


def bad_rows_from_quarantine(quarantine: Any, columns: Sequence[str], violations_column: str = "_violations",
                             limit: int = SHOWN_BAD_ROWS) -> list[dict[str, Any]]:
    """The first ``limit`` quarantined rows for the views (a bounded read, never the whole quarantine).
    Not part of the report: the report holds ``examples``; the views show these rows too."""
    return [bad_row(r, columns, violations_column) for r in quarantine.limit(limit).collect()]


def spark_section(spark: Any) -> dict[str, Any]:
    """The application id, master and version of a session (a Spark Connect client has no SparkContext:
    its id and master stay null)."""
    section: dict[str, Any] = dict.fromkeys(SPARK_KEYS)
    if spark is None:
        return section
    section["version"] = getattr(spark, "version", None)
    try:
        sc = spark.sparkContext
        section.update(application_id=sc.applicationId, master=sc.master)
    except Exception:  # Spark Connect: no SparkContext on the client
        pass
    return section


def plan_section(result: Any) -> dict[str, Any] | None:
    """``plan``: the enforcement result's ``explain().to_dict()`` where the engine offers it, else None."""
    explain = getattr(result, "explain", None)
    if not callable(explain):
        return None
    try:
        explained = explain()
    except Exception:
        return None
    to_dict = getattr(explained, "to_dict", None)
    return to_dict() if callable(to_dict) else None


# ---- status, exit code, message --------------------------------------------------------------------------


def judge(counts: Counts, max_bad_rows: int | None, max_bad_fraction: float | None) -> tuple[str, str]:
    """(status, message) from the counts and the thresholds: any bad row is over a missing threshold."""
    bad, rows = counts.quarantined, counts.rows
    top = ", ".join(f"{v['column']} {v['rule']} x{v['count']}" for v in counts.as_dict()["violations"][:3])
    detail = f" ({top})" if top else ""
    if max_bad_rows is None and max_bad_fraction is None:
        if bad == 0:
            return "ok", f"{rows} rows, all valid"
        return "violations", f"{bad} of {rows} rows violate the signature{detail}; no threshold given, so any bad " \
                             "row fails (--max-bad-rows / --max-bad-fraction accept some)"
    over = []
    if max_bad_rows is not None and bad > max_bad_rows:
        over.append(f"more than --max-bad-rows {max_bad_rows}")
    if max_bad_fraction is not None and rows and bad / rows > max_bad_fraction:
        over.append(f"a fraction {bad / rows:.4g} above --max-bad-fraction {max_bad_fraction}")
    if over:
        return "violations", f"{bad} of {rows} rows violate the signature{detail}: {' and '.join(over)}"
    return "ok", f"{rows} rows, {bad} quarantined: within the thresholds{detail}"


def error_status(exc: BaseException, *, rows_read: bool) -> str:
    """The status an error decides. Before any row is read, a refusal of the schema (a
    :class:`SchemaEnforcementError`, or a :class:`TypeMappingError`: a type the engine cannot carry) is a
    ``schema_mismatch``; once rows are read, a :class:`SchemaEnforcementError` is a row that failed
    (``fail_fast``): ``violations``. Bad params and everything else are an ``error``."""
    if isinstance(exc, ParamsValidationError):
        return "error"
    if isinstance(exc, SchemaEnforcementError):
        return "violations" if rows_read else "schema_mismatch"
    if isinstance(exc, TypeMappingError) and not rows_read:
        return "schema_mismatch"
    return "error"


def error_section(exc: BaseException | None) -> dict[str, Any] | None:
    if exc is None:
        return None
    if isinstance(exc, SignatureError):
        return exc.to_dict()
    return {"error": type(exc).__name__, "rule": None, "path": None, "expected": None, "found": None,
            "message": one_line(str(exc)), "fix": None}


def one_line(text: str) -> str:
    """A message on one line: the line a job prints (multi-line messages joined with ``; ``)."""
    parts = [p.strip().lstrip("- ").strip() for p in str(text).splitlines()]
    return "; ".join(p for p in parts if p).replace(":;", ":")


def error_line(exc: BaseException) -> str:
    """``message Fix: fix`` on one line, for any error (ours carry a fix)."""
    if isinstance(exc, SignatureError):
        text = one_line(exc.message)
        if exc.fix and exc.fix not in exc.message:
            text += f" Fix: {one_line(exc.fix)}"
        return text
    return one_line(f"{type(exc).__name__}: {exc}")


# ---- the report ---------------------------------------------------------------------------------------


def build_report(**sections: Any) -> dict[str, Any]:
    """The report dict: every documented key, in the documented order; unknown keys are refused (a typo
    here would silently break the contract)."""
    unknown = set(sections) - set(TOP_LEVEL_KEYS)
    if unknown:
        raise ValueError(f"unknown report keys {sorted(unknown)}")
    report: dict[str, Any] = dict.fromkeys(TOP_LEVEL_KEYS)
    report.update(sections)
    report["report_version"] = REPORT_VERSION
    status = report.get("status")
    if status not in EXIT_CODES:
        raise ValueError(f"status must be one of {sorted(EXIT_CODES)}, got {status!r}")
    report["exit_code"] = EXIT_CODES[status]
    report["created_at"] = report.get("created_at") or datetime.now(UTC).isoformat(timespec="seconds")
    report["schema"] = report.get("schema") or []
    report["examples"] = report.get("examples") or []
    report["warnings"] = list(report.get("warnings") or [])
    for key, keys in _SECTION_KEYS.items():
        report[key] = _keyed(key, report.get(key), keys)
    return report


#: The sections with fixed keys, always present: whoever fills them, the same keys in the same order.
_SECTION_KEYS = {"input": INPUT_KEYS, "signature": SIGNATURE_KEYS, "thresholds": THRESHOLD_KEYS,
                 "outputs": OUTPUTS_KEYS, "spark": SPARK_KEYS, "timings": TIMING_KEYS}


def _keyed(name: str, section: Mapping[str, Any] | None, keys: tuple[str, ...]) -> dict[str, Any]:
    section = section or {}
    unknown = set(section) - set(keys)
    if unknown:
        raise ValueError(f"unknown {name} keys {sorted(unknown)}")
    return {k: section.get(k) for k in keys}


def write_report(report: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the report as JSON in one step (a reader never sees half a file); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2, sort_keys=False, default=str)
            out.write("\n")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def summary_line(report: Mapping[str, Any]) -> str:
    """The one line a job prints on stdout: status, exit code, counts, outputs written, why."""
    parts = [f"{report.get('job') or 'spark_signature'}: {report['status']} (exit {report['exit_code']})"]
    counts = report.get("counts")
    if counts:
        parts.append(f"rows={counts['rows']} valid={counts['valid']} quarantined={counts['quarantined']}")
    for role, out in (report.get("outputs") or {}).items():
        if out:
            again = ", already written" if out.get("already_written") else ""
            parts.append(f"{role}={out['path']}@v{out['delta_version']} ({out['rows']} rows{again})")
    stream = report.get("stream")
    if stream:
        parts.append(f"batches={stream['batches']}")
    if report.get("run_id"):
        parts.append(f"run_id={report['run_id']}")
    line = " ".join(parts)
    if report["status"] != "ok" or counts is None:
        line += f": {report.get('message')}"
    return line


__all__ = [
    "EXIT_CODES", "MAX_EXAMPLES", "REPORT_VERSION", "SHOWN_BAD_ROWS", "TOP_LEVEL_KEYS", "bad_row",
    "bad_rows_from_quarantine", "build_report", "cell_text", "column_status",
    "compare_columns", "error_line", "error_section", "error_status", "examples_from_quarantine", "expected_text",
    "judge", "one_line", "pandas_schema_section", "pick_examples", "plan_section", "schema_fits", "schema_section",
    "signature_section", "signature_sha256", "spark_section", "summary_line", "violation_dicts", "write_report",
]  # fmt: skip
