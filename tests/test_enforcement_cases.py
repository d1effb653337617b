"""Value-dependent cases run through both engines: the Spark engine (mapInArrow) and the local engine.

Each case is Spark DDL + rows + a signature + the expected violations as (row, path, rule). The local
engine gets the same rows as an Arrow-backed pandas DataFrame (so it sees the same Arrow types).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from _spark_jobs import count_jobs

from spark_signature import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    Property,
    Schema,
    SchemaEnforcementError,
    TensorSpec,
    TypeMappingError,
)
from spark_signature.enforcement.local import find_violations, validate_schema
from spark_signature.enforcement.spark import enforce, spark_arrow_schema

pytestmark = pytest.mark.spark_sessions("classic", "connect")

L, D, S = DataType.long, DataType.double, DataType.string

CASES = [
    pytest.param(
        "a bigint, b string", [(1, "x"), (None, "y"), (3, None)],
        Schema([ColSpec(L, "a"), ColSpec(S, "b", required=False)]), "strict",
        {(1, "a", "null_in_required")}, id="top-level-null-required-vs-optional",
    ),
    pytest.param(
        "a bigint", [(1,), (None,)], Schema([ColSpec(L, "a", required=False)]), "strict",
        set(), id="optional-long-with-null-passes-strict",
    ),
    pytest.param(
        "a bigint", [(1,), (None,)], Schema([ColSpec(L, "a", required=False)]), "mlflow",
        {(1, "a", "null_in_integer")}, id="mlflow-compat-long-null-refused-even-if-optional",
    ),
    pytest.param(
        "a double", [(1.0,), (None,)], Schema([ColSpec(D, "a")]), "mlflow",
        set(), id="mlflow-compat-double-null-passes-required",
    ),
    pytest.param(
        "s struct<x: bigint, y: string>",
        [({"x": 1, "y": "a"},), ({"x": None, "y": "b"},), (None,), ({"x": 2, "y": None},)],
        Schema([ColSpec(Object([Property("x", L), Property("y", S, required=False)]), "s")]), "strict",
        {(1, "s.x", "null_in_required"), (2, "s", "null_in_required")}, id="struct-field-and-struct-nulls",
    ),
    pytest.param(
        "s struct<x: bigint>", [({"x": 1},), (None,)],
        Schema([ColSpec(Object([Property("x", L)]), "s", required=False)]), "strict",
        set(), id="null-optional-struct-does-not-check-its-fields",
    ),
    pytest.param(
        "arr array<bigint>", [([1, 2],), ([1, None, 3],), (None,), ([],)],
        Schema([ColSpec(Array(L), "arr")]), "strict",
        {(1, "arr[1]", "null_in_required"), (2, "arr", "null_in_required")}, id="array-element-nulls",
    ),
    pytest.param(
        "arr array<string>", [(["a", None],), (None,)],
        Schema([ColSpec(Array(S), "arr", required=False)]), "strict",
        set(), id="optional-array-string-keeps-null-elements",
    ),
    pytest.param(
        "m map<string, double>", [({"k": 1.0},), ({"k": None, "j": 2.0},)],
        Schema([ColSpec(Map(D), "m")]), "strict",
        {(1, "m['k']", "null_in_required")}, id="map-value-null",
    ),
    pytest.param(
        "f struct<items: array<struct<price: double, name: string>>>",
        [({"items": [{"price": 1.0, "name": "a"}, {"price": None, "name": "b"}]},),
         ({"items": [{"price": 2.0, "name": None}]},)],
        Schema([ColSpec(Object([Property("items", Array(Object([Property("price", D),
                                                                 Property("name", S, required=False)])))]),
                        "f")]),
        "strict", {(0, "f.items[1].price", "null_in_required")}, id="deep-path",
    ),
    pytest.param(
        "x bigint", [(0,), (1,), (2,), (None,)], Schema([ColSpec(D, "x", required=False)]), "strict",
        {(2, "x", "unsafe_cast")}, id="bigint-to-double-zero-one-per-row",
    ),
    pytest.param(
        "t array<array<float>>", [([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],), ([[1.0, 2.0], [3.0, 4.0, 5.0]],),
                                  ([[1.0, 2.0, 3.0]],), ([[1.0, None, 3.0], [1.0, 2.0, 3.0]],)],
        Schema([TensorSpec(np.dtype("float32"), (-1, 2, 3), "t")]), "strict",
        {(1, "t[0]", "shape_mismatch"), (2, "t", "shape_mismatch"), (3, "t[0][1]", "null_in_required")},
        id="tensor-shape-and-null",
    ),
    pytest.param(
        "t array<array<float>>", [([[1.0], [2.0, 3.0]],)],
        Schema([TensorSpec(np.dtype("float32"), (-1, 2, -1), "t")]), "strict",
        set(), id="tensor-variable-dim",
    ),
    pytest.param(
        "a string, b bigint", [("x", 1), ("y", None)], Schema([ColSpec(S), ColSpec(L)]), "strict",
        {(1, "1", "null_in_required")}, id="unnamed-by-position",
    ),
    pytest.param(
        "a bigint", [(None,)], Schema([ColSpec(AnyType(), "a")]), "strict", set(), id="any-accepts-null",
    ),
    pytest.param(
        "arr array<bigint>", [([1, 2],), ([1, None],)], Schema([ColSpec(Array(L), "arr", required=False)]), "mlflow",
        {(1, "arr[1]", "null_in_integer")}, id="mlflow-compat-null-long-element-refused",
    ),
    pytest.param(
        "arr array<double>", [([1.0, None],)], Schema([ColSpec(Array(D), "arr")]), "mlflow",
        set(), id="mlflow-compat-null-double-element-passes",
    ),
    pytest.param(
        "m map<string, double>", [({"k": 1.0},), ({"k": None},)], Schema([ColSpec(Map(D), "m")]), "mlflow",
        {(1, "m['k']", "null_in_required")}, id="mlflow-compat-null-map-value-in-required-map",
    ),
    pytest.param(
        "s struct<x: bigint>", [({"x": 1},), ({"x": None},)],
        Schema([ColSpec(Object([Property("x", L)]), "s")]), "mlflow",
        {(1, "s.x", "null_in_required")}, id="mlflow-compat-null-required-property",
    ),
    pytest.param(
        "a string, b double", [("x", 1.0), (None, None)], Schema([ColSpec(S, "a"), ColSpec(D, "b")]), "mlflow",
        set(), id="mlflow-compat-scalar-nulls-pass",
    ),
]


def _spark_violations(spark, ddl, rows, schema, compat):
    # a trailing row id (an extra column: ignored by the signature, kept in quarantine rows)
    df = spark.createDataFrame([(*r, i) for i, r in enumerate(rows)], f"{ddl}, _rid int")
    df = df.repartition(3)  # 0-row and multi-row partitions
    result = enforce(df, schema, mode="split", compat=compat)
    counts = result.run()
    assert counts.rows == len(rows) and counts.valid + counts.quarantined == len(rows)
    found = {(r["_rid"], v["path"], v["rule"]) for r in result.quarantine.collect() for v in r["_violations"]}
    assert result.valid.count() == counts.valid
    return found


def _local_violations(spark, ddl, rows, schema, compat):
    arrow_schema = spark_arrow_schema(spark.createDataFrame([], ddl).schema)
    names = arrow_schema.names
    table = pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows], schema=arrow_schema)
    pdf = table.to_pandas(types_mapper=pd.ArrowDtype)
    return {(v["row"], v["path"], v["rule"]) for v in find_violations(pdf, schema, compat=compat)}


def _mlflow_accepts(spark, ddl, rows, schema) -> bool:
    """MLflow's decision on the same rows, as MLflow sees them from Spark (toPandas of the frame)."""
    mlflow_schema = pytest.importorskip("mlflow.types.schema")
    from mlflow.models import validate_schema as mlflow_validate

    pdf = spark.createDataFrame(rows, ddl).toPandas()
    try:
        mlflow_validate(pdf, mlflow_schema.Schema.from_json(schema.to_json()))
        return True
    except Exception:
        return False


