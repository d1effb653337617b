"""The Spark engine: a plan built on the driver, executed per Arrow batch inside ``mapInArrow``.

``enforce(df, schema, mode=...)``:

* ``split`` tags every row in one pass (the input columns, unchanged, plus a violations column that
  is null for valid rows). ``valid`` and ``quarantine`` are filters of that one tagged DataFrame, so
  writing both from one action (or from a persisted result, :meth:`SplitResult.persist`) costs one pass
  of the Python check. ``counts`` are exact whatever the user's first action was (see
  :attr:`SplitResult.counts`).
* ``check`` (counts only) and ``fail_fast`` return no rows through Python: each partition yields one
  small summary (per column and rule: count and first example). ``fail_fast`` stops a partition at its
  first bad batch and raises :class:`SchemaEnforcementError` on the driver.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from spark_signature.dispatch import require_spark_dataframe
from spark_signature.enforcement.arrow import Checker
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
from spark_signature.errors import (
    ConfigError,
    Rule,
    SchemaEnforcementError,
    TypeMappingError,
    bad_option,
    fix_for,
)
from spark_signature.rules import Decision
from spark_signature.spark_columns import col
from spark_signature.types import Compat, ModelSignature, Schema
from spark_signature.violations import VIOLATION_FIELDS, Counts, RuleCount, Violation, merge_rule_counts

ENFORCE_MODES = ("split", "fail_fast", "check")

# One summary record per (column, rule) per partition, plus one totals record (column null).
_SUMMARY_FIELDS = [*((f, pa.string()) for f in VIOLATION_FIELDS), ("count", pa.int64()), ("row", pa.int64()),
                   ("rows", pa.int64()), ("invalid_rows", pa.int64())]
_SUMMARY_ARROW = pa.schema(_SUMMARY_FIELDS)


def _spark_violations_type() -> Any:
    from pyspark.sql import types as T

    return T.ArrayType(T.StructType([T.StructField(f, T.StringType(), True) for f in VIOLATION_FIELDS]), True)


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
                f"cannot be checked ({exc}).",
                rule=Rule.WRONG_TYPE, path=f.name, found=f.dataType.simpleString(),
                fix="cast it to a supported type or drop it before enforcing",
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
            raise ConfigError("The signature has no inputs schema to enforce.", rule=Rule.INVALID_OPTION,
                              path="schema", fix="add `inputs` to the signature")
        return schema.inputs
    if not isinstance(schema, Schema):
        raise ConfigError(
            f"Expected a Schema or ModelSignature, got {type(schema).__name__}.",
            rule=Rule.INVALID_OPTION, path="schema", expected="Schema or ModelSignature",
            found=type(schema).__name__, fix="load one with spark_signature.load_signature(path_or_uri)",
        )
    return schema


# ---- conversion of valid rows: Spark expressions planned on the driver -------------------------------


def _needs_conversion(node: Node | None) -> bool:
    if node is None or isinstance(node, AnyNode):
        return False
    if isinstance(node, ScalarNode):
        return node.conversion.decision is not Decision.ACCEPT
    if isinstance(node, ListNode):
        return _needs_conversion(node.element)
    if isinstance(node, MapNode):
        return _needs_conversion(node.value)
    return isinstance(node, (StructNode, VectorNode))


def spark_conversion(node: Node, c: Any) -> Any:
    """A Spark Column converting ``c`` to the declared type (lossless: the plan and the checks accepted it)."""
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
        return F.transform(c, lambda x: spark_conversion(node.element, x))
    if isinstance(node, MapNode):
        return F.transform_values(c, lambda _k, v: spark_conversion(node.value, v))
    if isinstance(node, StructNode):
        parts = []
        props = {p.name: p for p in node.spec.properties}
        for f in node.fields:
            if f.node is None:
                parts.append(F.lit(None).cast(to_spark_type(props[f.name].dtype)).alias(f.name))
            else:
                parts.append(spark_conversion(f.node, c.getField(f.name)).alias(f.name))
        return F.when(c.isNotNull(), F.struct(*parts))
    return c


def converted_columns(plan: Plan, keep: Sequence[str] = ()) -> list[Any]:
    """The select list of the valid output: kept columns, then the signature's columns in order."""
    return [*(col(k) for k in keep), *(spark_conversion(c.node, col(c.source)).alias(c.name) for c in plan.columns)]


# ---- the results ----------------------------------------------------------------------------------


