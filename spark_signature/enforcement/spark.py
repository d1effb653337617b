"""The Spark engine: a plan built on the driver, executed per Arrow batch inside ``mapInArrow``.

``enforce(df, schema, mode=...)``:

* ``split`` tags every row in one pass (the input columns, unchanged, plus a violations column that
  is null for valid rows). ``valid`` and ``quarantine`` are filters of that one tagged DataFrame, and
  the counts come from ``DataFrame.observe`` on it, so writing both outputs from one action (or from a
  persisted tagged frame) costs one pass of the Python check.
* ``check`` (counts only) and ``fail_fast`` return no rows through Python: each partition yields one
  small summary (per column and rule: count and first example). ``fail_fast`` stops a partition at its
  first bad batch and raises :class:`SchemaEnforcementError` on the driver.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from spark_signature.enforcement.arrow import VIOLATION_TYPE, Checker
from spark_signature.enforcement.plan import (
    AnyNode,
    ListNode,
    MapNode,
    Node,
    Plan,
    ScalarNode,
    StructNode,
    VectorNode,
    build_plan,
)
from spark_signature.errors import Rule, SchemaEnforcementError, SignatureError, TypeMappingError
from spark_signature.rules import Compat, Decision
from spark_signature.types import ModelSignature, Schema

MODES = ("split", "fail_fast", "check")

_SUMMARY_FIELDS = [
    ("column", pa.string()),
    ("rule", pa.string()),
    ("count", pa.int64()),
    ("path", pa.string()),
    ("expected", pa.string()),
    ("found", pa.string()),
    ("value", pa.string()),
    ("rows", pa.int64()),
    ("invalid_rows", pa.int64()),
]
_SUMMARY_ARROW = pa.schema(_SUMMARY_FIELDS)


def _spark_violations_type() -> Any:
    from pyspark.sql import types as T

    return T.ArrayType(
        T.StructType([T.StructField(f.name, T.StringType(), True) for f in VIOLATION_TYPE]), True
    )


def spark_arrow_schema(spark_schema: Any, only: Sequence[str] | None = None) -> pa.Schema:
    """The Arrow schema ``mapInArrow`` hands to Python for this Spark schema.

    Columns outside ``only`` that Arrow cannot carry (e.g. CalendarInterval) get a ``null`` placeholder:
    they are never read. A column the signature reads that Arrow cannot carry is refused by name.
    """
    from pyspark.sql.pandas.types import to_arrow_schema

    fields = []
    for f in spark_schema.fields:
        try:
            fields.append(to_arrow_schema(type(spark_schema)([f])).field(0))
        except Exception as exc:  # pyspark raises several types for unsupported columns
            if only is not None and f.name not in only:
                fields.append(pa.field(f.name, pa.null()))
                continue
            raise TypeMappingError(
                f"column '{f.name}': Spark type {f.dataType.simpleString()} cannot be passed to Arrow, so it "
                f"cannot be checked. Cast it to a supported type or drop it before enforcing. ({exc})",
                path=f.name, found=f.dataType.simpleString(),
            ) from None
    return pa.schema(fields)


def _read_columns(schema: Schema, names: Sequence[str]) -> list[str]:
    """The input columns a schema reads: its names, or the first N columns of an unnamed schema."""
    if schema.has_input_names():
        declared = {str(s.name) for s in schema.inputs}
        return [n for n in names if n in declared]
    return list(names[: len(schema.inputs)])


def _input_schema(schema: Schema | ModelSignature) -> Schema:
    if isinstance(schema, ModelSignature):
        if schema.inputs is None:
            raise SchemaEnforcementError("The signature has no inputs schema to enforce; add `inputs`.")
        return schema.inputs
    if not isinstance(schema, Schema):
        raise SchemaEnforcementError(
            f"Expected a Schema or ModelSignature, got {type(schema).__name__}. Load one with "
            "spark_signature.mlmodel.load_signature(path)."
        )
    return schema


# ---- conversion of valid rows: Spark expressions planned on the driver -------------------------------


def _needs_conversion(node: Node | None) -> bool:
    if node is None or isinstance(node, AnyNode):
        return False
    if isinstance(node, ScalarNode):
        return node.conversion.decision is not Decision.ACCEPT or node.found.value in ("timestamp",)
    if isinstance(node, ListNode):
        return _needs_conversion(node.element)
    if isinstance(node, MapNode):
        return _needs_conversion(node.value)
    return isinstance(node, (StructNode, VectorNode))


def _convert(node: Node, c: Any) -> Any:
    """A Spark Column converting ``c`` to the declared type (lossless: the plan accepted it)."""
    from pyspark.sql import functions as F

    from spark_signature.spark_types import to_spark_type

    if not _needs_conversion(node):
        return c
    if isinstance(node, VectorNode):
        from pyspark.ml.functions import vector_to_array

        return vector_to_array(c)
    if isinstance(node, ScalarNode):
        return c.cast(to_spark_type(node.spec))
    if isinstance(node, ListNode):
        return F.transform(c, lambda x: _convert(node.element, x))
    if isinstance(node, MapNode):
        return F.transform_values(c, lambda _k, v: _convert(node.value, v))
    if isinstance(node, StructNode):
        parts = []
        props = {p.name: p for p in node.spec.properties}
        for f in node.fields:
            if f.node is None:
                parts.append(F.lit(None).cast(to_spark_type(props[f.name].dtype)).alias(f.name))
            else:
                parts.append(_convert(f.node, c.getField(f.name)).alias(f.name))
        return F.when(c.isNotNull(), F.struct(*parts))
    return c


def converted_columns(plan: Plan, keep: Sequence[str] = ()) -> list[Any]:
    """The select list of the valid output: kept columns, then the signature's columns in order."""
    from pyspark.sql import functions as F

    cols = [F.col(_quote(k)) for k in keep]
    cols += [_convert(c.node, F.col(_quote(c.source))).alias(c.name) for c in plan.columns]
    return cols


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