@pytest.mark.parametrize(("ddl", "rows", "schema", "compat", "expected"), CASES)
def test_both_engines(spark, ddl, rows, schema, compat, expected):
    assert _spark_violations(spark, ddl, rows, schema, compat) == expected
    assert _local_violations(spark, ddl, rows, schema, compat) == expected
    if compat == "mlflow":  # the oracle decides per batch: accept iff we find no violation
        assert _mlflow_accepts(spark, ddl, rows, schema) == (not expected)


def _rows_of(df):
    return sorted(tuple(r) for r in df.collect())


def test_split_outputs_reordered_converted_and_kept_columns(spark):
    df = spark.createDataFrame([(1, 2, "a", 9.0), (2, None, "b", 8.0)], "id bigint, n int, s string, extra double")
    schema = Schema([ColSpec(S, "s"), ColSpec(L, "n")])
    result = enforce(df, schema, keep_columns=["id"])
    assert result.valid.columns == ["id", "s", "n"]
    assert dict(result.valid.dtypes)["n"] == "bigint"  # int widened to long
    assert _rows_of(result.valid) == [(1, "a", 2)]
    q = result.quarantine.collect()
    assert len(q) == 1 and q[0]["extra"] == 8.0 and q[0]["id"] == 2  # the original row, all columns
    assert result.counts.as_dict() == {
        "rows": 2, "valid": 1, "quarantined": 1,
        "violations": [{"column": "n", "rule": "null_in_required", "count": 1}],
    }


