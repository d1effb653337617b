"""The native fast path (``engine="auto"``) against the Arrow kernels (``engine="arrow"``, the oracle).

* the shared enforcement cases run through both engines in ``tests/test_enforcement_cases.py``
  (``test_both_engines``: the same violations, counts and split outputs); here, besides them:
* property tests over random nested signatures of every node type (scalars with each conversion of the
  rule table, the 0/1 and exact-decimal rules, Array, Object with absent optional fields, Map, Any,
  tensors, pyspark.ml vectors; both compat modes), generated valid data, and one random violation at any
  depth, on multi-partition frames with empty partitions: the Arrow kernels find exactly the planted
  violation, ``auto`` gives the same outputs, and the native suspect flag is true on every row the
  kernels quarantine (and on no other row where it claims to be exact);
* what ``auto`` promises beyond equal outputs: rows the flag clears never enter Python, exact counts
  whatever the first action, one pass of the kernels from a persisted result, a real mismatch raises,
  ``explain()``.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from _engines import each_with_each_engine
from _strategies import spark_examples
from chispa.rows_comparer import assert_basic_rows_equality
from chispa.schema_comparer import assert_schema_equality
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from spark_signature import (
    AnyType,
    Array,
    ColSpec,
    ConfigError,
    DataType,
    Map,
    Object,
    Property,
    Rule,
    Schema,
    SchemaEnforcementError,
    SparkMLVector,
    TensorSpec,
    paths,
)
from spark_signature.arrow_types import classify
from spark_signature.enforcement import native as native_mod
from spark_signature.enforcement import spark as spark_engine
from spark_signature.enforcement.arrow import VALUE_KERNELS
from spark_signature.enforcement.native import ENGINES, NATIVE_VALUE_CHECKS, compile_plan, explain_plan
from spark_signature.enforcement.spark import enforce, plan_for, spark_arrow_schema
from spark_signature.errors import CountMismatchError
from spark_signature.rules import (
    PANDAS_CHECKS,
    VALUE_CHECK_TEXT,
    Compat,
    Found,
    ValueCheck,
    decide,
    null_is_violation,
    null_violation,
)

D = DataType
RID = "_rid"


def test_every_value_check_has_a_kernel_and_a_native_form():
    assert set(VALUE_KERNELS) == set(ValueCheck) - PANDAS_CHECKS == set(NATIVE_VALUE_CHECKS)
    assert set(VALUE_CHECK_TEXT) == set(ValueCheck)  # each described once (docs table, diff reasons)


def test_bad_engine_is_a_config_error(spark):
    df = spark.createDataFrame([(1,)], "a bigint")
    with pytest.raises(ConfigError) as err:
        enforce(df, Schema([ColSpec(D.long, "a")]), engine="python")
    assert (err.value.rule, err.value.path) == (Rule.INVALID_OPTION, "engine")


# ---- comparing the engines -------------------------------------------------------------------------


@dataclass
class Split:
    """One engine's split, collected once: valid rows, quarantine rows (by row id), counts."""

    result: Any
    valid: list
    quarantine: list
    counts: Any


def _split(df, schema, compat, engine, **kwargs) -> Split:
    result = enforce(df, schema, mode="split", compat=compat, keep_columns=[RID], engine=engine, **kwargs)
    valid = sorted(result.valid.collect(), key=lambda r: r[RID])
    quarantine = sorted(result.quarantine.collect(), key=lambda r: r[RID])
    return Split(result, valid, quarantine, result.counts)


def assert_same_split(df, schema, compat="strict", rows=None, **kwargs) -> tuple[Split, Split]:
    """split through both engines: the same valid rows, quarantine rows with the same violations, the same
    counts, the same schemas (chispa's comparers: the diff is the message). Each output is collected once,
    and the counts come from those actions' observations (plus the native counting pass)."""
    auto, arrow = (_split(df, schema, compat, e, **kwargs) for e in ENGINES)
    for name in ("valid", "quarantine"):
        assert_schema_equality(getattr(auto.result, name).schema, getattr(arrow.result, name).schema)
        assert_basic_rows_equality(getattr(auto, name), getattr(arrow, name))
    assert auto.counts == arrow.counts
    rows = df.count() if rows is None else rows
    assert (auto.counts.rows, auto.counts.valid, auto.counts.quarantined) == (
        rows, len(auto.valid), len(auto.quarantine))
    return auto, arrow


def assert_same_check(df, schema, compat="strict") -> None:
    """check and fail_fast through both engines: the same counts per (column, rule), the same decision."""
    got = {e: enforce(df, schema, mode="check", compat=compat, engine=e) for e in ENGINES}
    assert got["auto"].counts == got["arrow"].counts
    for e in ENGINES:
        try:
            r = enforce(df, schema, mode="fail_fast", compat=compat, engine=e)
        except SchemaEnforcementError as err:
            assert not got["arrow"].ok
            assert err.rule.value in {v["rule"] for v in got["arrow"].violations}
        else:
            assert got["arrow"].ok and r.rows == got["arrow"].rows