# ---- the results ----------------------------------------------------------------------------------


@dataclass
class Counts:
    rows: int
    valid: int
    quarantined: int
    by_rule: dict[tuple[str, str], int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "quarantined": self.quarantined,
            "violations": [{"column": c, "rule": r, "count": n} for (c, r), n in sorted(self.by_rule.items())],
        }


@dataclass
class SplitResult:
    """Outcome of ``mode="split"``: lazy DataFrames over one tagged pass, plus its counts."""

    tagged: Any
    valid: Any
    quarantine: Any
    plan: Plan
    violations_column: str
    _observation: Any
    _metric_keys: list[tuple[str, str]]
    params: dict | None = None  # the validated inference params (defaults filled), if any were given

    def run(self) -> Counts:
        """One pass over the data (a no-op write of the tagged frame) to fill the counts."""
        if not self.observed:
            self.tagged.write.format("noop").mode("overwrite").save()
        return self.counts

    @property
    def observed(self) -> bool:
        """True once an action over ``tagged`` (or ``valid``/``quarantine``, filters of it) completed."""
        try:
            return bool(self._observation._jo.future().isCompleted())
        except Exception:  # not observed yet, or an older Spark without the future: be safe
            return False

    @property
    def counts(self) -> Counts:
        """Counts from the first completed action over the tagged frame (running one if none has)."""
        if not self.observed:
            self.run()
        m = self._observation.get
        by_rule = {}
        for i, key in enumerate(self._metric_keys):
            n = int(m.get(f"v{i}") or 0)
            if n:
                by_rule[key] = n
        rows = int(m.get("rows") or 0)
        quarantined = int(m.get("quarantined") or 0)
        return Counts(rows, rows - quarantined, quarantined, by_rule)


@dataclass
class CheckResult:
    """Outcome of ``check``/``fail_fast``: counts and the first example of each (column, rule)."""

    rows: int
    invalid_rows: int
    violations: list[dict]
    valid: Any = None  # the converted DataFrame (lazy), set by fail_fast when nothing failed
    params: dict | None = None  # the validated inference params (defaults filled), if any were given

    @property
    def ok(self) -> bool:
        return self.invalid_rows == 0