def _observation_result(observation: Any, session: Any) -> dict[str, Any] | None:
    """The observed metrics if an action has filled them, else None; never blocks on a missing action.

    Classic Spark completes an observation from a listener, shortly *after* the action returned: drain
    the listener bus first (it holds only events already posted), then look. Spark Connect returns the
    metrics with the action's result: an empty dict means no action ran.
    """
    jo = getattr(observation, "_jo", None)
    if jo is not None:  # classic: Observation.get would block until an action runs
        with contextlib.suppress(Exception):
            if not jo.future().isCompleted():
                session.sparkContext._jsc.sc().listenerBus().waitUntilEmpty()
            if jo.future().isCompleted():
                return dict(observation.get)
        return None
    with contextlib.suppress(Exception):
        metrics = observation.get
        return dict(metrics) if metrics else None
    return None


@dataclass
class SplitResult:
    """Outcome of ``mode="split"``: lazy DataFrames over one tagged pass, plus exact counts.

    ``warnings`` repeats what the plan warned about (also issued as :class:`~spark_signature.errors.PlanWarning`).
    """

    tagged: Any
    valid: Any
    quarantine: Any
    plan: Plan
    violations_column: str
    source: Any  # the input DataFrame
    _observation: Any
    _metric_keys: list[tuple[str, str]]
    params: dict | None = None  # the validated inference params (defaults filled), if any were given
    _counts: Counts | None = None
    _input_rows: int | None = None
    #: how the counts were obtained: "observation" (the first action saw every row) or "counting_pass"
    counts_source: str | None = None

    @property
    def warnings(self) -> list[str]:
        return list(self.plan.warnings)

    def persist(self, storage_level: Any = None) -> SplitResult:
        """Persist the tagged frame, so that writing ``valid`` and ``quarantine`` runs the check once."""
        if storage_level is None:
            self.tagged.persist()
        else:
            self.tagged.persist(storage_level)
        return self

    def unpersist(self) -> SplitResult:
        self.tagged.unpersist()
        return self

    @property
    def observed(self) -> bool:
        """True once an action over ``tagged`` (or ``valid``/``quarantine``, filters of it) completed."""
        return _observation_result(self._observation, self.tagged.sparkSession) is not None

    def input_rows(self) -> int:
        """The rows of the input, counted natively (no Python): the reference the outputs are checked against."""
        if self._input_rows is None:
            self._input_rows = int(self.source.count())
        return self._input_rows

    def run(self) -> Counts:
        """The counts, running the one pass they need if no action ran yet (same as :attr:`counts`)."""
        return self.counts

    @property
    def counts(self) -> Counts:
        """Exact counts of the whole input, whatever action ran first.

        ``rows`` is a native count of the input; ``valid`` and ``quarantined`` are counted on their own on
        the tagged rows. They come from the observation filled by the first action over the tagged frame
        when that action saw every row (valid + quarantined = rows); after a partial first action
        (``show``, ``take``, ``limit``) they come from one counting pass over the tagged frame (which
        reads the persisted rows, if persisted). A count that still does not add up raises
        :class:`~spark_signature.errors.CountMismatchError`.
        """
        if self._counts is None:
            metrics = _observation_result(self._observation, self.tagged.sparkSession)
            counts = None if metrics is None else self._from_metrics(metrics)
            self.counts_source = "observation"
            if counts is None or counts.valid + counts.quarantined != counts.rows:
                counts, self.counts_source = self._counting_pass(), "counting_pass"
            self._counts = counts.verify()
        return self._counts

    def _from_metrics(self, m: dict[str, Any]) -> Counts:
        by_rule = {key: int(m.get(f"v{i}") or 0) for i, key in enumerate(self._metric_keys)}
        return Counts(self.input_rows(), int(m.get("valid") or 0), int(m.get("quarantined") or 0),
                      {k: n for k, n in by_rule.items() if n})

    def _counting_pass(self) -> Counts:
        row = self.tagged.agg(*_metrics(self.violations_column, self._metric_keys)).collect()[0]
        return self._from_metrics(row.asDict())


