"""Property tests: data generated from a signature always passes it, in both engines; one null put at
a required position makes exactly that row fail, with rule null_in_required at that path."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest
from _arrow import local_arrow_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spark_signature import Array, ColSpec, DataType, Object, Property, Schema
from spark_signature.enforcement.local import find_violations
from spark_signature.enforcement.spark import ENGINES, enforce
from spark_signature.spark_types import to_spark_schema

SCALARS = {
    DataType.boolean: st.booleans(),
    DataType.integer: st.integers(-(2**31), 2**31 - 1),
    DataType.long: st.integers(-(2**63), 2**63 - 1),
    DataType.float: st.floats(width=32, allow_nan=False),
    DataType.double: st.floats(allow_nan=False),
    DataType.string: st.text(max_size=5),
    DataType.binary: st.binary(max_size=5),
    DataType.datetime: st.datetimes(dt.datetime(1970, 1, 2), dt.datetime(2100, 1, 1)),
}
NAMES = st.sampled_from(["a", "b", "c", "d", "e"])


def _types(depth: int = 2):
    scalar = st.sampled_from(list(SCALARS))
    if depth == 0:
        return scalar
    inner = _types(depth - 1)
    props = st.lists(st.tuples(NAMES, inner, st.booleans()), min_size=1, max_size=3, unique_by=lambda p: p[0])
    return st.one_of(
        scalar,
        inner.map(Array),
        props.map(lambda ps: Object([Property(n, t, required=r) for n, t, r in ps])),
    )


schemas = st.lists(st.tuples(_types(), st.booleans()), min_size=1, max_size=4).map(
    lambda cols: Schema([ColSpec(t, f"c{i}", required=r) for i, (t, r) in enumerate(cols)])
)


def _value(t, required: bool):
    """A valid value for type ``t`` (None allowed where the position is optional)."""
    if isinstance(t, DataType):
        base = SCALARS[t]
    elif isinstance(t, Array):
        base = st.lists(_value(t.dtype, required), max_size=3)  # elements inherit the column's flag
    else:
        base = st.fixed_dictionaries({p.name: _value(p.dtype, p.required) for p in t.properties})
    return base if required else st.one_of(st.none(), base)


@st.composite
def datasets(draw, max_rows: int = 6):
    schema = draw(schemas)
    rows = draw(st.lists(st.tuples(*[_value(c.type, c.required) for c in schema.inputs]), min_size=0,
                         max_size=max_rows))
    return schema, rows


def _required_paths(t, path: str, required: bool, value):
    """(path, setter) pairs for the required positions that hold a value in this row."""
    if value is None:
        return
    if required:
        yield path, None
    if isinstance(t, Array):
        for i, v in enumerate(value):
            yield from _required_paths(t.dtype, f"{path}[{i}]", required, v)
    elif isinstance(t, Object):
        for p in t.properties:
            yield from _required_paths(p.dtype, f"{path}.{p.name}", p.required, value.get(p.name))


def _set_null(value, steps: list):
    if not steps:
        return None
    head, *rest = steps
    out = list(value) if isinstance(value, list) else dict(value)
    out[head] = _set_null(out[head], rest)
    return out


def _steps(path: str) -> list:
    steps: list = []
    for part in path.replace("[", ".[").split(".")[1:]:
        steps.append(int(part[1:-1]) if part.startswith("[") else part)
    return steps


def _local(spark_schema, schema, rows):
    arrow_schema = local_arrow_schema(spark_schema)
    table = pa.Table.from_pylist([dict(zip(arrow_schema.names, r, strict=True)) for r in rows], schema=arrow_schema)
    return find_violations(table.to_pandas(types_mapper=pd.ArrowDtype), schema)


SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(data=datasets())
def test_generated_data_passes_in_both_engines(spark, data):
    schema, rows = data
    spark_schema = to_spark_schema(schema)
    # nullable everywhere: the check must come from the signature, not from Spark refusing the rows
    df = spark.createDataFrame(rows, _all_nullable(spark_schema)).repartition(2)
    result = enforce(df, schema, mode="check")
    assert (result.rows, result.invalid_rows) == (len(rows), 0), result.violations
    assert _local(df.schema, schema, rows) == []


@SETTINGS
@given(data=datasets(max_rows=4), pick=st.randoms(use_true_random=False))
def test_one_null_at_a_required_position_fails_exactly_that_row(spark, data, pick):
    schema, rows = data
    targets = [(i, c, path) for i, row in enumerate(rows) for c, (spec, v) in enumerate(zip(schema.inputs, row,
               strict=True)) for path, _ in _required_paths(spec.type, spec.name, spec.required, v)]
    if not targets:
        return
    i, c, path = pick.choice(targets)
    bad = list(rows[i])
    bad[c] = _set_null(bad[c], _steps(path))
    rows = [*rows[:i], tuple(bad), *rows[i + 1:]]
    df = spark.createDataFrame([(*r, n) for n, r in enumerate(rows)],
                               _all_nullable(to_spark_schema(schema)).add("_rid", "integer"))
    result = enforce(df, schema, mode="split")
    counts = result.run()
    assert (counts.valid, counts.quarantined) == (len(rows) - 1, 1)
    q = result.quarantine.collect()
    assert q[0]["_rid"] == i
    assert {(v["path"], v["rule"]) for v in q[0]["_violations"]} == {(path, "null_in_required")}
    local = _local(_all_nullable(to_spark_schema(schema)), schema, rows)
    assert [(v["row"], v["path"], v["rule"]) for v in local] == [(i, path, "null_in_required")]


def _all_nullable(struct):
    from pyspark.sql import types as T

    def relax(t):
        if isinstance(t, T.StructType):
            return T.StructType([T.StructField(f.name, relax(f.dataType), True) for f in t.fields])
        if isinstance(t, T.ArrayType):
            return T.ArrayType(relax(t.elementType), True)
        return t

    return relax(struct)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("compat", ["strict", "mlflow"])
def test_valid_plus_quarantined_is_input(spark, compat, engine):
    df = spark.range(5000).selectExpr(
        "IF(id % 7 = 0, NULL, id) AS a", "IF(id % 11 = 0, NULL, CAST(id AS double)) AS b",
        "IF(id % 13 = 0, array(1, NULL), array(1, 2)) AS arr",
    ).repartition(4)
    schema = Schema([ColSpec(DataType.long, "a"), ColSpec(DataType.double, "b"),
                     ColSpec(Array(DataType.long), "arr")])
    result = enforce(df, schema, compat=compat, engine=engine)
    counts = result.run()
    assert counts.rows == 5000
    assert result.valid.count() + result.quarantine.count() == 5000
    assert counts.valid == result.valid.count()
