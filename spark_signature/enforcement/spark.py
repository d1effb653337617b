"""The Spark engine: a plan built on the driver, executed natively and per Arrow batch inside ``mapInArrow``.

``enforce(df, schema, mode=..., engine=...)``:

* ``engine="auto"`` (default): the plan compiled to Catalyst (:mod:`spark_signature.enforcement.native`)
  flags every row that may violate it; rows it clears are converted with native expressions and never
  enter Python, flagged rows go through the Arrow kernels, which give the reasons and paths.
  ``engine="arrow"``: every row through the kernels (the oracle the native path is tested against).
* ``split`` yields ``valid`` (converted), ``quarantine`` (the original row plus a violations column) and
  ``tagged`` (every row, violations null for valid rows). ``counts`` are exact whatever the user's first
  action was (see :attr:`SplitResult.counts`); :meth:`SplitResult.persist` makes writing both outputs
  run the checks once.
* ``check`` (counts only) and ``fail_fast`` return no rows through Python: each partition yields one
  small summary (per column and rule: count and first example). ``fail_fast`` stops a partition at its
  first bad batch and raises :class:`SchemaEnforcementError` on the driver.

``result.explain()`` says, per column and path, which checks ran natively and which in Arrow.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa

from spark_signature.compat import observation_metrics
from spark_signature.dispatch import require_spark_dataframe
from spark_signature.enforcement.arrow import Checker
from spark_signature.enforcement.native import ENGINES, ExplainedPlan, NativeCheck, compile_plan, explain_plan
from spark_signature.enforcement.plan import (
    AnyNode,
    ListNode,
    MapNode,
    Node,
    NullNode,
    Plan,
    ScalarNode,
    StructNode,
    TensorNode,
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
from spark_signature.spark_columns import col, quote, renamed, string_literal
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
    from spark_signature.compat import to_arrow_schema

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
    if isinstance(node, TensorNode):
        return node.conversion.decision is not Decision.ACCEPT
    return isinstance(node, (StructNode, VectorNode, NullNode))


def spark_conversion(node: Node, c: Any) -> Any:
    """A Spark Column converting ``c`` to the declared type (lossless: the plan and the checks accepted it)."""
    from pyspark.sql import functions as F

    from spark_signature.spark_types import tensor_to_spark_type, to_spark_type

    if not _needs_conversion(node):
        return c
    if isinstance(node, TensorNode):  # integer elements to the dtype's carrier (range-checked already)
        return c.cast(tensor_to_spark_type(node.spec, ""))
    if isinstance(node, VectorNode):
        from pyspark.ml.functions import vector_to_array

        return F.when(c.isNotNull(), vector_to_array(c))  # it refuses a null (an optional column's null)
    if isinstance(node, NullNode):  # Spark casts NullType to any type, nested ones included
        spark_type = _spark_type_or_none(node.spec)
        return c if spark_type is None else c.cast(spark_type)
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
                spark_type = _spark_type_or_none(props[f.name].dtype)
                absent = F.lit(None) if spark_type is None else F.lit(None).cast(spark_type)
                parts.append(absent.alias(f.name))
            else:
                parts.append(spark_conversion(f.node, c.getField(f.name)).alias(f.name))
        return F.when(c.isNotNull(), F.struct(*parts))
    return c


def _spark_type_or_none(spec: Any) -> Any:
    """The Spark type of an all-null value's declared type; None where this Spark has none (a type holding
    AnyType on Spark 3.5, which has no VARIANT): the null then stays Spark's NullType."""
    from spark_signature.errors import TypeMappingError
    from spark_signature.spark_types import to_spark_type

    try:
        return to_spark_type(spec)
    except TypeMappingError:
        return None


def converted_columns(plan: Plan, keep: Sequence[str] = ()) -> list[Any]:
    """The select list of the valid output: kept columns, then the signature's columns in order."""
    return [*(col(k) for k in keep),
            *(spark_conversion(c.node, col(c.source)).alias(c.name) if _needs_conversion(c.node)
              else renamed(c.source, c.name) for c in plan.columns)]


# ---- the results ----------------------------------------------------------------------------------


def _observation_result(observation: Any, session: Any) -> dict[str, Any] | None:
    """The observed metrics if an action has filled them, else None; never blocks (compat.py: the one
    home of what differs between classic Spark 3.5/4.x and Spark Connect here)."""
    return observation_metrics(observation, session)