# ---- a generated signature of every node type ------------------------------------------------------


@dataclass
class Site:
    """A position of one generated row where a single change plants exactly one violation."""

    steps: list  # how to reach the value from the column's value
    new: Any  # the value that violates (None: a null)
    path: str
    rule: Rule


@dataclass
class Model:
    """One position of a generated signature: its declared type, the input's Spark type, valid values."""

    kind: str

    def spec(self) -> Any:
        raise NotImplementedError

    def spark_type(self) -> Any:
        raise NotImplementedError

    def null_violates(self, required: bool, compat: Compat, position: str) -> bool:
        return null_is_violation(self.spec(), required, compat, position=position)

    def good(self, required: bool, compat: Compat, position: str) -> st.SearchStrategy:
        base = self.values(required, compat)
        return base if self.null_violates(required, compat, position) else st.one_of(st.none(), base)

    def values(self, required: bool, compat: Compat) -> st.SearchStrategy:
        raise NotImplementedError

    def sites(self, value: Any, steps: list, path: str, required: bool, compat: Compat, position: str,
              rnd: Any) -> list[Site]:
        if value is None:
            return []
        verdict = null_violation(self.spec(), required, compat, position=position)  # null_in_required/_integer
        out = [Site(steps, None, path, verdict.rule)] if verdict is not None else []
        return out + self.inner_sites(value, steps, path, required, compat, rnd)

    def inner_sites(self, value, steps, path, required, compat, rnd) -> list[Site]:
        return []


@dataclass
class Scalar(Model):
    declared: DataType = D.long
    ddl: str = "bigint"
    found: Found = Found.INT64
    strategy: Any = None
    bad: tuple = ()  # values a value check refuses

    def spec(self):
        return self.declared

    def spark_type(self):
        from pyspark.sql.types import _parse_datatype_string

        return _parse_datatype_string(self.ddl)

    def values(self, required, compat):
        return self.strategy

    def inner_sites(self, value, steps, path, required, compat, rnd):
        if self.bad and decide(self.found, self.declared, compat).check is not None:
            return [Site(steps, rnd.choice(self.bad), path, Rule.UNSAFE_CAST)]
        return []


_EXACT_WIDE = [decimal.Decimal("1.500"), decimal.Decimal("-123456789012.345"), decimal.Decimal(2**60),
               decimal.Decimal(-3 * 2**55), decimal.Decimal("0.000")]  # the last three: >15 digits, still exact
SCALARS = [
    Scalar("scalar", D.long, "bigint", Found.INT64, st.integers(-(2**63), 2**63 - 1)),
    Scalar("scalar", D.long, "int", Found.INT32, st.integers(-(2**31), 2**31 - 1)),
    Scalar("scalar", D.integer, "smallint", Found.INT16, st.integers(-(2**15), 2**15 - 1)),
    Scalar("scalar", D.double, "double", Found.FLOAT64, st.floats(allow_nan=False)),
    Scalar("scalar", D.double, "float", Found.FLOAT32, st.floats(width=32, allow_nan=False)),
    Scalar("scalar", D.double, "bigint", Found.INT64, st.sampled_from([0, 1]), (2, -1, 2**40)),
    Scalar("scalar", D.float, "bigint", Found.INT64, st.sampled_from([0, 1]), (7, -5)),
    Scalar("scalar", D.double, "decimal(10,2)", Found.DECIMAL,
           st.decimals("-99999999.99", "99999999.99", places=2)),
    Scalar("scalar", D.double, "decimal(38,3)", Found.DECIMAL_WIDE, st.sampled_from(_EXACT_WIDE),
           (decimal.Decimal("12345678901234567.123"), decimal.Decimal("-99999999999999999.999"))),
    Scalar("scalar", D.string, "string", Found.STRING, st.text(max_size=4)),
    Scalar("scalar", D.binary, "string", Found.STRING, st.text(max_size=4)),
    Scalar("scalar", D.boolean, "boolean", Found.BOOL, st.booleans()),
    Scalar("scalar", D.datetime, "date", Found.DATE, st.dates(dt.date(1971, 1, 1), dt.date(2100, 1, 1))),
    Scalar("scalar", D.datetime, "timestamp", Found.TIMESTAMP,
           st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2100, 1, 1))),
]


@dataclass
class AnyM(Model):
    ddl: str = "string"

    def spec(self):
        return AnyType()

    def spark_type(self):
        from pyspark.sql.types import _parse_datatype_string

        return _parse_datatype_string(self.ddl)

    def values(self, required, compat):
        return st.text(max_size=3) if self.ddl == "string" else st.integers(-5, 5)


@dataclass
class ArrayM(Model):
    element: Model = None

    def spec(self):
        return Array(self.element.spec())

    def spark_type(self):
        from pyspark.sql import types as T

        return T.ArrayType(self.element.spark_type(), True)

    def values(self, required, compat):
        return st.lists(self.element.good(required, compat, "element"), max_size=3)

    def inner_sites(self, value, steps, path, required, compat, rnd):
        return [s for i, v in enumerate(value)
                for s in self.element.sites(v, [*steps, i], paths.index(path, i), required, compat, "element", rnd)]


