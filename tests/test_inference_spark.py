"""Inference from Spark DataFrames: schema / sample / full modes (spark_signature.inference.spark)."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from _spark_jobs import count_jobs
from _spark_lines import HAS_VARIANT
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pyspark.ml.linalg import Vectors, VectorUDT
from pyspark.sql import functions as F
from pyspark.sql import types as T

from spark_signature.enforcement.spark import enforce
from spark_signature.errors import InferenceError, TypeMappingError
from spark_signature.inference import infer_signature
from spark_signature.inference.profile import Kind, NodeProfile, TableProfile, profile_batches
from spark_signature.inference.spark import (
    InferenceResult,
    infer_spark_profile,
    infer_spark_schema,
    infer_spark_signature,
)
from spark_signature.types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    ModelSignature,
    Object,
    Property,
    Schema,
    SparkMLVector,
    TensorSpec,
)

pytestmark = pytest.mark.spark_sessions("classic", "connect")


def arr(t: T.DataType) -> T.ArrayType:
    return T.ArrayType(t, containsNull=True)


def smap(t: T.DataType) -> T.MapType:
    return T.MapType(T.StringType(), t, valueContainsNull=True)


def fld(name: str, t: T.DataType, nullable: bool = True) -> T.StructField:
    return T.StructField(name, t, nullable)


def struct(*fields: T.StructField) -> T.StructType:
    return T.StructType(list(fields))


def spec(signature: ModelSignature, name: str) -> ColSpec:
    return next(s for s in signature.inputs.inputs if s.name == name)


def check_clean(df, signature: ModelSignature) -> None:
    """The signature enforces on the data it came from: zero invalid rows."""
    result = enforce(df, signature.inputs, mode="check")
    assert result.invalid_rows == 0, result.violations


# ------------------------------------------------------------------------------------------------
# The type table (docs/types.md, "Inference"), schema mode and full mode
# ------------------------------------------------------------------------------------------------

TYPE_TABLE = [
    # (SQL expression, expected signature type)
    ("cast(1 as tinyint)", DataType.integer),
    ("cast(1 as smallint)", DataType.integer),
    ("cast(1 as int)", DataType.integer),
    ("cast(1 as bigint)", DataType.long),
    ("cast(1.5 as float)", DataType.float),
    ("cast(1.5 as double)", DataType.double),
    ("cast(1.5 as decimal(10, 2))", DataType.double),
    ("cast(1.5 as decimal(38, 10))", DataType.double),
    ("true", DataType.boolean),
    ("'a'", DataType.string),
    ("cast('a' as binary)", DataType.binary),
    ("date'2024-01-02'", DataType.datetime),
    ("timestamp'2024-01-02 03:04:05'", DataType.datetime),
    ("timestamp_ntz'2024-01-02 03:04:05'", DataType.datetime),
    ("array(1, 2)", Array(DataType.integer)),
    ("array(array('a'))", Array(Array(DataType.string))),
    ("named_struct('b', 1L, 'a', 'x')", Object([Property("a", DataType.string), Property("b", DataType.long)])),
    ("map('k', 1.5D)", Map(DataType.double)),
    ("map('k', array(named_struct('x', 1)))", Map(Array(Object([Property("x", DataType.integer)])))),
    *([("parse_json('{\"a\": 1}')", AnyType())] if HAS_VARIANT else []),  # VARIANT: Spark 4.0+
]


@pytest.fixture(scope="module")
def typed_df(spark):
    """One row, one column per row of TYPE_TABLE, plus a vector and a NullType column."""
    exprs = [f"{sql} AS c{i}" for i, (sql, _) in enumerate(TYPE_TABLE)]
    df = spark.sql("SELECT " + ", ".join(exprs) + ", CAST(NULL AS VOID) AS z")
    vec = spark.createDataFrame([(Vectors.dense([1.0, 2.0]),)], struct(fld("v", VectorUDT())))
    return df.crossJoin(vec)


@pytest.mark.parametrize("mode", ["schema", "full"])
def test_type_table(spark, typed_df, mode):
    result = infer_spark_signature(typed_df, mode=mode, return_result=True)
    sig = result.signature
    for i, (sql, expected) in enumerate(TYPE_TABLE):
        assert spec(sig, f"c{i}").type == expected, sql
        assert spec(sig, f"c{i}").required is True, sql
    assert spec(sig, "v").type == Array(DataType.double)
    assert not isinstance(spec(sig, "v").type, SparkMLVector)
    assert spec(sig, "z").type == AnyType()
    assert spec(sig, "z").required is False  # NullType: always optional
    assert [w.split(":")[0] for w in result.warnings] == ["column `c7`"]  # decimal(38, 10): lossy as double


@pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer:UserWarning")
def test_type_table_mlflow_compat_keeps_vector_and_objects(spark, typed_df):
    sig = infer_spark_signature(typed_df.drop("c19"), compat="mlflow")  # parse_json: maps are keyed below
    assert spec(sig, "v").type == SparkMLVector()
    map_cols = [i for i, (sql, _) in enumerate(TYPE_TABLE) if sql.startswith("map(")]
    for i in map_cols:
        t = spec(sig, f"c{i}").type
        assert isinstance(t, Object) and [p.name for p in t.properties] == ["k"]
        assert t.properties[0].required is True


@pytest.mark.parametrize(
    ("sql", "path", "found"),
    [
        ("interval '1' day", "bad", "interval day"),
        ("interval '1' year", "bad", "interval year"),
        ("named_struct('ok', 1, 'iv', interval '1' day)", "bad.iv", "interval day"),
        ("array(map(1, 'a'))", "bad[]", "map<int,string>"),
        ("map('k', interval '2' hour)", "bad{}", "interval hour"),
    ],
)
@pytest.mark.parametrize("mode", ["schema", "full"])
def test_unsupported_type_names_path_and_type(spark, sql, path, found, mode):
    df = spark.sql(f"SELECT 1 AS ok, {sql} AS bad")
    with count_jobs(spark) as jobs, pytest.raises(TypeMappingError) as err:
        infer_spark_signature(df, mode=mode)
    assert err.value.path == path
    assert err.value.found == found
    assert path in str(err.value) and "Fix:" in str(err.value)
    assert jobs == [0]  # refused from the schema, before any job


# ------------------------------------------------------------------------------------------------
# Nulls at every nesting level
# ------------------------------------------------------------------------------------------------

NESTED = struct(
    fld("top", T.LongType()),
    fld(
        "s",
        struct(fld("x", T.DoubleType()), fld("y", arr(T.StringType())), fld("n", struct(fld("deep", T.IntegerType())))),
    ),
    fld("a", arr(T.LongType())),
    fld("aa", arr(arr(T.LongType()))),
    fld("as", arr(struct(fld("p", T.StringType())))),
    fld("m", smap(T.IntegerType())),
    fld("ms", smap(struct(fld("q", T.BooleanType())))),
)

CLEAN_ROW = (1, (1.0, ["a"], (1,)), [1], [[1]], [("p",)], {"k": 1}, {"k": (True,)})


def _rows_with(position: str):
    """Two clean rows plus one row with a null at ``position``."""
    bad = {
        "top": (None, *CLEAN_ROW[1:]),
        "s": (1, None, *CLEAN_ROW[2:]),
        "s.x": (1, (None, ["a"], (1,)), *CLEAN_ROW[2:]),
        "s.y[]": (1, (1.0, ["a", None], (1,)), *CLEAN_ROW[2:]),
        "s.n.deep": (1, (1.0, ["a"], (None,)), *CLEAN_ROW[2:]),
        "a": (*CLEAN_ROW[:2], None, *CLEAN_ROW[3:]),
        "a[]": (*CLEAN_ROW[:2], [1, None], *CLEAN_ROW[3:]),
        "aa[][]": (*CLEAN_ROW[:3], [[1], [None]], *CLEAN_ROW[4:]),
        "aa[]": (*CLEAN_ROW[:3], [None], *CLEAN_ROW[4:]),
        "as[]": (*CLEAN_ROW[:4], [None], *CLEAN_ROW[5:]),
        "as[].p": (*CLEAN_ROW[:4], [(None,)], *CLEAN_ROW[5:]),
        "m{}": (*CLEAN_ROW[:5], {"k": None}, CLEAN_ROW[6]),
        "ms{}.q": (*CLEAN_ROW[:6], {"k": (None,)}),
    }[position]
    return [CLEAN_ROW, bad, CLEAN_ROW]


def _required_map(sig: ModelSignature) -> dict[str, bool]:
    """Every column/property `required` flag, by path."""
    out: dict[str, bool] = {}

    def walk(t, path):
        if isinstance(t, Object):
            for p in t.properties:
                out[f"{path}.{p.name}"] = p.required
                walk(p.dtype, f"{path}.{p.name}")
        elif isinstance(t, Array):
            walk(t.dtype, f"{path}[]")
        elif isinstance(t, Map):
            walk(t.value_type, f"{path}{{}}")

    for s in sig.inputs.inputs:
        out[s.name] = s.required
        walk(s.type, s.name)
    return out


# position with a null -> the column/property whose `required` must turn False (elements inherit the
# flag of the enclosing column or property, as the enforcement engine reads them)
NULL_POSITIONS = {
    "top": "top",
    "s": "s",
    "s.x": "s.x",
    "s.y[]": "s.y",
    "s.n.deep": "s.n.deep",
    "a": "a",
    "a[]": "a",
    "aa[]": "aa",
    "aa[][]": "aa",
    "as[]": "as",
    "as[].p": "as[].p",
    "m{}": "m",
    "ms{}.q": "ms{}.q",
}


@pytest.fixture(scope="module")
def nested_results(spark):
    """One full inference per null position."""
    out = {}
    for position in NULL_POSITIONS:
        df = spark.createDataFrame(_rows_with(position), NESTED)  # local rows: 2 partitions
        out[position] = (df, infer_spark_profile(df, mode="full"))
    return out


@pytest.mark.parametrize("position", list(NULL_POSITIONS))
def test_nested_null_at_each_level(nested_results, position):
    df, result = nested_results[position]
    assert result.rows == 3
    assert result.null_counts[position] == 1
    assert sum(result.null_counts.values()) == 1  # counted once, at its own level only
    flags = _required_map(result.signature)
    optional = sorted(p for p, required in flags.items() if not required)
    assert optional == [NULL_POSITIONS[position]]
    check_clean(df, result.signature)


def test_schema_mode_is_mlflow_required(spark):
    df = spark.createDataFrame(_rows_with("top"), NESTED)
    sig = infer_spark_signature(df)
    assert all(s.required for s in sig.inputs.inputs)  # MLflow: every top-level column required
    flags = _required_map(sig)
    assert flags["s.x"] is False  # nested: struct fields follow nullable
    nn = struct(fld("a", T.LongType(), nullable=False), fld("b", T.LongType()))
    df2 = spark.createDataFrame([(1, None)], nn)
    sig2 = infer_spark_signature(df2, required_from_nullable=True)
    assert [s.required for s in sig2.inputs.inputs] == [True, False]


# ------------------------------------------------------------------------------------------------
# 0 rows, partitions, the last partition
# ------------------------------------------------------------------------------------------------


def test_zero_rows(spark):
    df = spark.createDataFrame([], NESTED)
    result = infer_spark_profile(df, mode="full")
    assert result.rows == 0
    assert set(result.null_counts.values()) == {0}
    assert result.tensor_candidates == {}
    assert result.list_lengths["a"] == (None, None)
    assert all(s.required for s in result.signature.inputs.inputs)  # no null observed
    check_clean(df, result.signature)
    with pytest.raises(InferenceError, match="tensors=True"):
        infer_spark_profile(df.select("a"), mode="full", tensors=True)


def test_zero_row_partitions_and_many_partitions(spark):
    df = (
        spark.range(0, 50, 1, numPartitions=5)
        .where("id < 10")
        .select("id", F.when(F.col("id") % 3 == 0, None).otherwise(F.array("id", "id")).alias("pair"))
    )
    result = infer_spark_profile(df, mode="full")
    assert result.rows == 10
    assert result.null_counts == {"id": 0, "pair": 4, "pair[]": 0}
    assert result.list_lengths["pair"] == (2, 2)
    assert spec(result.signature, "pair").required is False
    check_clean(df, result.signature)


def test_null_only_in_last_partition(spark):
    n = 400
    df = spark.range(0, n, 1, numPartitions=4).select(
        "id", F.when(F.col("id") == n - 1, None).otherwise(F.col("id") * 2).alias("late")
    )
    # the null is in the last partition only
    where = df.where(F.col("late").isNull()).select(F.spark_partition_id().alias("p")).collect()
    assert [r.p for r in where] == [3]
    full = infer_spark_profile(df, mode="full")
    assert full.null_counts["late"] == 1
    assert spec(full.signature, "late").required is False
    check_clean(df, full.signature)
    schema_sig = infer_spark_signature(df)  # MLflow's reading: required, whatever the data
    assert spec(schema_sig, "late").required is True
    assert enforce(df, schema_sig.inputs, mode="check").invalid_rows == 1  # ... and it does not hold


@pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer:UserWarning")
def test_full_is_one_spark_job(spark):
    df = spark.range(0, 2000, 1, numPartitions=5).select(
        "id",
        F.array("id", "id").alias("arr"),
        F.create_map(F.lit("k"), F.col("id")).alias("m"),
        F.struct(F.col("id").cast("string").alias("s")).alias("st"),
    )
    with count_jobs(spark) as jobs:
        result = infer_spark_profile(df, mode="full", compat="mlflow")
    assert jobs == [1]
    assert result.rows == 2000
    with count_jobs(spark) as jobs:
        infer_spark_signature(df)  # schema mode, strict: no job at all
    assert jobs == [0]


# ------------------------------------------------------------------------------------------------
# Maps: key sets and caps
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def map_df(spark):
    rows = [({"a": 1, "b": 2},), ({"a": 3, "c": None},), ({"d": 4},), ({"a": 5},), (None,), ({"e": 6},)]
    return spark.createDataFrame(rows, struct(fld("m", smap(T.IntegerType())))).repartition(3)


def test_map_keys_under_cap(map_df):
    result = infer_spark_profile(map_df, mode="full", map_key_cap=10)
    assert result.map_keys == {"m": ["a", "b", "c", "d", "e"]}
    assert result.null_counts == {"m": 1, "m{}": 1}
    assert result.list_lengths["m"] == (1, 2)
    assert spec(result.signature, "m").type == Map(DataType.integer)  # default: Map(value)
    check_clean(map_df, result.signature)
    mlflow_sig = infer_spark_profile(map_df, mode="full", compat="mlflow", map_key_cap=10).signature
    t = spec(mlflow_sig, "m").type
    assert isinstance(t, Object)
    assert [(p.name, p.required) for p in t.properties] == [(k, False) for k in "abcde"]


def test_map_key_cap_overflow(map_df):
    result = infer_spark_profile(map_df, mode="full", map_key_cap=4)  # union over partitions is 5 keys
    assert result.map_keys == {"m": None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlflow_result = infer_spark_profile(map_df, mode="full", compat="mlflow", map_key_cap=4)
    assert spec(mlflow_result.signature, "m").type == Map(DataType.integer)
    assert any("more than 4 distinct map keys" in w for w in mlflow_result.warnings)


def test_map_keys_schema_mode_bounded(spark, map_df):
    with count_jobs(spark) as jobs, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sig = infer_spark_signature(map_df, compat="mlflow", map_key_cap=10)
    assert jobs[0] >= 1  # the distinct-key query (MLflow collects every key list to the driver instead)
    t = spec(sig, "m").type
    assert [(p.name, p.required) for p in t.properties] == [(k, True) for k in "abcde"]  # MLflow: all required
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        capped = infer_spark_profile(map_df, mode="schema", compat="mlflow", map_key_cap=3)
    assert spec(capped.signature, "m").type == Map(DataType.integer)
    assert capped.map_keys == {"m": None}


def test_map_keys_required_when_always_present(spark):
    df = spark.createDataFrame([({"a": 1, "b": 2},), ({"a": 3},)], struct(fld("m", smap(T.LongType()), False)))
    sig = infer_spark_signature(df, mode="full", compat="mlflow")
    assert spec(sig, "m").type == Object([Property("a", DataType.long, True), Property("b", DataType.long, False)])


def test_map_keys_in_a_key_heavy_partition_overflow_locally(spark):
    rows = [({f"k{i}": i for i in range(50)},)]
    df = spark.createDataFrame(rows, struct(fld("m", smap(T.LongType()))))
    result = infer_spark_profile(df, mode="full", map_key_cap=20)
    assert result.map_keys == {"m": None}
    assert spec(result.signature, "m").type == Map(DataType.long)


# ------------------------------------------------------------------------------------------------
# Vectors and tensors
# ------------------------------------------------------------------------------------------------


def _vector_df(spark, vectors):
    return spark.createDataFrame([(v,) for v in vectors], struct(fld("v", VectorUDT())))


def test_vectors_fixed_size(spark):
    df = _vector_df(spark, [Vectors.dense([1.0, 2.0, 3.0]), Vectors.sparse(3, [1], [5.0])] * 3).repartition(2)
    result = infer_spark_profile(df, mode="full")
    assert spec(result.signature, "v") == ColSpec(Array(DataType.double), "v", required=True)
    assert result.tensor_candidates == {"v": TensorSpec(np.dtype("float64"), (-1, 3), "v")}
    assert result.list_lengths["v"] == (3, 3)
    tensors = infer_spark_signature(df, mode="full", tensors=True)
    assert tensors.inputs == Schema([TensorSpec(np.dtype("float64"), (-1, 3), "v")])
    mlflow_sig = infer_spark_signature(df, mode="full", compat="mlflow")
    assert spec(mlflow_sig, "v").type == SparkMLVector()


def test_vectors_variable_size_or_null(spark):
    varying = infer_spark_profile(_vector_df(spark, [Vectors.dense([1.0]), Vectors.sparse(4, [0], [1.0])]))
    assert varying.tensor_candidates == {}
    assert varying.list_lengths["v"] == (1, 4)
    with_null = infer_spark_profile(_vector_df(spark, [Vectors.dense([1.0, 2.0]), None]))
    assert with_null.tensor_candidates == {}
    assert spec(with_null.signature, "v").required is False
    assert with_null.null_counts == {"v": 1}


def test_nested_map_in_an_all_null_batch_enforces_cleanly(spark):
    """A map nested in a map whose batch holds no entries (an empty MapArray child) enforces."""
    df = spark.createDataFrame([(None,)], "m map<string, map<string, int>>")
    check_clean(df, infer_spark_signature(df, mode="full"))


@pytest.mark.parametrize("compat", ["strict", "mlflow"])
def test_vectors_enforce_cleanly(spark, compat):
    df = _vector_df(spark, [Vectors.dense([1.0, 2.0]), Vectors.sparse(2, [1], [5.0]), None])
    check_clean(df, infer_spark_signature(df, mode="full", compat=compat))


def test_tensor_candidates_and_tensors_flag(spark):
    df = spark.createDataFrame(
        [([1.0, 2.0], [[1, 2, 3], [4, 5, 6]], [1, 2], "x"), ([3.0, 4.0], [[1, 2, 3], [4, 5, 6]], [1], "y")],
        struct(
            fld("f", arr(T.FloatType())),
            fld("m", arr(arr(T.ShortType()))),
            fld("ragged", arr(T.LongType())),
            fld("s", T.StringType()),
        ),
    )
    result = infer_spark_profile(df, mode="full")
    assert result.tensor_candidates == {
        "f": TensorSpec(np.dtype("float32"), (-1, 2), "f"),
        "m": TensorSpec(np.dtype("int16"), (-1, 2, 3), "m"),
    }
    assert spec(result.signature, "f").type == Array(DataType.float)  # default: ColSpec arrays
    with pytest.raises(InferenceError, match=r"\['ragged', 's'\]"):
        infer_spark_profile(df, mode="full", tensors=True)
    tensors = infer_spark_signature(df.select("f", "m"), mode="full", tensors=True)
    assert tensors.inputs.is_tensor_spec()
    check_clean(df.select("f", "m"), tensors)  # TensorSpecs enforce on the same data
    nulls = spark.createDataFrame([([1.0, None],)], struct(fld("f", arr(T.DoubleType()))))
    assert infer_spark_profile(nulls).tensor_candidates == {}


# ------------------------------------------------------------------------------------------------
# compat="mlflow": MLflow's Spark inference, exactly
# ------------------------------------------------------------------------------------------------

MLFLOW_SUPPORTED = struct(
    fld("b", T.ByteType()),
    fld("sh", T.ShortType()),
    fld("i", T.IntegerType(), nullable=False),
    fld("l", T.LongType()),
    fld("f", T.FloatType()),
    fld("d", T.DoubleType()),
    fld("bo", T.BooleanType()),
    fld("s", T.StringType()),
    fld("bi", T.BinaryType()),
    fld("da", T.DateType()),
    fld("ts", T.TimestampType()),
    fld("arr", arr(arr(T.DoubleType()))),
    fld(
        "st",
        struct(
            fld("z", T.StringType(), False),
            fld("a", arr(T.LongType())),
            fld("in", struct(fld("q", T.BooleanType()), fld("r", T.DateType(), False))),
        ),
    ),
    fld("m", smap(T.LongType())),
    fld("ma", smap(arr(T.StringType()))),
    fld("v", VectorUDT()),
)


@pytest.fixture(scope="module")
def mlflow_df(spark):
    row = (
        1,
        2,
        3,
        4,
        1.5,
        2.5,
        True,
        "s",
        b"b",
        dt.date(2024, 1, 1),
        dt.datetime(2024, 1, 1, 1),
        [[1.0]],
        ("z", [1], (True, dt.date(2024, 1, 2))),
        {"x": 1, "y": None},
        {"p": ["q"]},
        Vectors.dense([1.0]),
    )
    row2 = (None, None, 5, None, None, None, None, None, None, None, None, None, None, {"w": 2}, None, None)
    return spark.createDataFrame([row, row2, row], MLFLOW_SUPPORTED).repartition(2)


def test_mlflow_parity_signature(spark, mlflow_df):
    import mlflow.models
    from mlflow.types.utils import _infer_schema

    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        theirs = mlflow.models.infer_signature(mlflow_df)
        theirs_schema = _infer_schema(mlflow_df)
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = infer_spark_signature(mlflow_df, compat="mlflow")
    assert ours.to_dict() == theirs.to_dict()
    assert ours.inputs.to_json() == theirs_schema.to_json()
    hint = {str(w.message) for w in theirs_warned if "integer column" in str(w.message)}
    assert hint and hint == {str(w.message) for w in ours_warned if "integer column" in str(w.message)}


def test_mlflow_parity_inputs_outputs_params(spark, mlflow_df):
    import mlflow.models

    inputs = mlflow_df.select("i", "s", "st")
    outputs = mlflow_df.select(F.col("d").alias("prediction"))
    params = {"k": 5, "name": "x"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = mlflow.models.infer_signature(inputs, outputs, params)
        ours = infer_spark_signature(inputs, outputs, params, compat="mlflow")
    assert ours.to_dict() == theirs.to_dict()


def test_mlflow_parity_per_column(spark, mlflow_df):
    """Every MLflow-supported column alone (a failure names the column)."""
    from mlflow.types.utils import _infer_schema

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in mlflow_df.columns:
            one = mlflow_df.select(name)
            assert infer_spark_schema(one, compat="mlflow").to_json() == _infer_schema(one).to_json(), name


def test_strict_differs_from_mlflow_only_in_maps_and_vectors(mlflow_df):
    strict = infer_spark_signature(mlflow_df).inputs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlflow = infer_spark_signature(mlflow_df, compat="mlflow").inputs
    differ = [a.name for a, b in zip(strict.inputs, mlflow.inputs, strict=True) if a != b]
    assert differ == ["m", "ma", "v"]


def test_public_infer_signature_dispatches_here(spark, mlflow_df):
    import spark_signature

    sig = spark_signature.infer_signature(mlflow_df, params={"k": 1})
    assert isinstance(sig, ModelSignature)
    assert sig == infer_spark_signature(mlflow_df, params={"k": 1})
    assert sig.params is not None
    full = infer_signature(mlflow_df, mode="full")  # Spark options pass through
    assert full == infer_spark_profile(mlflow_df, mode="full").signature
    assert spec(full, "l").required is False  # a null seen in the data


# ------------------------------------------------------------------------------------------------
# Sample mode
# ------------------------------------------------------------------------------------------------


def test_sample_rows_bounded_and_seeded(spark):
    df = spark.range(0, 1000, 1, numPartitions=4).select(
        "id", F.when(F.col("id") % 10 == 0, None).otherwise(F.col("id")).alias("x")
    )
    a = infer_spark_profile(df, mode="sample", sample_rows=50, seed=7)
    b = infer_spark_profile(df, mode="sample", sample_rows=50, seed=7)
    assert a.mode == "sample" and a.sample_size == a.rows == 50
    assert a.null_counts == b.null_counts
    assert 0 < a.null_counts["x"] < 50
    frac = infer_spark_profile(df, mode="sample", fraction=0.1, seed=3)
    assert 40 <= frac.sample_size <= 160
    capped = infer_spark_profile(df, mode="sample", fraction=0.5, sample_rows=20, seed=3)
    assert capped.sample_size == 20
    default = infer_spark_profile(df, mode="sample")
    assert default.sample_size == 1000  # default bound (10 000) above the row count


# ------------------------------------------------------------------------------------------------
# Outputs
# ------------------------------------------------------------------------------------------------


def test_output_columns_of_a_scored_frame(spark):
    scored = spark.createDataFrame(
        [(1, 2.0, "a", 0.5, [0.1, 0.9]), (2, None, "b", 0.7, [0.3, 0.7])],
        "id long, x double, s string, prediction double, probs array<double>",
    )
    with count_jobs(spark) as jobs:
        result = infer_spark_profile(scored, output_columns=["prediction", "probs"], input_columns=["x", "s"])
    assert jobs == [1]  # inputs and outputs in the same pass
    sig = result.signature
    assert sig.inputs == Schema([ColSpec(DataType.double, "x", required=False), ColSpec(DataType.string, "s")])
    assert sig.outputs == Schema([ColSpec(DataType.double, "prediction"), ColSpec(Array(DataType.double), "probs")])
    assert result.tensor_candidates["probs"] == TensorSpec(np.dtype("float64"), (-1, 2), "probs")
    default_inputs = infer_spark_signature(scored, output_columns=["prediction"])
    assert default_inputs.inputs.input_names() == ["id", "x", "s", "probs"]
    with pytest.raises(InferenceError, match="nope"):
        infer_spark_signature(scored, output_columns=["nope"])


def test_model_output_frame_and_python_outputs(spark):
    df = spark.createDataFrame([(1.0, 2.0), (3.0, None)], "a double, b double")
    out = spark.createDataFrame([(0,), (None,)], "label int")
    result = infer_spark_profile(df, out, mode="full")
    assert result.signature.outputs == Schema([ColSpec(DataType.integer, "label", required=False)])
    assert result.outputs is not None and result.outputs.null_counts == {"label": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        numpy_out = infer_spark_signature(df, np.array([0, 1]))
    assert numpy_out.outputs == Schema([TensorSpec(np.dtype("int64"), (-1,))])


def test_predict_fn_on_a_bounded_pandas_sample(spark):
    df = spark.range(0, 500, 1, numPartitions=3).selectExpr("cast(id as double) as x", "id % 2 = 0 as flag")
    seen = []

    def predict(pdf: pd.DataFrame) -> pd.DataFrame:
        seen.append(len(pdf))
        assert list(pdf.columns) == ["x", "flag"]
        return pd.DataFrame({"score": pdf["x"] * 2.0, "label": np.where(pdf["flag"], "a", "b")})

    sig = infer_spark_signature(df, predict_fn=predict, predict_rows=25)
    assert seen == [25]
    assert sig.outputs == Schema([ColSpec(DataType.double, "score"), ColSpec(DataType.string, "label")])

    def broken(pdf):
        raise RuntimeError("model exploded")

    with pytest.raises(InferenceError, match="model exploded"):
        infer_spark_signature(df, predict_fn=broken)


# ------------------------------------------------------------------------------------------------
# Options
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "exact"}, "mode must be one of"),
        ({"mode": "full", "required_from_nullable": True}, "schema' only"),
        ({"tensors": True}, "tensors=True"),
        ({"mode": "full", "sample_rows": 5}, "sample' only"),
        ({"mode": "sample", "fraction": 1.5}, "fraction"),
        ({"mode": "sample", "sample_rows": 0}, "sample_rows"),
        ({"mode": "full", "map_key_cap": 0}, "map_key_cap"),
        ({"compat": "loose"}, "loose"),
        ({"output_columns": ["a"], "predict_fn": len}, "at most one"),
    ],
)
def test_option_errors(spark, kwargs, match):
    df = spark.createDataFrame([(1, 2)], "a int, b int")
    with pytest.raises((InferenceError, ValueError), match=match):
        infer_spark_signature(df, **kwargs)


def test_result_to_dict_is_json(spark):
    df = spark.createDataFrame([([1, 2], {"k": 1})], "a array<int>, m map<string,int>")
    doc = json.loads(json.dumps(infer_spark_profile(df).to_dict()))
    assert doc["rows"] == 1 and doc["map_keys"] == {"m": ["k"]} and doc["list_lengths"]["a"] == [2, 2]
    assert isinstance(infer_spark_signature(df, return_result=True), InferenceResult)


# ------------------------------------------------------------------------------------------------
# The profiler alone (no Spark)
# ------------------------------------------------------------------------------------------------


def test_profile_struct_children_under_null_parents_and_slices():
    kind = Kind(
        "struct", children=(Kind("leaf", "int64"), Kind("list", children=(Kind("leaf", "int64"),))), names=("x", "l")
    )
    values = pa.array(
        [{"x": 1, "l": [1, None]}, None, {"x": None, "l": None}, {"x": 4, "l": [1, 2, 3]}],
        pa.struct([("x", pa.int64()), ("l", pa.list_(pa.int64()))]),
    )
    node = NodeProfile.empty(kind)
    node.add(kind, values, key_cap=5)
    assert (node.count, node.nulls) == (4, 1)
    x, lst = node.children
    assert (x.count, x.nulls) == (3, 1)
    assert (lst.count, lst.nulls, lst.min_len, lst.max_len) == (3, 1, 2, 3)
    assert (lst.children[0].count, lst.children[0].nulls) == (5, 1)
    sliced = NodeProfile.empty(kind)
    sliced.add(kind, values.slice(2), key_cap=5)
    assert (sliced.children[1].min_len, sliced.children[1].children[0].count) == (3, 3)


def test_profile_merge_json_round_trip_and_key_cap():
    kinds = [Kind("map", children=(Kind("leaf"),))]
    run = profile_batches(kinds, key_cap=3)
    parts = []
    for keys in (["a", "b"], ["c"], ["a", "d"]):
        batch = pa.RecordBatch.from_arrays(
            [pa.array([[(k, 1) for k in keys]], pa.map_(pa.string(), pa.int64()))], names=["m"]
        )
        parts.append(next(iter(run(iter([batch])))).column(0)[0].as_py())
    merged = TableProfile.merge_all(kinds, iter(parts[:2]), key_cap=3)
    assert merged.rows == 2 and merged.columns[0].keys == {"a": [1, 0], "b": [1, 0], "c": [1, 0]}
    assert TableProfile.merge_all(kinds, iter(parts), key_cap=3).columns[0].keys is None  # 4 keys > cap
    empty = next(iter(run(iter([])))).column(0)[0].as_py()
    assert TableProfile.from_json(empty).rows == 0


# ------------------------------------------------------------------------------------------------
# Property: full inference then enforcement never quarantines a row
# ------------------------------------------------------------------------------------------------

_LEAVES = [
    (T.LongType(), st.integers(-(2**40), 2**40)),
    (T.IntegerType(), st.integers(-(2**31), 2**31 - 1)),
    (T.ShortType(), st.integers(-(2**15), 2**15 - 1)),
    (T.DoubleType(), st.floats(allow_nan=True, allow_infinity=False)),
    (T.FloatType(), st.floats(width=32, allow_nan=False, allow_infinity=False)),
    (T.StringType(), st.text(max_size=3)),
    (T.BooleanType(), st.booleans()),
    (T.BinaryType(), st.binary(max_size=3)),
    (T.DateType(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1))),
    (T.TimestampType(), st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2030, 1, 1))),
    (T.DecimalType(10, 2), st.decimals(-1000, 1000, places=2, allow_nan=False, allow_infinity=False)),
]


def _nullable(values, p_null):
    return st.one_of(st.none(), values) if p_null else values


@st.composite
def _typed(draw, depth: int):
    """(Spark type, strategy of values) with nulls allowed at this level or not (drawn)."""
    choice = draw(st.integers(0, 3 if depth < 2 else 0))
    allow_null = draw(st.booleans())
    if choice == 0:
        t, values = draw(st.sampled_from(_LEAVES))
    elif choice == 1:
        et, ev = draw(_typed(depth + 1))
        t, values = arr(et), st.lists(ev, max_size=3)
    elif choice == 2:
        n = draw(st.integers(1, 2))
        parts = [draw(_typed(depth + 1)) for _ in range(n)]
        t = struct(*[fld(f"f{i}", pt) for i, (pt, _) in enumerate(parts)])
        values = st.tuples(*[pv for _, pv in parts])
    else:
        vt, vv = draw(_typed(depth + 1))
        t, values = smap(vt), st.dictionaries(st.sampled_from("abc"), vv, max_size=2)
    return t, _nullable(values, allow_null)


@st.composite
def _frames(draw):
    columns = [draw(_typed(0)) for _ in range(draw(st.integers(1, 3)))]
    schema = struct(*[fld(f"c{i}", t) for i, (t, _) in enumerate(columns)])
    rows = draw(st.lists(st.tuples(*[v for _, v in columns]), max_size=12))
    return schema, rows


# No shrinking: every example costs Spark jobs, and shrinking a failure took minutes. A failure prints
# the (unshrunk) frame; rerun with the printed seed to reproduce it.
@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(frame=_frames())
def test_property_full_inference_enforces_cleanly(spark, frame):
    schema, rows = frame
    df = spark.createDataFrame(rows, schema).repartition(2)
    result = infer_spark_profile(df, mode="full")
    assert result.rows == len(rows)
    for i, name in enumerate(schema.fieldNames()):
        assert result.null_counts[name] == sum(r[i] is None for r in rows)
    check_clean(df, result.signature)