class _TaggedCounter:
    """``engine="arrow"``: one observation over the tagged frame, which every output is a filter of."""

    def __init__(self, source: Any, tagged: Any, observation: Any, keys: list[tuple[str, str]], column: str) -> None:
        self.source, self.tagged, self.observation, self.keys, self.column = source, tagged, observation, keys, column
        self.arrow_rows: int | None = None
        self.source_kind: str | None = None  # "observation" or "counting_pass"
        self._rows: int | None = None

    def input_rows(self) -> int:
        if self._rows is None:
            self._rows = int(self.source.count())
        return self._rows

    def observed(self) -> bool:
        return _observation_result(self.observation, self.tagged.sparkSession) is not None

    def counts(self) -> Counts:
        rows = self.input_rows()
        metrics = _observation_result(self.observation, self.tagged.sparkSession)
        counts = None if metrics is None else _counts_from(rows, metrics, self.keys)
        self.source_kind = "observation"
        if counts is None or counts.valid + counts.quarantined != rows:
            counts = _counts_from(rows, self.tagged.agg(*_metrics(self.column, self.keys)).collect()[0].asDict(),
                                  self.keys)
            self.source_kind = "counting_pass"
        self.arrow_rows = counts.valid + counts.quarantined
        return counts

    def persist(self, storage_level: Any, keep_input: bool = True) -> None:
        _persist(self.tagged, storage_level)  # every row went through the kernels: all of it is kept

    def unpersist(self) -> None:
        self.tagged.unpersist()


