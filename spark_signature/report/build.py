"""Building the report dict (``docs/report.md``, ``report_version`` 1) for the notebook helper.

The jobs' builder (``spark_signature.report_builder`` on the issue10 branch) is not on main yet, so the
notebook builds its reports here, to the same contract and with the same conventions (sha256 of the
compact sorted JSON, ISO time to the second, extras ``required: false``, ``job``/``stream`` null); the
lead reconciles the two. What the library decides lives here, not in
the notebook: the per-column schema comparison (:func:`compare_columns`, the planner run one column at
a time, so one refused column does not hide the others), the status and exit code of a check, the
counts and examples.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spark_signature.errors import FIXES, Rule, SchemaEnforcementError, SignatureError, TypeMappingError
from spark_signature.rules import Decision, describe_expected
from spark_signature.types import ColSpec, Compat, ModelSignature, Schema, TensorSpec
from spark_signature.violations import VIOLATION_FIELDS, Counts

__all__ = [
    "MAX_EXAMPLES",
    "REPORT_VERSION",
    "ColumnStatus",
    "compare_columns",
    "make_report",
    "pandas_column_statuses",
    "pick_examples",
    "signature_sha256",
    "spark_column_statuses",
    "status_of",
]

REPORT_VERSION = 1
MAX_EXAMPLES = 20

#: The statuses of a schema entry (docs/report.md): accepted ones first.
STATUSES = ("ok", "converted", "checked", "missing", "missing_optional", "refused", "extra")
ACCEPTED_STATUSES = frozenset({"ok", "converted", "checked", "missing_optional", "extra"})


@dataclass(frozen=True)
class ColumnStatus:
    """One schema entry: a signature column (or an extra input column) against the input."""

    column: str
    expected: str | None
    found: str
    required: bool | None
    status: str
    fix: str | None = None
    rule: str | None = None  # why refused or missing (not in the report's schema entry; used for fixes)

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "expected": self.expected, "found": self.found, "required": self.required,
                "status": self.status, "fix": self.fix}


def expected_text(spec: ColSpec | TensorSpec) -> str:
    """``long (required)``, ``tensor float32 [-1, 28]``: the ``expected`` of a schema entry."""
    if isinstance(spec, TensorSpec):
        return f"tensor {spec.type} {list(spec.shape)}"
    return describe_expected(spec.type, spec.required)


def _node_status(node: Any) -> str:
    """``checked`` if some value is checked beyond nulls, ``converted`` if some cast runs, else ``ok``."""
    from spark_signature.enforcement.plan import ScalarNode, StructNode, TensorNode, VectorNode, children

    seen: set[str] = set()

    def walk(n: Any) -> None:
        if n is None:
            return
        if isinstance(n, ScalarNode):
            if n.conversion.decision is Decision.VALUE_CHECK:
                seen.add("checked")
            elif n.conversion.decision is Decision.WIDEN:
                seen.add("converted")
        elif isinstance(n, TensorNode):
            if any(d != -1 for d in n.dims):
                seen.add("checked")
        elif isinstance(n, VectorNode):
            seen.add("converted")
        elif isinstance(n, StructNode) and any(f.node is None for f in n.fields):
            seen.add("converted")  # an absent optional property is filled with nulls
        for child in children(n):
            walk(child)

    walk(node)
    return "checked" if "checked" in seen else "converted" if "converted" in seen else "ok"


def compare_columns(
    schema: Schema,
    columns: Sequence[str],
    plan_one: Callable[[Schema, str], Any],
    *,
    found_names: Mapping[str, str],
) -> list[ColumnStatus]:
    """The schema comparison, one entry per signature column (then one per extra input column).

    ``plan_one(single_column_schema, input_column)`` runs the enforcement planner for one column (the
    Spark or the local engine's); each column is planned on its own, so every refusal is reported, not
    only the first. A :class:`SchemaEnforcementError` or :class:`TypeMappingError` it raises makes that
    column ``refused``, with the error's fix.
    """
    specs = list(schema.inputs)
    named = schema.has_input_names()
    duplicates = {c for c in columns if list(columns).count(c) > 1}
    entries: list[ColumnStatus] = []
    declared: set[str] = set()
    for i, spec in enumerate(specs):
        label = str(spec.name) if named else str(i)
        source = label if named else (columns[i] if i < len(columns) else None)
        if source is not None:
            declared.add(source)
        expected = expected_text(spec)
        if source is None or source not in columns:
            if spec.required:
                rule = Rule.MISSING_COLUMN if named else Rule.COLUMN_COUNT
                entries.append(ColumnStatus(label, expected, "absent", True, "missing", FIXES[rule], rule.value))
            else:
                entries.append(ColumnStatus(label, expected, "absent", False, "missing_optional"))
            continue
        found = found_names.get(source, "?")
        if source in duplicates:
            entries.append(ColumnStatus(label, expected, found, spec.required, "refused",
                                        FIXES[Rule.DUPLICATE_COLUMN], Rule.DUPLICATE_COLUMN.value))
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the real enforcement run issues the plan warnings once
                plan = plan_one(Schema([spec]), source)
            status = _node_status(plan.columns[0].node) if plan.columns else "ok"
            entries.append(ColumnStatus(label, expected, found, spec.required, status))
        except (SchemaEnforcementError, TypeMappingError) as exc:
            entries.append(ColumnStatus(label, expected, found, spec.required, "refused", exc.fix,
                                        None if exc.rule is None else Rule(exc.rule).value))
    for name in columns:
        if name not in declared:
            entries.append(ColumnStatus(name, None, found_names.get(name, "?"), False, "extra"))
    return entries


def spark_column_statuses(df: Any, schema: Schema, compat: Compat | str = Compat.STRICT) -> list[ColumnStatus]:
    """:func:`compare_columns` for a Spark DataFrame (or table): the Spark engine's planner, per column."""
    from pyspark.sql import types as T

    from spark_signature.enforcement.plan import build_plan
    from spark_signature.enforcement.spark import spark_arrow_schema
    from spark_signature.spark_types import is_vector_udt

    compat = Compat.parse(compat)
    fields = {f.name: f for f in df.schema.fields}
    vectors = frozenset(n for n, f in fields.items() if is_vector_udt(f.dataType))
    found = {n: f.dataType.simpleString() for n, f in fields.items()}

    def plan_one(single: Schema, column: str) -> Any:
        arrow = spark_arrow_schema(T.StructType([fields[column]]))
        key = str(single.inputs[0].name) if single.has_input_names() else "0"
        return build_plan(single, arrow, compat=compat, spark=True, vectors=vectors & {column},
                          found_names={key: found[column]})

    return compare_columns(schema, [f.name for f in df.schema.fields], plan_one, found_names=found)


def pandas_column_statuses(frame: Any, schema: Schema, compat: Compat | str = Compat.STRICT) -> list[ColumnStatus]:
    """:func:`compare_columns` for a pandas DataFrame: the local engine's planner, per column."""
    from spark_signature.enforcement.local import plan_local

    compat = Compat.parse(compat)
    names = [str(c) for c in frame.columns]
    found = {str(c): str(frame[c].dtype) for c in frame.columns if names.count(str(c)) == 1}

    def plan_one(single: Schema, column: str) -> Any:
        return plan_local(frame[[column]], single, compat).plan

    return compare_columns(schema, names, plan_one, found_names=found)


def pick_examples(violations: Sequence[Mapping[str, Any]], limit: int = MAX_EXAMPLES) -> list[dict[str, Any]]:
    """At most ``limit`` violations: the first of each (column, rule) first, then the others in order."""
    items = [{f: v.get(f) for f in VIOLATION_FIELDS} for v in violations]
    seen: set[tuple[Any, Any]] = set()
    first, rest = [], []
    for item in items:
        key = (item["column"], item["rule"])
        (rest if key in seen else first).append(item)
        seen.add(key)
    return (first + rest)[:limit]


def signature_sha256(signature: ModelSignature) -> str:
    """SHA-256 of the signature's ``to_dict()`` JSON with sorted keys (docs/report.md)."""
    text = json.dumps(signature.to_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def status_of(counts: Counts | None, error: SignatureError | None, schema_mismatch: bool = False) -> tuple[str, int]:
    """(status, exit_code) of a notebook check: no thresholds, so any quarantined row is a violation."""
    if schema_mismatch:
        return "schema_mismatch", 1
    if error is not None or counts is None:
        return "error", 3
    if counts.quarantined:
        return "violations", 2
    return "ok", 0


def _message(status: str, counts: Counts | None, error: SignatureError | None) -> str:
    if error is not None:
        first = error.message.strip().splitlines()[0] if error.message.strip() else type(error).__name__
        if status == "schema_mismatch":
            return f"The input does not fit the signature (decided from the schema, no data read): {first}"
        return first
    assert counts is not None
    if not counts.quarantined:
        return f"All {counts.rows:,} rows fit the signature."
    problems = sum(counts.by_rule.values())
    columns = len({c for c, _ in counts.by_rule})
    return (f"{counts.quarantined:,} of {counts.rows:,} rows do not fit the signature: {problems:,} violation(s) "
            f"in {columns} column(s); {counts.valid:,} valid.")


def make_report(
    *,
    signature: ModelSignature,
    source: str,
    columns: list[ColumnStatus],
    input_info: Mapping[str, Any],
    compat: Compat | str,
    counts: Counts | None,
    examples: Sequence[Mapping[str, Any]] = (),
    plan: Mapping[str, Any] | None = None,
    warnings_: Sequence[str] = (),
    error: SignatureError | None = None,
    spark: Mapping[str, Any] | None = None,
    timings: Mapping[str, float | None] | None = None,
    mode: str = "split",
    schema_mismatch: bool = False,
) -> dict[str, Any]:
    """The report dict, every key of docs/report.md present (null where it does not apply).

    ``schema_mismatch``: ``error`` was decided from the schema alone (no data read).
    """
    status, exit_code = status_of(counts, error, schema_mismatch)
    sha = signature_sha256(signature)
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    run_key = json.dumps({"input": dict(input_info), "signature": sha, "created_at": created}, sort_keys=True)
    return {
        "report_version": REPORT_VERSION,
        "job": None,  # the jobs write validate_table / score_table; a notebook check is neither
        "status": status,
        "exit_code": exit_code,
        "message": _message(status, counts, error),
        "run_id": hashlib.sha256(run_key.encode()).hexdigest()[:16],
        "created_at": created,
        "mode": mode,
        "compat": Compat.parse(compat).value,
        "input": {"path": None, "format": None, "delta_version": None, "timestamp": None, **input_info},
        "signature": {
            "source": source,
            "sha256": sha,
            "inputs": None if signature.inputs is None else signature.inputs.to_dict(),
        },
        "schema": [c.to_dict() for c in columns],
        "thresholds": {"max_bad_rows": None, "max_bad_fraction": None},
        "counts": None if counts is None else counts.as_dict(),
        "examples": pick_examples(examples),
        "outputs": {"valid": None, "quarantine": None, "predictions": None},
        "plan": None if plan is None else dict(plan),
        "warnings": list(warnings_),
        "error": None if error is None else error.to_dict(),
        "spark": {"application_id": None, "master": None, "version": None, **(spark or {})},
        "timings": {"plan_s": None, "enforce_s": None, "write_s": None, "total_s": None, **(timings or {})},
        "stream": None,
    }