@dataclass
class MapM(Model):
    value: Model = None

    def spec(self):
        return Map(self.value.spec())

    def spark_type(self):
        from pyspark.sql import types as T

        return T.MapType(T.StringType(), self.value.spark_type(), True)

    def values(self, required, compat):
        keys = st.sampled_from(["k", "it's", "a\\b", ""])  # quotes and backslashes are escaped in paths
        return st.dictionaries(keys, self.value.good(required, compat, "map_value"), max_size=3)

    def inner_sites(self, value, steps, path, required, compat, rnd):
        return [s for k, v in value.items()
                for s in self.value.sites(v, [*steps, k], paths.key(path, k), required, compat, "map_value", rnd)]


@dataclass
class Prop:
    name: str
    model: Model
    required: bool
    present: bool  # False: an optional property the input's struct does not have


@dataclass
class ObjectM(Model):
    props: list = field(default_factory=list)

    def spec(self):
        return Object([Property(p.name, p.model.spec(), required=p.required) for p in self.props])

    def spark_type(self):
        from pyspark.sql import types as T

        return T.StructType([T.StructField(p.name, p.model.spark_type(), True) for p in self.props if p.present])

    def values(self, required, compat):
        return st.fixed_dictionaries({p.name: p.model.good(p.required, compat, "property")
                                      for p in self.props if p.present})

    def inner_sites(self, value, steps, path, required, compat, rnd):
        return [s for p in self.props if p.present
                for s in p.model.sites(value[p.name], [*steps, p.name], paths.field(path, p.name), p.required,
                                       compat, "property", rnd)]


@dataclass
class TensorM(Model):
    """A TensorSpec column: nested arrays, one level per dimension after the batch axis (-1: any length)."""

    dtype: str = "float32"
    dims: tuple = (2,)

    def spec(self):
        return TensorSpec(np.dtype(self.dtype), (-1, *self.dims))

    def spark_type(self):
        from pyspark.sql import types as T

        t = T.FloatType() if self.dtype == "float32" else T.LongType()
        for _ in self.dims:
            t = T.ArrayType(t, True)
        return t

    def null_violates(self, required, compat, position):
        return True

    def values(self, required, compat):
        leaf = st.floats(width=32, allow_nan=False) if self.dtype == "float32" else st.integers(-9, 9)

        def level(depth):
            if depth == len(self.dims):
                return leaf
            d = self.dims[depth]
            n = dict(min_size=0, max_size=3) if d == -1 else dict(min_size=d, max_size=d)
            return st.lists(level(depth + 1), **n)

        return level(0)

    def inner_sites(self, value, steps, path, required, compat, rnd):
        out = []

        def walk(v, depth, steps, path):
            if depth == len(self.dims):
                if depth:
                    out.append(Site(steps, None, path, Rule.NULL_IN_REQUIRED))
                return
            if depth:
                out.append(Site(steps, None, path, Rule.NULL_IN_REQUIRED))
            if self.dims[depth] != -1:  # fixed dims are >= 1 here: one element less breaks exactly this one
                out.append(Site(steps, v[:-1], path, Rule.SHAPE_MISMATCH))
            for i, x in enumerate(v):
                walk(x, depth + 1, [*steps, i], paths.index(path, i))

        walk(value, 0, steps, path)
        return out


@dataclass
class VectorM(Model):
    sig: Any = None

    def spec(self):
        return self.sig

    def spark_type(self):
        from pyspark.ml.linalg import VectorUDT

        return VectorUDT()

    def values(self, required, compat):
        from pyspark.ml.linalg import Vectors

        dense = st.lists(st.floats(allow_nan=False, width=32), max_size=3).map(Vectors.dense)
        sparse = st.just(Vectors.sparse(3, [1], [2.5]))
        return st.one_of(dense, sparse)


NAMES = ["a", "b", "c.d", "e f"]


def models(depth: int = 2) -> st.SearchStrategy:
    """Any nested position: scalars of every conversion, Any, and Array / Map / Object of those."""
    leaf = st.one_of(st.sampled_from(SCALARS), st.sampled_from([AnyM("any", "string"), AnyM("any", "bigint")]))
    if depth == 0:
        return leaf
    inner = models(depth - 1)
    return st.one_of(
        leaf,
        inner.map(lambda m: ArrayM("array", m)),
        inner.map(lambda m: MapM("map", m)),
        objects(inner),
    )


def objects(inner: st.SearchStrategy) -> st.SearchStrategy:
    """Objects of 1-3 properties; an optional property may be absent from the input (never all of them)."""
    props = st.lists(st.tuples(st.sampled_from(NAMES), inner, st.booleans(), st.booleans()), min_size=1, max_size=3,
                     unique_by=lambda p: p[0])

    def build(ps):
        present = [r or keep or i == 0 for i, (_, _, r, keep) in enumerate(ps)]
        return ObjectM("object", [Prop(n, m, r, p) for (n, m, r, _), p in zip(ps, present, strict=True)])

    return props.map(build)