class _BranchCounter:
    """``engine="auto"``: the clean rows (native) and the suspect rows (Arrow) are observed on their own.

    ``valid`` is the clean rows, plus the suspect rows the kernels cleared when the native flag is only a
    superset (else the valid output does not read the suspect rows at all); ``quarantined`` is the
    suspect rows with violations. One native pass counts the input's rows and flagged rows; each branch's
    observation (filled by the first action over it) is used only when it matches that count, so a
    partial action (``show``, ``limit``) or one that ran a branch twice (a sort's sampling pass) is never
    believed: that branch is counted again by a pass of its own.
    """

    def __init__(self, flagged: Any, flag: str, clean: Any, clean_obs: Any, suspects: Any, suspect_obs: Any,
                 keys: list[tuple[str, str]], column: str, valid_reads_suspects: bool) -> None:
        self.flagged, self.flag, self.clean, self.clean_obs = flagged, flag, clean, clean_obs
        self.suspects, self.suspect_obs = suspects, suspect_obs
        self.keys, self.column, self.valid_reads_suspects = keys, column, valid_reads_suspects
        self.arrow_rows: int | None = None
        self.source_kind: str | None = None  # "observation" (both branches) or "counting_pass" (any branch)
        self._native: tuple[int, int] | None = None

    def native_counts(self) -> tuple[int, int]:
        """(input rows, flagged rows), counted natively in one pass."""
        if self._native is None:
            from pyspark.sql import functions as F

            row = self.flagged.agg(F.count(F.lit(1)).alias("rows"),
                                   F.count(F.when(col(self.flag), 1)).alias("flagged")).collect()[0]
            self._native = (int(row["rows"]), int(row["flagged"]))
        return self._native

    def input_rows(self) -> int:
        return self.native_counts()[0]

    def _observed(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        session = self.clean.sparkSession
        return _observation_result(self.clean_obs, session), _observation_result(self.suspect_obs, session)

    def observed(self) -> bool:
        return any(m is not None for m in self._observed())

    def counts(self) -> Counts:
        rows, flagged = self.native_counts()
        clean_m, suspect_m = self._observed()
        clean = None if clean_m is None else int(clean_m.get("rows") or 0)
        self.source_kind = "observation"
        if clean != rows - flagged:
            clean = int(self.clean.count())  # native: the clean rows never enter Python
            self.source_kind = "counting_pass"
        suspect = None if suspect_m is None else _counts_from(rows, suspect_m, self.keys)
        if suspect is None or suspect.valid + suspect.quarantined != flagged:
            suspect = _counts_from(rows, self.suspects.agg(*_metrics(self.column, self.keys)).collect()[0].asDict(),
                                   self.keys)
            self.source_kind = "counting_pass"
        self.arrow_rows = suspect.valid + suspect.quarantined
        valid = clean + (suspect.valid if self.valid_reads_suspects else 0)
        return Counts(rows, valid, suspect.quarantined, suspect.by_rule)

    def persist(self, storage_level: Any, keep_input: bool = True) -> None:
        if keep_input:
            _persist(self.flagged, storage_level)  # the input and its flag: computed once for both outputs
        _persist(self.suspects, storage_level)  # the Arrow-checked rows: the kernels run once

    def unpersist(self) -> None:
        self.suspects.unpersist()
        self.flagged.unpersist()  # a no-op when it was not persisted


def _persist(df: Any, storage_level: Any) -> None:
    if storage_level is None:
        df.persist()
    else:
        df.persist(storage_level)


def _counts_from(rows: int, m: dict[str, Any], keys: Sequence[tuple[str, str]]) -> Counts:
    """Counts from the metrics of :func:`_metrics` (an observation, or a counting pass's row)."""
    by_rule = {key: int(m.get(f"v{i}") or 0) for i, key in enumerate(keys)}
    return Counts(rows, int(m.get("valid") or 0), int(m.get("quarantined") or 0),
                  {k: n for k, n in by_rule.items() if n})


@dataclass
class SplitResult:
    """Outcome of ``mode="split"``: lazy DataFrames over one enforcement, plus exact counts.

    ``valid`` and ``quarantine`` read the checks' results (with ``engine="arrow"`` both are filters of
    ``tagged``; with ``engine="auto"`` ``valid`` reads the rows the native flag clears, natively, and
    ``quarantine`` the flagged rows the Arrow kernels refused). ``tagged`` holds every row once, the
    violations column null for valid rows. ``warnings`` repeats what the plan warned about (also issued
    as :class:`~spark_signature.errors.PlanWarning`).
    """

    tagged: Any
    valid: Any
    quarantine: Any
    plan: Plan
    violations_column: str
    source: Any  # the input DataFrame
    _counter: _TaggedCounter | _BranchCounter
    params: dict | None = None  # the validated inference params (defaults filled), if any were given
    engine: str = "auto"
    _native: NativeCheck | None = field(default=None, repr=False)
    _counts: Counts | None = None
    #: how the counts were obtained: "observation" (the first actions over the outputs saw every row) or
    #: "counting_pass" (a pass counted what they had not; with engine="auto" writing only ``valid`` leaves
    #: the flagged rows to such a pass, the only one they make through the Arrow kernels)
    counts_source: str | None = None

    @property
    def warnings(self) -> list[str]:
        return list(self.plan.warnings)

    def persist(self, storage_level: Any = None, *, keep_input: bool = True) -> SplitResult:
        """Persist what the outputs share, so that writing ``valid`` and ``quarantine`` runs the checks once.

        ``engine="arrow"``: the tagged frame. ``engine="auto"``: the input with its native flag (computed
        once for both outputs) and the rows the Arrow kernels checked (checked once). ``keep_input=False``
        (auto only) keeps just the checked rows: each output re-reads the input and recomputes the flag
        natively, cheaper than caching every row when the input is a table read as of a pinned version
        (the jobs do this: measured at 5M rows, caching the input cost more than the copy of the table).
        """
        self._counter.persist(storage_level, keep_input)
        return self

    def unpersist(self) -> SplitResult:
        self._counter.unpersist()
        return self

    @property
    def observed(self) -> bool:
        """True once an action over an output (``tagged``, ``valid`` or ``quarantine``) completed."""
        return self._counter.observed()

    def input_rows(self) -> int:
        """The rows of the input, counted natively (no Python): the reference the outputs are checked against."""
        return self._counter.input_rows()

    def run(self) -> Counts:
        """The counts, running the one pass they need if no action ran yet (same as :attr:`counts`)."""
        return self.counts

    @property
    def counts(self) -> Counts:
        """Exact counts of the whole input, whatever action ran first.

        ``rows`` is a native count of the input; ``valid`` and ``quarantined`` are counted on their own on
        the outputs' rows. They come from the observations filled by the first action over the outputs
        when that action saw every row exactly once (``engine="arrow"``: valid + quarantined = rows;
        ``engine="auto"``: each branch matches the native count of its rows); after a partial first
        action (``show``, ``take``, ``limit``), or for an output no action read yet, from one counting
        pass (which reads the persisted rows, if persisted). A count that still does not add up raises
        :class:`~spark_signature.errors.CountMismatchError`.
        """
        if self._counts is None:
            self._counts = self._counter.counts().verify()
            self.counts_source = self._counter.source_kind
        return self._counts

    def explain(self) -> ExplainedPlan:
        """Per column and path, which checks run natively and which in the Arrow kernels (``str()`` it, or
        ``.to_dict()`` for a report); once counted, also how many rows the kernels checked."""
        return explain_plan(self.plan, self.engine, self._native, arrow_rows=self._counter.arrow_rows)


@dataclass
class CheckResult:
    """Outcome of ``check``/``fail_fast``: counts and the first example of each (column, rule)."""

    rows: int
    invalid_rows: int
    violations: list[dict]  # per (column, rule): column, rule, count, path, expected, found, value
    plan: Plan | None = None
    valid: Any = None  # the converted DataFrame (lazy), set by fail_fast when nothing failed
    params: dict | None = None  # the validated inference params (defaults filled), if any were given
    engine: str = "auto"
    arrow_rows: int | None = None  # rows the Arrow kernels checked (all of them with engine="arrow")
    _native: NativeCheck | None = field(default=None, repr=False)

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

    def explain(self) -> ExplainedPlan:
        """Per column and path, which checks ran natively and which in the Arrow kernels."""
        if self.plan is None:
            raise ValueError("this result has no plan to explain")
        return explain_plan(self.plan, self.engine, self._native, arrow_rows=self.arrow_rows)


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


def _summarize_batches(plan: Plan, stop_at_first: bool, position: str | None = None):
    """Per partition: rows, invalid rows, and per (column, rule) the count and the example at the earliest
    input position. ``position`` names a column holding each row's position (``monotonically_increasing_id``
    taken before the rows were filtered and shuffled); without it every row of the partition is here, in
    order, and the position is computed the same way (partition id << 33, plus the row's index in it)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        checker = Checker(plan)
        rows = invalid = 0
        parts: list[RuleCount] = []
        start = 0 if position else TaskContext.get().partitionId() << 33
        for batch in batches:
            log = checker.check(batch)
            before, rows = rows, rows + batch.num_rows
            if not log:
                continue
            invalid += int(log.invalid_rows().sum())
            positions = batch.column(position).to_numpy() if position else None
            placed = [replace(rc, first=replace(rc.first, row=int(positions[rc.first.row]) if positions is not None
                                                else start + before + rc.first.row))
                      for rc in log.rule_counts()]
            parts = merge_rule_counts([*parts, *placed], earliest=True)
            if stop_at_first:
                break
        out = [_summary_record(rc) for rc in parts]
        out.append({**dict.fromkeys(VIOLATION_FIELDS), "count": None, "row": None, "rows": rows,
                    "invalid_rows": invalid})
        yield pa.RecordBatch.from_pylist(out, schema=_SUMMARY_ARROW)

    return run


def _map_in_arrow(df: Any, fn: Any, schema: Any) -> Any:
    """``df.mapInArrow(fn, schema)`` for any column names: PySpark's ``mapInArrow`` looks each input column up
    by its unquoted name, which fails for a name with a dot (``a.b``), so the columns travel under positional
    names and ``fn`` gets each batch back under the real ones (a rename, no copy)."""
    names = list(df.columns)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return fn(pa.RecordBatch.from_arrays(b.columns, names=names) for b in batches)

    return df.toDF(*[f"_c{i}" for i in range(len(names))]).mapInArrow(run, schema)


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
                   schema: Schema | ModelSignature, engine: str = "auto") -> None:
    if mode not in ENFORCE_MODES:
        raise bad_option("mode", mode, list(ENFORCE_MODES))
    if engine not in ENGINES:
        raise bad_option("engine", engine, list(ENGINES))
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
    engine: str = "auto",
) -> SplitResult | CheckResult:
    """Check every row of ``df`` against ``schema`` (a Schema or a ModelSignature's inputs).

    ``keep_columns`` are carried through to the valid output (ids, keys); every input column is kept
    in quarantine rows. Static problems (missing required column, refused type) raise
    :class:`SchemaEnforcementError` before any Spark job runs; a bad option raises
    :class:`~spark_signature.errors.ConfigError`. ``params`` are checked on the driver against the
    signature's params schema (MLflow's rules: converted, defaults filled, unknown ones dropped with a
    warning); a bad param raises :class:`ParamsValidationError` before any job. For pandas, numpy,
    lists or dicts use :func:`spark_signature.validate_schema`.

    ``engine="auto"`` (default) checks natively first and sends only the rows Catalyst cannot clear
    through the Arrow kernels; ``engine="arrow"`` sends every row. Both give the same rows, violations
    and counts; ``result.explain()`` shows where each check runs.
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
    _check_options(df, mode, keep_columns, violations_column, schema, engine)
    checked_params = _validate_params(schema, params)
    plan = plan_for(df, schema, compat)
    native = compile_plan(plan)
    if mode == "split":
        split = (_split_auto if engine == "auto" else _split)(df, plan, native, keep_columns, violations_column)
        split.params = checked_params
        return split
    stop = mode == "fail_fast"
    result = (_check_auto if engine == "auto" else _check)(df, plan, native, stop_at_first=stop)
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
    """valid, quarantined (each counted on its own) and violations per (column, rule) of the tagged rows.

    Each per-rule count is one SQL expression (parsed by Spark in one call): built from Column objects, a
    higher-order filter costs dozens of driver round trips, which at hundreds of columns took seconds.
    """
    from pyspark.sql import functions as F

    v = col(column)
    name = quote(column)
    out = [F.count(F.when(v.isNull(), 1)).alias("valid"), F.count(v).alias("quarantined")]
    for i, (c, r) in enumerate(keys):
        # evaluated only on quarantined rows: valid rows (the vast majority) skip the higher-order filter
        hits = f"size(filter({name}, x -> x.column = {string_literal(c)} AND x.rule = {string_literal(r)}))"
        out.append(F.expr(f"sum(CASE WHEN {name} IS NOT NULL THEN {hits} END) AS v{i}"))
    return out


def _tagged_schema(df: Any, column: str) -> Any:
    from pyspark.sql import types as T

    spark_arrow_schema(df.schema)  # every column travels through Arrow to the quarantine: refuse the odd ones
    return T.StructType([*df.schema.fields, T.StructField(column, _spark_violations_type(), True)])


def _unused_name(names: Sequence[str], base: str) -> str:
    name = base
    while name in names:
        name = f"_{name}"
    return name


def _split(df: Any, plan: Plan, native: NativeCheck, keep: Sequence[str], column: str) -> SplitResult:
    """``engine="arrow"``: every row through the kernels; the outputs are filters of the one tagged frame."""
    from pyspark.sql import Observation

    out_schema = _tagged_schema(df, column)
    keys = [(c, r.value) for c, r in plan.rules_by_column()]
    observation = Observation()
    tagged = _map_in_arrow(df, _tag_batches(plan, column), out_schema).observe(observation, *_metrics(column, keys))
    v = col(column)
    valid = tagged.where(v.isNull()).select(*converted_columns(plan, keep))
    quarantine = tagged.where(v.isNotNull())
    counter = _TaggedCounter(df, tagged, observation, keys, column)
    return SplitResult(tagged, valid, quarantine, plan, column, df, counter, engine="arrow", _native=native)


def _split_auto(df: Any, plan: Plan, native: NativeCheck, keep: Sequence[str], column: str) -> SplitResult:
    """``engine="auto"``: the native flag splits the input; only flagged rows go through the kernels.

    ``valid`` = the clean rows, converted natively (plus, when the flag is only a superset, the flagged
    rows the kernels cleared); ``quarantine`` = the flagged rows with violations; ``tagged`` = both
    branches, the clean ones with a null violations column.
    """
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    out_schema = _tagged_schema(df, column)
    keys = [(c, r.value) for c, r in plan.rules_by_column()]
    flag = _unused_name(df.columns, "_spark_signature_suspect")
    flagged = df.select("*", native.suspect.alias(flag))
    clean_obs, suspect_obs = Observation(), Observation()
    clean = flagged.where(~col(flag)).drop(flag).observe(clean_obs, F.count(F.lit(1)).alias("rows"))
    suspects = (_map_in_arrow(flagged.where(col(flag)).drop(flag), _tag_batches(plan, column), out_schema)
                .observe(suspect_obs, *_metrics(column, keys)))
    v = col(column)
    converted = converted_columns(plan, keep)
    valid = clean.select(*converted)
    if not native.exact:
        valid = valid.union(suspects.where(v.isNull()).select(*converted))
    quarantine = suspects.where(v.isNotNull())
    tagged = clean.select("*", F.lit(None).cast(_spark_violations_type()).alias(column)).union(suspects)
    counter = _BranchCounter(flagged, flag, clean, clean_obs, suspects, suspect_obs, keys, column,
                             valid_reads_suspects=not native.exact)
    return SplitResult(tagged, valid, quarantine, plan, column, df, counter, engine="auto", _native=native)


def _check_result(records: list[Any], rows: int, plan: Plan, native: NativeCheck, engine: str) -> CheckResult:
    arrow_rows = sum(r["rows"] for r in records if r["column"] is None)
    invalid = sum(r["invalid_rows"] for r in records if r["column"] is None)
    # Each example carries its input position: the earliest one is kept, and the rules are listed in the order
    # of their examples' positions, whatever order the partitions' summaries arrive in.
    parts = [RuleCount(r["column"], Rule(r["rule"]), r["count"], Violation.from_dict(r.asDict()))
             for r in records if r["column"] is not None]
    merged = sorted(merge_rule_counts(parts, earliest=True), key=lambda rc: rc.first.row)
    violations = [{"column": rc.column, "rule": rc.rule.value, "count": rc.count,
                   **{k: v for k, v in rc.first.to_dict().items() if k in ("path", "expected", "found", "value")}}
                  for rc in merged]
    return CheckResult(rows, invalid, violations, plan, engine=engine, arrow_rows=arrow_rows, _native=native)


def _check(df: Any, plan: Plan, native: NativeCheck, *, stop_at_first: bool) -> CheckResult:
    """``engine="arrow"``: every row of the columns the plan reads through the kernels."""
    # Only the columns the plan reads travel to Python: a counts-only pass needs nothing else.
    needed = df.select(*[col(c.source) for c in plan.columns])
    records = _map_in_arrow(needed, _summarize_batches(plan, stop_at_first), _summary_spark_schema()).collect()
    rows = sum(r["rows"] for r in records if r["column"] is None)
    return _check_result(records, rows, plan, native, "arrow")


def _adaptive(spark: Any) -> bool:
    return str(spark.conf.get("spark.sql.adaptive.enabled", "true")).strip().lower() == "true"


def _check_auto(df: Any, plan: Plan, native: NativeCheck, *, stop_at_first: bool) -> CheckResult:
    """``engine="auto"``: rows counted natively in the same job (check) or a native job first (fail_fast);
    only flagged rows reach the kernels."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    # Only the columns with a per-row check are read: the flag is true on every row the kernels would
    # quarantine (tests/test_native.py holds it so for every node type), so a column it does not test (an
    # optional scalar, Any) cannot yield a violation, and the kernels check the others only.
    tested = {s.column for s in native.sites}
    checked = replace(plan, columns=[c for c in plan.columns if c.name in tested] or plan.columns)
    needed = df.select(*[col(c.source) for c in checked.columns])

    position = _unused_name(df.columns, "_spark_signature_position")

    def kernels_over_flagged(source: Any, *, rebalance: bool) -> list[Any]:
        # Each flagged row keeps its input position (taken before any shuffle), so the examples and their
        # order do not depend on which task sees which row. The rebalance gathers the few flagged rows of many
        # input partitions into few Python tasks, each with a fixed cost; only adaptive execution sizes those
        # partitions (without it a rebalance makes spark.sql.shuffle.partitions tasks, mostly empty).
        flagged = source.where(native.suspect).select("*", F.monotonically_increasing_id().alias(position))
        if rebalance and _adaptive(df.sparkSession):
            flagged = flagged.hint("rebalance")
        return _map_in_arrow(flagged, _summarize_batches(checked, stop_at_first, position),
                             _summary_spark_schema()).collect()

    if stop_at_first:
        # fail_fast is asked of data expected clean: one native count of rows and flagged rows answers it
        # (no Python stage at all); the kernels then run, over the flagged rows only, when some are flagged.
        counted = needed.agg(F.count(F.lit(1)).alias("rows"),
                             F.count(F.when(native.suspect, True)).alias("flagged")).collect()[0]
        records = kernels_over_flagged(needed, rebalance=False) if counted["flagged"] else []
        return _check_result(records, int(counted["rows"]), plan, native, "auto")
    if not native.sites:  # nothing depends on the values: every row is valid, counting them is the whole check
        return _check_result([], int(needed.count()), plan, native, "auto")
    # The rows are counted as they come from the input, before the flag's filter: observing a projection that
    # carries the flag would build that projection for every row, where the filter needs only the flag.
    observation = Observation()
    records = kernels_over_flagged(needed.observe(observation, F.count(F.lit(1)).alias("rows")), rebalance=True)
    metrics = _observation_result(observation, df.sparkSession) or {}
    rows = int(metrics["rows"]) if metrics.get("rows") is not None else int(needed.count())
    return _check_result(records, rows, plan, native, "auto")


__all__ = ["ENFORCE_MODES", "ENGINES", "CheckResult", "SplitResult", "converted_columns", "enforce", "plan_for",
           "spark_arrow_schema", "spark_conversion"]