# ---- the UDFs --------------------------------------------------------------------------------------


def _tag_batches(plan: Plan, column: str):
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        checker = Checker(plan)
        for batch in batches:
            log = checker.check(batch)
            yield pa.RecordBatch.from_arrays(
                [*batch.columns, log.to_arrow()],
                names=[*batch.schema.names, column],
            )

    return run


def _summarize_batches(plan: Plan, stop_at_first: bool):
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        checker = Checker(plan)
        rows = invalid = 0
        merged: dict[tuple[str, str], dict] = {}
        for batch in batches:
            log = checker.check(batch)
            rows += batch.num_rows
            if not log:
                continue
            invalid += int(log.invalid_rows().sum())
            for entry in log.summary():
                key = (entry["column"], entry["rule"])
                if key in merged:
                    merged[key]["count"] += entry["count"]
                else:
                    merged[key] = entry
            if stop_at_first:
                break
        out = [dict(e, rows=None, invalid_rows=None) for e in merged.values()]
        out.append({"column": None, "rule": None, "count": None, "path": None, "expected": None,
                    "found": None, "value": None, "rows": rows, "invalid_rows": invalid})
        yield pa.RecordBatch.from_pylist(out, schema=_SUMMARY_ARROW)

    return run


def _summary_spark_schema() -> Any:
    from pyspark.sql import types as T

    kinds = {pa.string(): T.StringType(), pa.int64(): T.LongType()}
    return T.StructType([T.StructField(n, kinds[t], True) for n, t in _SUMMARY_FIELDS])


# ---- the entry point -------------------------------------------------------------------------------


def plan_for(df: Any, schema: Schema | ModelSignature, compat: Compat | str = Compat.STRICT) -> Plan:
    """The driver-side plan for ``df``; raises on anything the schema alone decides."""
    inputs = _input_schema(schema)
    vectors = frozenset(f.name for f in df.schema.fields if type(f.dataType).__name__ == "VectorUDT")
    arrow_schema = spark_arrow_schema(df.schema, only=_read_columns(inputs, df.columns))
    return build_plan(inputs, arrow_schema, compat=compat, spark=True, vectors=vectors)


def enforce(
    df: Any,
    schema: Schema | ModelSignature,
    mode: str = "split",
    *,
    compat: Compat | str = Compat.STRICT,
    keep_columns: Sequence[str] = (),
    violations_column: str = "_violations",
    params: dict | None = None,
) -> SplitResult | CheckResult:
    """Check every row of ``df`` against ``schema`` (a Schema or a ModelSignature's inputs).

    ``keep_columns`` are carried through to the valid output (ids, keys); every input column is kept
    in quarantine rows. Static problems (missing required column, refused type) raise
    :class:`SchemaEnforcementError` before any Spark job runs. ``params`` are checked on the driver
    against the signature's params schema (MLflow's rules: converted, defaults filled, unknown ones
    dropped with a warning); a bad param raises :class:`ParamsValidationError` before any job.
    """
    if mode not in MODES:
        raise SignatureError(f"mode must be one of {MODES}, got {mode!r}.")
    missing_keep = [k for k in keep_columns if k not in df.columns]
    if missing_keep:
        raise SchemaEnforcementError(
            f"keep_columns {missing_keep} are not columns of the input ({df.columns}); fix the names.",
            rule=Rule.MISSING_COLUMN, path=missing_keep[0],
        )
    if violations_column in df.columns:
        raise SchemaEnforcementError(
            f"The input already has a column named {violations_column!r}; pass another violations_column."
        )
    checked_params = _validate_params(schema, params)
    plan = plan_for(df, schema, compat)
    if mode == "split":
        split = _split(df, plan, keep_columns, violations_column)
        split.params = checked_params
        return split
    result = _check(df, plan, stop_at_first=(mode == "fail_fast"))
    result.params = checked_params
    if mode == "fail_fast":
        if not result.ok:
            first = result.violations[0]
            raise SchemaEnforcementError(
                f"column '{first['column']}' at {first['path']}: expected {first['expected']}, found "
                f"{first['found']} (value: {first['value']!r}; rule {first['rule']}). "
                f"{result.invalid_rows} bad row(s) seen before stopping. {_fix(first['rule'])}",
                rule=Rule(first["rule"]), path=first["path"], expected=first["expected"], found=first["found"],
            )
        result.valid = df.select(*converted_columns(plan, keep_columns))
    return result