TENSORS = st.builds(TensorM, st.just("tensor"), st.sampled_from(["float32", "int64"]),
                    st.lists(st.sampled_from([1, 2, 3, -1]), min_size=0, max_size=3).map(tuple))


def top_models(kind: str | None = None) -> st.SearchStrategy:
    """A column's model; ``kind`` forces the top-level node type (children stay random). A schema is all
    tensors or no tensors (MLflow's rule), so ``kind=None`` draws no tensor."""
    vectors = st.sampled_from([VectorM("vector", Array(D.double)), VectorM("vector", SparkMLVector())])
    nested = models()
    by_kind = {
        "scalar": st.sampled_from(SCALARS),
        "any": st.sampled_from([AnyM("any", "string"), AnyM("any", "bigint")]),
        "array": models(1).map(lambda m: ArrayM("array", m)),
        "map": models(1).map(lambda m: MapM("map", m)),
        "object": objects(models(1)),
        "tensor": TENSORS,
        "vector": vectors,
    }
    if kind is not None:
        return by_kind[kind]
    return st.one_of(nested, vectors)


@dataclass
class Generated:
    models: list  # (name, model, required)
    compat: Compat
    rows: list  # tuples of column values, then the row id

    def schema(self) -> Schema:
        return Schema([TensorSpec(m.spec().type, m.spec().shape, name) if isinstance(m, TensorM)
                       else ColSpec(m.spec(), name, required=r) for name, m, r in self.models])

    def spark_schema(self):
        from pyspark.sql import types as T

        return T.StructType([*(T.StructField(name, m.spark_type(), True) for name, m, _ in self.models),
                             T.StructField(RID, T.IntegerType(), False)])


@st.composite
def generated(draw, kind: str | None = None, max_rows: int = 6):
    if kind is None and draw(st.integers(0, 4)) == 0:
        kind = "tensor"
    first = draw(top_models(kind))
    more = draw(st.lists(TENSORS if kind == "tensor" else top_models(), max_size=2))
    cols = [(f"c{i}", m, True if isinstance(m, TensorM) else draw(st.booleans())) for i, m in enumerate([first, *more])]
    compat = draw(st.sampled_from(list(Compat)))
    rows = draw(st.lists(st.tuples(*[m.good(r, compat, "column") for _, m, r in cols]), max_size=max_rows))
    return Generated(cols, compat, [(*r, i) for i, r in enumerate(rows)])


def _set(value, steps, new):
    if not steps:
        return new
    head, *rest = steps
    out = list(value) if isinstance(value, list) else dict(value)
    out[head] = _set(out[head], rest, new)
    return out


def plant_one(gen: Generated, rnd) -> tuple[int, str, Rule] | None:
    """Plant one violation at a random position of a random row; None when no position can hold one."""
    sites = [(i, c, s) for i, row in enumerate(gen.rows) for c, (name, m, r) in enumerate(gen.models)
             for s in m.sites(row[c], [], name, r, gen.compat, "column", rnd)]
    if not sites:
        return None
    i, c, s = rnd.choice(sites)
    row = list(gen.rows[i])
    row[c] = _set(row[c], s.steps, s.new)
    gen.rows[i] = tuple(row)
    return i, s.path, s.rule


def _frame(spark, gen: Generated):
    # 4 partitions for at most 6 rows: multi-row and empty partitions; checkpointed so that every job of
    # an example reads the same partitions without shuffling again
    return spark.createDataFrame(gen.rows, gen.spark_schema(), verifySchema=False).repartition(4).localCheckpoint()


def assert_flag_covers_the_quarantine(df, schema, compat, quarantined: set) -> None:
    """The native flag is true on every row the kernels quarantined (``quarantined``: their row ids), and
    exactly there when it says it is exact."""
    plan = plan_for(df, schema, compat)
    compiled = compile_plan(plan)
    flagged = {r[RID]: r["s"] for r in df.select(RID, compiled.suspect.alias("s")).collect()}
    missed = {i for i in quarantined if not flagged[i]}
    assert not missed, f"the native flag is false on quarantined rows {missed}"
    assert all(isinstance(s, bool) for s in flagged.values())  # never null
    if compiled.exact:
        assert {i for i, s in flagged.items() if s} == quarantined


PROPERTY = settings(max_examples=spark_examples(10), deadline=None, suppress_health_check=list(HealthCheck))
PER_KIND = settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))


def _run_one(spark, gen: Generated, planted: tuple | None) -> None:
    import warnings

    from spark_signature.errors import PlanWarning

    df = _frame(spark, gen)
    schema = gen.schema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlanWarning)  # the wide decimal's warning: expected here
        _, arrow = assert_same_split(df, schema, gen.compat.value, rows=len(gen.rows))
        found = {(r[RID], v["path"], v["rule"]) for r in arrow.quarantine for v in r["_violations"]}
        expected = set() if planted is None else {(planted[0], planted[1], planted[2].value)}
        assert found == expected
        assert_flag_covers_the_quarantine(df, schema, gen.compat.value, {r[RID] for r in arrow.quarantine})