def test_missing_required_column_refused_before_any_job(spark):
    df = spark.createDataFrame([(1, 1)], "a bigint, c bigint")
    with count_jobs(spark) as jobs, pytest.raises(SchemaEnforcementError,
                                                  match=r"missing inputs \['b'\].*extra inputs: \['c'\]"):
        enforce(df, Schema([ColSpec(L, "a"), ColSpec(L, "b")]))
    assert jobs == [0]


def test_missing_optional_column_is_fine(spark):
    df = spark.createDataFrame([(1,)], "a bigint")
    result = enforce(df, Schema([ColSpec(L, "a"), ColSpec(L, "b", required=False)]))
    assert result.valid.columns == ["a"] and result.run().valid == 1


def test_fail_fast_raises_with_column_value_and_fix(spark):
    df = spark.createDataFrame([(0,), (7,)], "x bigint")
    with pytest.raises(SchemaEnforcementError) as err:
        enforce(df, Schema([ColSpec(D, "x")]), mode="fail_fast")
    msg = str(err.value)
    assert "column 'x'" in msg and "'7'" in msg and "Fix:" in msg


def test_fail_fast_passes_and_returns_converted(spark):
    df = spark.createDataFrame([(0, "a"), (1, "b")], "x bigint, s string")
    result = enforce(df, Schema([ColSpec(D, "x")]), mode="fail_fast")
    assert result.ok and result.rows == 2
    assert dict(result.valid.dtypes) == {"x": "double"}


def test_check_mode_counts_without_rows(spark):
    df = spark.range(1000).selectExpr("IF(id % 100 = 0, NULL, id) AS x").repartition(4)
    result = enforce(df, Schema([ColSpec(L, "x")]), mode="check")
    assert (result.rows, result.invalid_rows) == (1000, 10)
    assert result.violations[0]["count"] == 10 and result.violations[0]["rule"] == "null_in_required"


def test_empty_dataframe(spark):
    df = spark.createDataFrame([], "x bigint")
    result = enforce(df, Schema([ColSpec(L, "x")]))
    counts = result.run()
    assert (counts.rows, counts.valid, counts.quarantined) == (0, 0, 0)


def test_struct_extra_field_refused_statically(spark):
    df = spark.createDataFrame([({"x": 1, "z": 2},)], "s struct<x: bigint, z: bigint>")
    with pytest.raises(SchemaEnforcementError, match="extra fields"):
        enforce(df, Schema([ColSpec(Object([Property("x", L)]), "s")]))


def test_struct_valid_output_is_reordered_and_filled(spark):
    df = spark.createDataFrame([({"b": 1, "a": 2},)], "s struct<b: int, a: bigint>")
    spec = Object([Property("a", L), Property("b", L), Property("c", S, required=False)])
    result = enforce(df, Schema([ColSpec(spec, "s")]))
    row = result.valid.collect()[0]["s"]
    assert row.asDict() == {"a": 2, "b": 1, "c": None}
    assert result.valid.schema["s"].dataType.simpleString() == "struct<a:bigint,b:bigint,c:string>"


def test_local_validate_schema_returns_enforced_frame():
    pdf = pd.DataFrame({"b": [1, 2], "a": pd.array([1, 2], dtype="int32"), "z": [0, 0]})
    out = validate_schema(pdf, Schema([ColSpec(L, "a"), ColSpec(L, "b")]))
    assert list(out.columns) == ["a", "b"] and str(out["a"].dtype) == "int64"