def _validate_params(schema: Schema | ModelSignature, params: dict | None) -> dict | None:
    from spark_signature.enforcement.params import validate_params

    param_schema = schema.params if isinstance(schema, ModelSignature) else None
    if params is None and param_schema is None:
        return None
    return validate_params(params, param_schema)


def _fix(rule: str) -> str:
    return {
        Rule.NULL_IN_REQUIRED.value: "Fix: fill or drop the nulls, or mark the field optional "
        "(required=false) in the signature; mode='split' quarantines such rows instead.",
        Rule.UNSAFE_CAST.value: "Fix: the value does not convert losslessly; cast explicitly in Spark or "
        "change the signature's type; mode='split' quarantines such rows instead.",
        Rule.SHAPE_MISMATCH.value: "Fix: every row must have the tensor's fixed dimensions; pad/trim the "
        "arrays or use -1 for variable dimensions.",
    }.get(rule, "Fix: correct the data or the signature.")


def _split(df: Any, plan: Plan, keep: Sequence[str], column: str) -> SplitResult:
    from pyspark.sql import Observation
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    spark_arrow_schema(df.schema)  # every column travels through Arrow to the quarantine: refuse the odd ones
    out_schema = T.StructType([*df.schema.fields, T.StructField(column, _spark_violations_type(), True)])
    tagged = df.mapInArrow(_tag_batches(plan, column), out_schema)
    keys = [(c, r.value) for c, r in plan.rules_by_column()]
    v = F.col(_quote(column))
    metrics = [F.count(F.lit(1)).alias("rows"), F.count(v).alias("quarantined")]
    for i, (c, r) in enumerate(keys):
        hits = F.filter(v, _matches(c, r))
        # evaluated only on quarantined rows: valid rows (the vast majority) skip the higher-order filter
        metrics.append(F.sum(F.when(v.isNotNull(), F.size(hits))).alias(f"v{i}"))
    observation = Observation("spark_signature")
    tagged = tagged.observe(observation, *metrics)
    valid = tagged.where(v.isNull()).select(*converted_columns(plan, keep))
    quarantine = tagged.where(v.isNotNull())
    return SplitResult(tagged, valid, quarantine, plan, column, observation, keys)


def _matches(column: str, rule: str) -> Any:
    from pyspark.sql import functions as F

    return lambda x: (x["column"] == F.lit(column)) & (x["rule"] == F.lit(rule))


def _check(df: Any, plan: Plan, *, stop_at_first: bool) -> CheckResult:
    from pyspark.sql import functions as F

    # Only the columns the plan reads travel to Python: a counts-only pass needs nothing else.
    needed = df.select(*[F.col(_quote(c.source)) for c in plan.columns])
    summary_rows = needed.mapInArrow(_summarize_batches(plan, stop_at_first), _summary_spark_schema()).collect()
    rows = sum(r["rows"] for r in summary_rows if r["column"] is None)
    invalid = sum(r["invalid_rows"] for r in summary_rows if r["column"] is None)
    merged: dict[tuple[str, str], dict] = {}
    for r in summary_rows:
        if r["column"] is None:
            continue
        d = r.asDict()
        key = (d["column"], d["rule"])
        if key in merged:
            merged[key]["count"] += d["count"]
        else:
            merged[key] = {k: d[k] for k in ("column", "rule", "count", "path", "expected", "found", "value")}
    return CheckResult(rows, invalid, list(merged.values()))