@PROPERTY
@given(gen=generated(), rnd=st.randoms(use_true_random=False), plant=st.booleans())
def test_random_signatures_same_outputs_in_both_engines(spark, gen, rnd, plant):
    planted = plant_one(gen, rnd) if plant else None
    _run_one(spark, gen, planted)


@pytest.mark.exhaustive  # the matrix runs the random signatures above, which draw every node type
@pytest.mark.parametrize("kind", ["scalar", "any", "array", "map", "object", "tensor", "vector"])
@PER_KIND
@given(data=st.data())
def test_flag_covers_every_violation_per_node_type(spark, kind, data):
    gen = data.draw(generated(kind, max_rows=4))
    rnd = data.draw(st.randoms(use_true_random=False))
    planted = plant_one(gen, rnd)
    _run_one(spark, gen, planted)


def _plantable(gen: Generated) -> set[Rule]:
    rnd = __import__("random").Random(0)
    return {s.rule for row in gen.rows for c, (name, m, r) in enumerate(gen.models)
            for s in m.sites(row[c], [], name, r, gen.compat, "column", rnd)}


@pytest.mark.parametrize(("kind", "rule"), [
    ("scalar", Rule.NULL_IN_REQUIRED), ("scalar", Rule.UNSAFE_CAST), ("array", Rule.NULL_IN_REQUIRED),
    ("array", Rule.UNSAFE_CAST), ("map", Rule.NULL_IN_REQUIRED), ("object", Rule.NULL_IN_REQUIRED),
    ("object", Rule.UNSAFE_CAST), ("tensor", Rule.SHAPE_MISMATCH), ("tensor", Rule.NULL_IN_REQUIRED),
    ("vector", Rule.NULL_IN_REQUIRED),
])
def test_the_generators_can_plant_every_rule_at_every_node_type(kind, rule):
    """So that the property tests above can fail: each node type can carry each of its rules."""
    find(generated(kind, max_rows=3), lambda g: rule in _plantable(g),  # the first example found will do
         settings=settings(max_examples=2000, database=None, phases=[Phase.generate],
                           suppress_health_check=list(HealthCheck)))


# ---- what auto promises beyond equal outputs -------------------------------------------------------


def _counting_kernel(monkeypatch, spark):
    """Count the rows the split kernel sees (an accumulator around ``_tag_batches``)."""
    acc = spark.sparkContext.accumulator(0)
    original = spark_engine._tag_batches

    def counting(plan, column):
        inner = original(plan, column)

        def run(batches):
            for b in inner(batches):
                acc.add(b.num_rows)
                yield b

        return run

    monkeypatch.setattr(spark_engine, "_tag_batches", counting)
    return acc


def _bad_frame(spark, n=2000, every=97):
    return spark.range(n).selectExpr(f"CAST(IF(id % {every} = 0, NULL, id) AS bigint) AS a",
                                     "CAST(id % 2 AS bigint) AS flag", f"CAST(id AS int) AS {RID}").repartition(4)


SCHEMA = Schema([ColSpec(D.long, "a"), ColSpec(D.double, "flag")])


def test_clean_rows_never_enter_python(spark, monkeypatch):
    acc = _counting_kernel(monkeypatch, spark)
    df = _bad_frame(spark)
    bad = df.where("a IS NULL").count()
    result = enforce(df, SCHEMA, keep_columns=[RID])
    assert result.valid.count() == 2000 - bad
    assert acc.value == 0  # the valid output is native only
    assert result.quarantine.count() == bad
    assert acc.value == bad  # only the flagged rows went through the kernel
    check = enforce(df, SCHEMA, mode="check")
    assert (check.rows, check.invalid_rows, check.arrow_rows) == (2000, bad, bad)
    assert enforce(df, SCHEMA, mode="check", engine="arrow").arrow_rows == 2000


def test_enforce_on_a_wide_table_costs_a_few_driver_round_trips_per_column(spark, monkeypatch):
    """The flag, the per-rule metrics and the valid output's columns are parsed from SQL text: enforce() on a
    wide feature table makes a few driver -> JVM round trips per column (built from Column objects it made
    ~170 per column on pyspark 4.0: ~8 s at 200 columns before a row was read)."""
    from py4j import clientserver, protocol
    from pyspark.sql import functions as F

    cols = 150
    df = spark.range(4).select(*[F.when(F.col("id") > i % 3, F.col("id") * 1.0).alias(f"d{i}") for i in range(cols)])
    schema = Schema([ColSpec(D.double, f"d{i}") for i in range(cols)])
    commands = []
    original = clientserver.ClientServerConnection.send_command
    monkeypatch.setattr(clientserver.ClientServerConnection, "send_command",
                        lambda self, command: commands.append(command) or original(self, command))
    result = enforce(df, schema)
    valid, quarantine = result.valid, result.quarantine
    # Not counted: py4j's releases of JVM objects the Python side dropped, sent whenever the garbage collector
    # gets to them (their number varies from run to run).
    release = protocol.MEMORY_COMMAND_NAME + protocol.MEMORY_DEL_SUBCOMMAND_NAME
    calls = [c for c in commands if not c.startswith(release)]
    assert len(calls) < 20 * cols, f"{len(calls)} round trips for {cols} columns ({len(commands)} with releases)"
    monkeypatch.undo()
    assert (valid.count(), quarantine.count()) == (1, 3)  # only id 3 is above every i % 3


