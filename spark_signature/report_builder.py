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
import os
import tempfile
import warnings
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spark_signature.errors import PlanWarning, Rule, SignatureError, TypeMappingError, fix_for
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


def _status_of(node: Any) -> str:
    """``checked`` if some value decides (0/1, exact decimals, fixed tensor dims), ``converted`` if the valid
    output casts, else ``ok``."""
    from spark_signature.enforcement.plan import ScalarNode, TensorNode, children
    from spark_signature.enforcement.spark import _needs_conversion
    from spark_signature.rules import Decision

    def checked(n: Any) -> bool:
        if isinstance(n, ScalarNode) and n.conversion.decision is Decision.VALUE_CHECK:
            return True
        if isinstance(n, TensorNode) and any(d != -1 for d in n.dims):
            return True
        return any(checked(c) for c in children(n) if c is not None)

    if checked(node):
        return "checked"
    return "converted" if _needs_conversion(node) else "ok"


def _expected(spec: ColSpec | TensorSpec) -> str:
    from spark_signature.rules import describe_expected

    if isinstance(spec, TensorSpec):
        return f"tensor {spec.type} {list(spec.shape)}"
    return describe_expected(spec.type, spec.required)


def schema_section(inputs: Schema, df_schema: Any, compat: Compat | str = Compat.STRICT) -> list[dict[str, Any]]:
    """One entry per signature column (in signature order), then one per extra input column.

    Each column is planned on its own against its Spark field (driver only, no data), so one refused
    column does not hide the verdict on the others; the statuses are the plan's own decisions.
    """
    from spark_signature.enforcement.plan import build_plan
    from spark_signature.enforcement.spark import spark_arrow_schema
    from spark_signature.errors import SchemaEnforcementError
    from spark_signature.spark_types import is_vector_udt

    fields = list(df_schema.fields)
    names = [f.name for f in fields]
    duplicated = {n for n in names if names.count(n) > 1}
    named = inputs.has_input_names()
    entries: list[dict[str, Any]] = []
    used: set[int] = set()
    for position, spec in enumerate(inputs.inputs):
        label = str(spec.name) if named else str(position)
        entry = {"column": label, "expected": _expected(spec), "found": "absent", "required": bool(spec.required),
                 "status": None, "fix": None}
        entries.append(entry)
        if named:
            index = names.index(label) if label in names else None
        else:
            index = position if position < len(fields) else None
        if index is None:
            entry["status"] = "missing" if spec.required else "missing_optional"
            entry["fix"] = fix_for(Rule.MISSING_COLUMN) if spec.required else None
            if not named:
                entry["fix"] = fix_for(Rule.COLUMN_COUNT)
            continue
        used.add(index)
        field = fields[index]
        entry["found"] = field.dataType.simpleString()
        if named and label in duplicated:
            used.update(i for i, n in enumerate(names) if n == label)
            entry["status"], entry["fix"] = "refused", fix_for(Rule.DUPLICATE_COLUMN)
            continue
        struct = type(df_schema)([field])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PlanWarning)
                arrow = spark_arrow_schema(struct)
                vectors = frozenset({field.name} if is_vector_udt(field.dataType) else ())
                plan = build_plan(Schema([spec]), arrow, compat=compat, spark=True, vectors=vectors,
                                  found_names={field.name: field.dataType.simpleString()})
        except (SchemaEnforcementError, TypeMappingError) as exc:
            entry["status"], entry["fix"] = "refused", exc.fix
            continue
        entry["status"] = _status_of(plan.columns[0].node)
    for index, field in enumerate(fields):
        if index not in used:
            entries.append({"column": field.name, "expected": None, "found": field.dataType.simpleString(),
                            "required": False, "status": "extra", "fix": None})
    return entries


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


def spark_section(spark: Any) -> dict[str, Any]:
    if spark is None:
        return dict.fromkeys(SPARK_KEYS)
    sc = spark.sparkContext
    return {"application_id": sc.applicationId, "master": sc.master, "version": spark.version}


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
    report["outputs"] = {k: (report.get("outputs") or {}).get(k) for k in OUTPUTS_KEYS}
    report["thresholds"] = {k: (report.get("thresholds") or {}).get(k) for k in THRESHOLD_KEYS}
    report["timings"] = {k: (report.get("timings") or {}).get(k) for k in TIMING_KEYS}
    report["spark"] = report.get("spark") or dict.fromkeys(SPARK_KEYS)
    return report


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
    "EXIT_CODES", "MAX_EXAMPLES", "REPORT_VERSION", "TOP_LEVEL_KEYS", "build_report", "error_line", "error_section",
    "examples_from_quarantine", "one_line", "pick_examples", "schema_section", "signature_section",
    "signature_sha256", "spark_section", "summary_line", "write_report",
]  # fmt: skip