def test_local_nullable_int_handled_not_crashing():
    pdf = pd.DataFrame({"a": pd.array([1, None], dtype="Int64")})
    with pytest.raises(SchemaEnforcementError, match="null_in_required"):
        validate_schema(pdf, Schema([ColSpec(L, "a")]))
    out = validate_schema(pdf, Schema([ColSpec(L, "a", required=False)]))
    assert out["a"].isna().tolist() == [False, True]


def test_null_elements_stay_null_where_mlflow_corrupts_them(spark):
    mlflow_schema = pytest.importorskip("mlflow.types.schema")
    from mlflow.models.utils import _enforce_schema as mlflow_validate

    pdf = pd.DataFrame({"s": [["hello", None, "world"]], "b": [[True, None]]})
    theirs = mlflow_validate(pdf.copy(), mlflow_schema.Schema([
        mlflow_schema.ColSpec(mlflow_schema.Array("string"), "s", required=False),
        mlflow_schema.ColSpec(mlflow_schema.Array("boolean"), "b", required=False)]))
    assert list(theirs["s"][0]) != ["hello", None, "world"]  # MLflow corrupts the strings
    assert list(theirs["b"][0]) == [True, False]  # and turns None into False

    schema = Schema([ColSpec(Array(S), "s", required=False), ColSpec(Array(DataType.boolean), "b", required=False)])
    ours = validate_schema(pdf, schema)
    assert list(ours["s"][0]) == ["hello", None, "world"] and list(ours["b"][0]) == [True, None]
    df = spark.createDataFrame([(["hello", None, "world"], [True, None])], "s array<string>, b array<boolean>")
    row = enforce(df, schema).valid.collect()[0]
    assert row["s"] == ["hello", None, "world"] and row["b"] == [True, None]


def test_params_checked_on_the_driver(spark):
    from spark_signature import ModelSignature, ParamSchema, ParamSpec, ParamsValidationError

    sig = ModelSignature(Schema([ColSpec(L, "a")]), params=ParamSchema([ParamSpec("k", "long", 5),
                                                                       ParamSpec("t", "double", 0.5)]))
    df = spark.createDataFrame([(1,)], "a bigint")
    result = enforce(df, sig, mode="split", params={"t": 1})
    assert result.params == {"t": 1.0, "k": 5}
    with pytest.raises(ParamsValidationError, match="'k'"):
        enforce(df, sig, mode="check", params={"k": 2.5})


def test_counts_come_from_the_users_own_action_without_another_pass(spark):
    df = spark.createDataFrame([(1,), (None,), (3,)], "a bigint")
    result = enforce(df, Schema([ColSpec(L, "a")]))
    assert not result.observed
    assert result.valid.count() == 2  # the user's action (a filter of tagged) fills the observation
    assert result.observed
    assert (result.counts.rows, result.counts.quarantined) == (3, 1)


def test_ml_vector_column_enforced_as_array_of_double(spark):
    from pyspark.ml.linalg import Vectors

    from spark_signature import SparkMLVector

    df = spark.createDataFrame([(Vectors.dense([1.0, 2.0]),), (Vectors.sparse(3, [1], [3.0]),), (None,)], ["v"])
    for spec in (Array(D), SparkMLVector()):
        result = enforce(df, Schema([ColSpec(spec, "v")]))
        assert [r["v"] for r in result.valid.collect()] == [[1.0, 2.0], [0.0, 3.0, 0.0]]
        assert [v["rule"] for r in result.quarantine.collect() for v in r["_violations"]] == ["null_in_required"]
    with pytest.raises(SchemaEnforcementError, match="vector_to_array"):
        enforce(df, Schema([ColSpec(Array(L), "v")]))


def test_extra_column_arrow_cannot_carry(spark):
    df = spark.sql("SELECT 1L AS a, INTERVAL 1 YEAR AS iv")
    result = enforce(df, Schema([ColSpec(L, "a")]), mode="check")  # never read: fine
    assert result.ok and result.rows == 1
    with pytest.raises(TypeMappingError, match=r"(?s)column .iv.*drop it"):
        enforce(df, Schema([ColSpec(L, "a")]), mode="split")  # quarantine rows would carry it


def test_variant_column_passes_any(spark):
    df = spark.sql("SELECT parse_json('{\"k\": 1}') AS v")
    result = enforce(df, Schema([ColSpec(AnyType(), "v")]))
    assert result.run().valid == 1