def test_check_reads_only_the_columns_the_flag_tests(spark, monkeypatch):
    plans = []
    original = spark_engine._summarize_batches
    monkeypatch.setattr(spark_engine, "_summarize_batches",
                        lambda plan, *a, **k: plans.append(plan) or original(plan, *a, **k))
    df = spark.createDataFrame([(1.0, None, "x"), (None, 2.0, None), (None, None, "y")], "a double, b double, s string")
    schema = Schema([ColSpec(D.double, "a"), ColSpec(D.double, "b", required=False),
                     ColSpec(D.string, "s", required=False)])
    auto = enforce(df, schema, mode="check")
    arrow = enforce(df, schema, mode="check", engine="arrow")
    assert [[c.name for c in p.columns] for p in plans] == [["a"], ["a", "b", "s"]]  # auto, then arrow
    assert (auto.rows, auto.invalid_rows, auto.arrow_rows) == (3, 2, 2)
    assert auto.violations == arrow.violations
    assert [(v["column"], v["rule"], v["count"]) for v in auto.violations] == [("a", "null_in_required", 2)]


@pytest.mark.parametrize("adaptive", ["true", "false"])  # without adaptive execution auto does not rebalance
def test_check_examples_are_the_earliest_rows_whatever_the_partitioning(spark, adaptive):
    from spark_signature.errors import PlanWarning

    # 8 input partitions; auto gathers the flagged rows with a shuffle before the kernels. Each (column, rule)
    # keeps the example of its earliest input row, and the rules are listed in the order of those rows: both
    # engines, whatever task saw which row (before input positions, auto's examples followed the shuffle).
    df = spark.range(0, 400, numPartitions=8).selectExpr(
        "CAST(CASE WHEN id IN (20, 300, 350) THEN 1234567890123456.789 + id ELSE id END AS DECIMAL(38, 3)) AS d",
        "CASE WHEN id IN (55, 200, 390) THEN NULL ELSE id * 1.5 END AS a")
    schema = Schema([ColSpec(D.double, "d"), ColSpec(D.double, "a")])
    before = spark.conf.get("spark.sql.adaptive.enabled")
    spark.conf.set("spark.sql.adaptive.enabled", adaptive)
    try:
        with pytest.warns(PlanWarning, match="more than 15 significant digits"):
            auto, arrow = (enforce(df, schema, mode="check", engine=e) for e in ("auto", "arrow"))
    finally:
        spark.conf.set("spark.sql.adaptive.enabled", before)
    assert auto.violations == arrow.violations
    assert [(v["column"], v["count"], v["value"]) for v in auto.violations] == [
        ("d", 3, "1234567890123476.789"), ("a", 3, None)]
    assert (auto.invalid_rows, auto.arrow_rows) == (6, 6)


def test_check_summaries_keep_the_earliest_example_whatever_order_the_rows_come_in():
    # After the shuffle a task sees flagged rows in any order: the example kept per (column, rule) is the one at
    # the smallest input position, not the first seen, and each summary record carries that position.
    import pyarrow as pa

    from spark_signature.enforcement.plan import build_plan

    plan = build_plan(Schema([ColSpec(D.double, "a")]), pa.schema([("a", pa.float64())]), spark=True)
    batches = [pa.RecordBatch.from_pydict({"a": [None, 1.0], "pos": [900, 5]}),
               pa.RecordBatch.from_pydict({"a": [2.0, None, None], "pos": [7, 40, 41]})]
    (summary,) = spark_engine._summarize_batches(plan, False, "pos")(iter(batches))
    records = summary.to_pylist()
    assert [(r["column"], r["rule"], r["count"], r["row"]) for r in records if r["column"]] == [
        ("a", "null_in_required", 3, 40)]
    assert records[-1]["rows"] == 5 and records[-1]["invalid_rows"] == 3


def test_fail_fast_on_clean_data_builds_no_python_stage(spark, monkeypatch):
    built = []
    original = spark_engine._summarize_batches
    monkeypatch.setattr(spark_engine, "_summarize_batches", lambda *a, **k: built.append(a) or original(*a, **k))
    clean = _bad_frame(spark).where("a IS NOT NULL")
    ok = enforce(clean, SCHEMA, mode="fail_fast")
    assert (ok.ok, ok.rows, ok.arrow_rows, built) == (True, clean.count(), 0, [])
    with pytest.raises(SchemaEnforcementError, match="'a'"):
        enforce(_bad_frame(spark), SCHEMA, mode="fail_fast")
    assert len(built) == 1  # flagged rows exist: the kernels ran, over them only, for the reason