@dataclass
class CheckResult:
    """Outcome of ``check``/``fail_fast``: counts and the first example of each (column, rule)."""

    rows: int
    invalid_rows: int
    violations: list[dict]  # per (column, rule): column, rule, count, path, expected, found, value
    plan: Plan | None = None
    valid: Any = None  # the converted DataFrame (lazy), set by fail_fast when nothing failed
    params: dict | None = None  # the validated inference params (defaults filled), if any were given

    @property
    def ok(self) -> bool:
        return self.invalid_rows == 0

    @property
    def warnings(self) -> list[str]:
        return [] if self.plan is None else list(self.plan.warnings)

    @property
    def counts(self) -> Counts:
        return Counts(self.rows, self.rows - self.invalid_rows, self.invalid_rows,
                      {(v["column"], v["rule"]): v["count"] for v in self.violations})


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


def _summary_record(rc: RuleCount) -> dict[str, Any]:
    return {**{k: v for k, v in rc.first.to_dict().items() if k in VIOLATION_FIELDS}, "count": rc.count,
            "row": rc.first.row, "rows": None, "invalid_rows": None}


def _summarize_batches(plan: Plan, stop_at_first: bool):
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        checker = Checker(plan)
        rows = invalid = 0
        parts: list[RuleCount] = []
        for batch in batches:
            log = checker.check(batch)
            rows += batch.num_rows
            if not log:
                continue
            invalid += int(log.invalid_rows().sum())
            parts = merge_rule_counts([*parts, *log.rule_counts()])
            if stop_at_first:
                break
        out = [_summary_record(rc) for rc in parts]
        out.append({**dict.fromkeys(VIOLATION_FIELDS), "count": None, "row": None, "rows": rows,
                    "invalid_rows": invalid})
        yield pa.RecordBatch.from_pylist(out, schema=_SUMMARY_ARROW)

    return run


def _summary_spark_schema() -> Any:
    from pyspark.sql import types as T

    kinds = {pa.string(): T.StringType(), pa.int64(): T.LongType()}
    return T.StructType([T.StructField(n, kinds[t], True) for n, t in _SUMMARY_FIELDS])


# ---- the entry point -------------------------------------------------------------------------------


def plan_for(df: Any, schema: Schema | ModelSignature, compat: Compat | str = Compat.STRICT) -> Plan:
    """The driver-side plan for ``df``; raises on anything the schema alone decides."""
    from spark_signature.spark_types import is_vector_udt

    inputs = _input_schema(schema)
    vectors = frozenset(f.name for f in df.schema.fields if is_vector_udt(f.dataType))
    arrow_schema = spark_arrow_schema(df.schema, only=_read_columns(inputs, df.columns))
    names = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    return build_plan(inputs, arrow_schema, compat=compat, spark=True, vectors=vectors, found_names=names)