@pytest.mark.parametrize("keep_input", [True, False])
def test_persisted_result_runs_the_kernels_once(spark, monkeypatch, tmp_path, keep_input):
    acc = _counting_kernel(monkeypatch, spark)
    df = _bad_frame(spark)
    bad = df.where("a IS NULL").count()
    result = enforce(df, SCHEMA, keep_columns=[RID]).persist(keep_input=keep_input)
    try:
        # keep_input=False caches only the rows the kernels checked; the outputs re-read the input natively
        assert (result._counter.flagged.is_cached, result._counter.suspects.is_cached) == (keep_input, True)
        result.valid.write.parquet(str(tmp_path / "valid"))
        result.quarantine.write.parquet(str(tmp_path / "quarantine"))
        assert acc.value == bad
        counts = result.counts.as_dict()
        assert (counts["rows"], counts["valid"], counts["quarantined"]) == (2000, 2000 - bad, bad)
        assert acc.value == bad  # the counts came from the two writes' observations
        assert spark.read.parquet(str(tmp_path / "valid")).count() == 2000 - bad
    finally:
        result.unpersist()
    assert not result._counter.suspects.is_cached


@pytest.mark.parametrize(("first", "engine"), each_with_each_engine(
    ["show", "take", "limit", "valid_write", "quarantine_write", "tagged_write", "none"], ENGINES))
def test_counts_exact_whatever_the_first_action(spark, tmp_path, engine, first):
    df = _bad_frame(spark, n=3000, every=31)  # 4 partitions, bad rows in each
    bad = df.where("a IS NULL").count()
    result = enforce(df, SCHEMA, engine=engine)
    actions = {
        "show": lambda: result.valid.show(3),
        "take": lambda: result.quarantine.take(2),
        "limit": lambda: result.tagged.limit(5).collect(),
        "valid_write": lambda: result.valid.write.parquet(str(tmp_path / "v")),
        "quarantine_write": lambda: result.quarantine.write.parquet(str(tmp_path / "q")),
        "tagged_write": lambda: result.tagged.write.parquet(str(tmp_path / "t")),
        "none": lambda: None,
    }
    actions[first]()
    counts = result.counts
    assert (counts.rows, counts.valid, counts.quarantined) == (3000, 3000 - bad, bad)
    assert counts.by_rule == {("a", "null_in_required"): bad}


def test_a_flag_that_loses_rows_is_a_count_mismatch(spark, monkeypatch):
    """A flag claiming to be exact while the kernels clear some flagged rows would drop those rows from
    both outputs: the independent counts catch it."""
    from pyspark.sql import functions as F

    def everything_suspect(plan):
        compiled = native_mod.compile_plan(plan)
        return native_mod.NativeCheck(F.lit(True), True, compiled.sites, compiled.conversions)

    monkeypatch.setattr(spark_engine, "compile_plan", everything_suspect)
    result = enforce(_bad_frame(spark, n=200), SCHEMA)
    with pytest.raises(CountMismatchError):
        _ = result.counts


def test_conservative_flag_keeps_the_rows_the_kernels_clear(spark):
    """A wide decimal > 15 digits that double holds exactly is flagged natively, cleared by the kernel,
    and lands in valid (the flag is only a superset there)."""
    rows = [(decimal.Decimal(2**60), 0), (decimal.Decimal("12345678901234567.123"), 1), (decimal.Decimal("1.5"), 2),
            (None, 3)]
    df = spark.createDataFrame(rows, f"d decimal(38,3), {RID} int").repartition(2)
    schema = Schema([ColSpec(D.double, "d")])
    with pytest.warns(Warning, match="more than 15 significant digits"):
        auto, _ = assert_same_split(df, schema)
    assert [r[RID] for r in auto.valid] == [0, 2]
    assert {(r[RID], v["rule"]) for r in auto.quarantine for v in r["_violations"]} == {
        (1, "unsafe_cast"), (3, "null_in_required")}
    assert auto.result.explain().exact is False
    assert auto.counts.valid == 2 and auto.result.explain().arrow_rows == 3  # 2**60, the bad value, the null


def test_unnamed_schema_and_odd_column_names(spark):
    df = spark.createDataFrame([(1, None, 0), (None, 2, 1)], f"`a.b` bigint, `c d` bigint, {RID} int")
    assert_same_split(df, Schema([ColSpec(D.long, "a.b"), ColSpec(D.long, "c d", required=False)]))
    assert_same_split(df, Schema([ColSpec(D.long), ColSpec(D.long)]))


def test_input_column_named_like_the_flag(spark):
    ddl = f"a bigint, _spark_signature_suspect boolean, {RID} int"
    df = spark.createDataFrame([(1, True, 0), (None, False, 1)], ddl)
    auto, _ = assert_same_split(df, Schema([ColSpec(D.long, "a")]))
    assert auto.result.quarantine.columns == ["a", "_spark_signature_suspect", RID, "_violations"]
    assert [r["_spark_signature_suspect"] for r in auto.quarantine] == [False]


# ---- explain() --------------------------------------------------------------------------------------


def _plan(spark, ddl, schema):
    return plan_for(spark.createDataFrame([], ddl), schema)


def test_explain_names_every_check_and_where_it_runs(spark):
    ddl = "f bigint, d decimal(38,3), arr array<bigint>, m map<string,double>, s struct<x: bigint>, v string"
    schema = Schema([
        ColSpec(D.double, "f"), ColSpec(D.double, "d"), ColSpec(Array(D.long), "arr"), ColSpec(Map(D.double), "m"),
        ColSpec(Object([Property("x", D.long), Property("y", D.string, required=False)]), "s", required=False),
        ColSpec(AnyType(), "v"),
    ])
    with pytest.warns(Warning):
        plan = _plan(spark, ddl, schema)
    explained = explain_plan(plan, "auto")
    sites = {(c["column"], s["path"], s["rule"], s["runs"])
             for c in explained.to_dict()["columns"] for s in c["checks"]}
    assert sites == {
        ("f", "f", "null_in_required", "native"), ("f", "f", "unsafe_cast", "native"),
        ("d", "d", "null_in_required", "native"), ("d", "d", "unsafe_cast", "native+arrow"),
        ("arr", "arr", "null_in_required", "native"), ("arr", "arr[]", "null_in_required", "native"),
        ("m", "m", "null_in_required", "native"), ("m", "m{}", "null_in_required", "native"),
        ("s", "s.x", "null_in_required", "native"),
    }
    tensor = explain_plan(_plan(spark, "t array<array<float>>", Schema([TensorSpec(np.dtype("float32"), (-1, 2, -1),
                                                                                  "t")])), "auto")
    assert {(s.path, s.rule.value, s.runs("auto")) for s in tensor.sites} == {
        ("t", "null_in_required", "native"), ("t", "shape_mismatch", "native"),
        ("t[]", "null_in_required", "native"), ("t[][]", "null_in_required", "native"),
    }
    assert tensor.exact and "t[][]" in str(tensor)
    d = explained.to_dict()
    assert d["engine"] == "auto" and d["exact"] is False
    assert {(c["path"], c["how"]) for col in d["columns"] for c in col["conversions"]} == {
        ("f", "value_check"), ("d", "value_check"), ("s.y", "absent")}
    assert [c["checks"] for c in d["columns"] if c["column"] == "v"] == [[]]
    text = str(explained)
    assert "column 'd'" in text and "native+arrow" in text and "s.y" in text
    assert {s["runs"] for c in explain_plan(plan, "arrow").to_dict()["columns"] for s in c["checks"]} == {"arrow"}


def test_explain_on_results(spark):
    df = spark.createDataFrame([(1,), (None,)], "a bigint")
    schema = Schema([ColSpec(D.long, "a")])
    split = enforce(df, schema)
    assert split.explain().arrow_rows is None
    split.run()
    assert split.explain().to_dict()["arrow_rows"] == 1 and split.explain().exact
    check = enforce(df, schema, mode="check", engine="arrow")
    assert check.explain().to_dict()["arrow_rows"] == 2 and "every row goes through the Arrow kernels" in str(
        check.explain())


def test_arrow_types_of_the_generated_scalars_are_the_declared_found_kinds(spark):
    """The generator's `found` kinds are what the planner sees (else the property tests would test less)."""
    from pyspark.sql import types as T

    for s in SCALARS:
        arrow = spark_arrow_schema(T.StructType([T.StructField("x", s.spark_type())])).field(0).type
        assert classify(arrow, spark=True) is s.found, s


@pytest.mark.parametrize("engine", ENGINES)
def test_optional_vector_null_is_valid_and_stays_null(spark, engine):
    """vector_to_array refuses a null: the conversion must skip it (both engines convert natively)."""
    from pyspark.ml.linalg import Vectors

    df = spark.createDataFrame([(Vectors.dense([1.0]), 0), (None, 1)], ["v", RID])
    result = enforce(df, Schema([ColSpec(SparkMLVector(), "v", required=False)]), keep_columns=[RID], engine=engine)
    assert sorted((r[RID], r["v"]) for r in result.valid.collect()) == [(0, [1.0]), (1, None)]


def test_explain_names_the_rule_the_kernels_report(spark):
    """A null in an optional long under compat="mlflow" is null_in_integer in the kernels: explain() says so too."""
    df = spark.createDataFrame([(1,), (None,)], "a bigint")
    schema = Schema([ColSpec(D.long, "a", required=False)])
    sites = explain_plan(plan_for(df, schema, "mlflow"), "auto").sites
    assert [(s.path, s.rule) for s in sites] == [("a", Rule.NULL_IN_INTEGER)]
    check = enforce(df, schema, mode="check", compat="mlflow")
    assert [(v["column"], v["rule"], v["count"]) for v in check.violations] == [("a", "null_in_integer", 1)]
    assert explain_plan(plan_for(df, schema, "strict"), "auto").sites == []  # optional in strict: no check