def _check_options(df: Any, mode: str, keep_columns: Sequence[str], violations_column: str,
                   schema: Schema | ModelSignature) -> None:
    if mode not in ENFORCE_MODES:
        raise bad_option("mode", mode, list(ENFORCE_MODES))
    missing_keep = [k for k in keep_columns if k not in df.columns]
    if missing_keep:
        raise SchemaEnforcementError(
            f"keep_columns {missing_keep} are not columns of the input ({df.columns}).",
            rule=Rule.MISSING_COLUMN, path=missing_keep[0], expected=f"columns {missing_keep}",
            found=f"columns {df.columns}", fix="fix the names in keep_columns",
        )
    inputs = _input_schema(schema)
    signature_names = [str(s.name) for s in inputs.inputs] if inputs.has_input_names() else []
    overlap = [k for k in keep_columns if k in signature_names]
    if overlap:
        raise ConfigError(
            f"keep_columns {overlap} are signature columns: they are in the valid output already.",
            rule=Rule.INVALID_OPTION, path="keep_columns", expected="columns the signature does not read",
            found=str(overlap), fix="drop them from keep_columns",
        )
    if violations_column in df.columns:
        raise ConfigError(
            f"The input already has a column named {violations_column!r}.",
            rule=Rule.INVALID_OPTION, path="violations_column", expected="a new column name",
            found=violations_column, fix="pass violations_column= a name the input does not use",
        )


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
    :class:`SchemaEnforcementError` before any Spark job runs; a bad option raises
    :class:`~spark_signature.errors.ConfigError`. ``params`` are checked on the driver against the
    signature's params schema (MLflow's rules: converted, defaults filled, unknown ones dropped with a
    warning); a bad param raises :class:`ParamsValidationError` before any job. For pandas, numpy,
    lists or dicts use :func:`spark_signature.validate_schema`.
    """
    require_spark_dataframe(df, "enforce", "spark_signature.validate_schema(data, schema)")
    if getattr(df, "isStreaming", False):
        raise ConfigError(
            "enforce() takes a batch DataFrame; this one is streaming (Spark's named observations, which give "
            "the exact counts, cannot be read from a stream).",
            rule=Rule.INVALID_OPTION, path="df", expected="a batch DataFrame", found="a streaming DataFrame",
            fix="validate a Delta stream with spark_signature.streaming.start_validation_stream (the job's --stream "
            "flag): each micro-batch is checked once and written exactly once; or call enforce(batch_df, ...) "
            "inside your own foreachBatch",
        )
    compat = Compat.parse(compat)
    _check_options(df, mode, keep_columns, violations_column, schema)
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
            first = Violation.from_dict(result.violations[0])
            raise SchemaEnforcementError(
                f"{first.describe()}. {result.invalid_rows} bad row(s) seen before stopping.",
                rule=first.rule, path=first.path, expected=first.expected, found=first.found, value=first.value,
                fix=fix_for(first.rule),
            )
        result.valid = df.select(*converted_columns(plan, keep_columns))
    return result


def _validate_params(schema: Schema | ModelSignature, params: dict | None) -> dict | None:
    from spark_signature.enforcement.params import validate_params

    param_schema = schema.params if isinstance(schema, ModelSignature) else None
    if params is None and param_schema is None:
        return None
    return validate_params(params, param_schema)


def _metrics(column: str, keys: Sequence[tuple[str, str]]) -> list[Any]:
    """valid, quarantined (each counted on its own) and violations per (column, rule) of the tagged rows."""
    from pyspark.sql import functions as F

    v = col(column)
    out = [F.count(F.when(v.isNull(), 1)).alias("valid"), F.count(v).alias("quarantined")]
    for i, (c, r) in enumerate(keys):
        hits = F.filter(v, _matches(c, r))
        # evaluated only on quarantined rows: valid rows (the vast majority) skip the higher-order filter
        out.append(F.sum(F.when(v.isNotNull(), F.size(hits))).alias(f"v{i}"))
    return out


def _matches(column: str, rule: str) -> Any:
    """The filter lambda for one (column, rule): pyspark reads a lambda's arity, so no default arguments."""
    from pyspark.sql import functions as F

    return lambda x: (x["column"] == F.lit(column)) & (x["rule"] == F.lit(rule))


def _split(df: Any, plan: Plan, keep: Sequence[str], column: str) -> SplitResult:
    from pyspark.sql import Observation
    from pyspark.sql import types as T

    spark_arrow_schema(df.schema)  # every column travels through Arrow to the quarantine: refuse the odd ones
    out_schema = T.StructType([*df.schema.fields, T.StructField(column, _spark_violations_type(), True)])
    keys = [(c, r.value) for c, r in plan.rules_by_column()]
    observation = Observation("spark_signature")
    tagged = df.mapInArrow(_tag_batches(plan, column), out_schema).observe(observation, *_metrics(column, keys))
    v = col(column)
    valid = tagged.where(v.isNull()).select(*converted_columns(plan, keep))
    quarantine = tagged.where(v.isNotNull())
    return SplitResult(tagged, valid, quarantine, plan, column, df, observation, keys)


def _check(df: Any, plan: Plan, *, stop_at_first: bool) -> CheckResult:
    # Only the columns the plan reads travel to Python: a counts-only pass needs nothing else.
    needed = df.select(*[col(c.source) for c in plan.columns])
    records = needed.mapInArrow(_summarize_batches(plan, stop_at_first), _summary_spark_schema()).collect()
    rows = sum(r["rows"] for r in records if r["column"] is None)
    invalid = sum(r["invalid_rows"] for r in records if r["column"] is None)
    parts = [RuleCount(r["column"], Rule(r["rule"]), r["count"],
                       Violation.from_dict({**r.asDict(), "row": None})) for r in records if r["column"] is not None]
    violations = [{"column": rc.column, "rule": rc.rule.value, "count": rc.count,
                   **{k: v for k, v in rc.first.to_dict().items() if k in ("path", "expected", "found", "value")}}
                  for rc in merge_rule_counts(parts)]
    return CheckResult(rows, invalid, violations, plan)


__all__ = ["ENFORCE_MODES", "CheckResult", "SplitResult", "converted_columns", "enforce", "plan_for",
           "spark_arrow_schema", "spark_conversion"]
