"""Value-dependent cases run through both engines: the Spark engine (mapInArrow) and the local engine.

Each case is Spark DDL + rows + a signature + the expected violations as (row, path, rule), run through
every engine by ``tests/_engines.py`` (split, check, fail_fast on a repartitioned frame; the local engine on
the same rows as an Arrow-backed pandas DataFrame). The counts each engine must report (rows, valid,
quarantined, per column and rule) are derived from the expected set.
"""

from __future__ import annotations

import datetime as dt
import decimal
import warnings

import numpy as np
import pandas as pd
import pytest
from _engines import assert_case, assert_same_outputs, pandas_frame
from _mlflow import assert_refused_for, mlflow_error
from _spark_jobs import count_jobs
from _spark_lines import requires_variant

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
from spark_signature.compat import is_connect
from spark_signature.enforcement.local import validate_schema
from spark_signature.enforcement.spark import ENGINES, enforce
from spark_signature.errors import FIXES, PlanWarning, Rule

pytestmark = pytest.mark.spark_sessions("classic", "connect")

L, D, S = DataType.long, DataType.double, DataType.string
WIDE = decimal.Decimal("12345678901234567.123")  # 20 digits: the nearest double is 1.2345678901234568e16

#: The cases the matrix pairs leave to the default pair: the thirteen left unmarked cover every node type
#: and every rule (a representative each); these vary one of them.
EXHAUSTIVE = pytest.mark.exhaustive
CASES = [
    pytest.param(
        "a bigint, b string", [(1, "x"), (None, "y"), (3, None)],
        Schema([ColSpec(L, "a"), ColSpec(S, "b", required=False)]), "strict",
        {(1, "a", "null_in_required")}, id="top-level-null-required-vs-optional",
    ),
    pytest.param(
        "a bigint", [(1,), (None,)], Schema([ColSpec(L, "a", required=False)]), "strict",
        set(), id="optional-long-with-null-passes-strict", marks=EXHAUSTIVE,
    ),
    pytest.param(
        "a bigint", [(1,), (None,)], Schema([ColSpec(L, "a", required=False)]), "mlflow",
        {(1, "a", "null_in_integer")}, id="mlflow-compat-long-null-refused-even-if-optional",
    ),
    pytest.param(
        "a double", [(1.0,), (None,)], Schema([ColSpec(D, "a")]), "mlflow",
        set(), id="mlflow-compat-double-null-passes-required", marks=EXHAUSTIVE,
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
        set(), id="null-optional-struct-does-not-check-its-fields", marks=EXHAUSTIVE,
    ),
    pytest.param(
        "arr array<bigint>", [([1, 2],), ([1, None, 3],), (None,), ([],)],
        Schema([ColSpec(Array(L), "arr")]), "strict",
        {(1, "arr[1]", "null_in_required"), (2, "arr", "null_in_required")}, id="array-element-nulls",
    ),
    pytest.param(
        "arr array<string>", [(["a", None],), (None,)],
        Schema([ColSpec(Array(S), "arr", required=False)]), "strict",
        set(), id="optional-array-string-keeps-null-elements", marks=EXHAUSTIVE,
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
        set(), id="tensor-variable-dim", marks=EXHAUSTIVE,
    ),
    pytest.param(  # Spark has no uint8: any integer elements, each value range-checked at its path
        "images array<array<array<int>>>",
        [([[[0], [255]], [[7], [8]]],), ([[[300], [1]], [[2], [-1]]],), ([[[1], [2]]],), ([[[1], [2]], [[3], None]],)],
        Schema([TensorSpec(np.dtype("uint8"), (-1, 2, 2, 1), "images")]), "strict",
        {(1, "images[0][0][0]", "unsafe_cast"), (1, "images[1][1][0]", "unsafe_cast"), (2, "images", "shape_mismatch"),
         (3, "images[1][1]", "null_in_required")},
        id="tensor-uint8-from-int-range-checked",
    ),
    pytest.param(
        "images array<array<array<tinyint>>>", [([[[0], [127]]],), ([[[-1], [5]]],)],
        Schema([TensorSpec(np.dtype("uint8"), (-1, 1, 2, 1), "images")]), "strict",
        {(1, "images[0][0][0]", "unsafe_cast")}, id="tensor-uint8-from-tinyint-only-negatives", marks=EXHAUSTIVE,
    ),
    pytest.param(
        "t array<bigint>", [([-128, 127],), ([128, -129],), ([0, None],)],
        Schema([TensorSpec(np.dtype("int8"), (-1, 2), "t")]), "strict",
        {(1, "t[0]", "unsafe_cast"), (1, "t[1]", "unsafe_cast"), (2, "t[1]", "null_in_required")},
        id="tensor-int8-from-bigint-range-checked", marks=EXHAUSTIVE,
    ),
    pytest.param(
        "t array<tinyint>", [([-128, 127],)], Schema([TensorSpec(np.dtype("int16"), (-1, 2), "t")]), "strict",
        set(), id="tensor-int16-from-tinyint-widens", marks=EXHAUSTIVE,
    ),
    pytest.param(
        "t bigint", [(0,), (-1,), (9223372036854775807,)], Schema([TensorSpec(np.dtype("uint64"), (-1,), "t")]),
        "strict", {(1, "t", "unsafe_cast")}, id="tensor-uint64-scalar-from-bigint", marks=EXHAUSTIVE,
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
        {(1, "arr[1]", "null_in_integer")}, id="mlflow-compat-null-long-element-refused", marks=EXHAUSTIVE,
    ),
    pytest.param(
        "arr array<double>", [([1.0, None],)], Schema([ColSpec(Array(D), "arr")]), "mlflow",
        set(), id="mlflow-compat-null-double-element-passes", marks=EXHAUSTIVE,
    ),
    pytest.param(
        "m map<string, double>", [({"k": 1.0},), ({"k": None},)], Schema([ColSpec(Map(D), "m")]), "mlflow",
        {(1, "m['k']", "null_in_required")}, id="mlflow-compat-null-map-value-in-required-map", marks=EXHAUSTIVE,
    ),
    pytest.param(
        "s struct<x: bigint>", [({"x": 1},), ({"x": None},)],
        Schema([ColSpec(Object([Property("x", L)]), "s")]), "mlflow",
        {(1, "s.x", "null_in_required")}, id="mlflow-compat-null-required-property", marks=EXHAUSTIVE,
    ),
    pytest.param(
        "a string, b double", [("x", 1.0), (None, None)], Schema([ColSpec(S, "a"), ColSpec(D, "b")]), "mlflow",
        set(), id="mlflow-compat-scalar-nulls-pass", marks=EXHAUSTIVE,
    ),
    pytest.param(
        "x int, y smallint, z tinyint, f float", [(1, 2, 3, 1.5), (None, 2, 3, None), (2**31 - 1, -(2**15), -128, 0.1)],
        Schema([ColSpec(L, "x"), ColSpec(D, "y"), ColSpec(L, "z"), ColSpec(D, "f", required=False)]), "strict",
        {(1, "x", "null_in_required")}, id="widening-sources", marks=EXHAUSTIVE,
    ),
    pytest.param(
        "x decimal(38,3)", [(WIDE,), (decimal.Decimal("1.500"),), (None,), (decimal.Decimal("-4810197277465.976"),)],
        Schema([ColSpec(D, "x", required=False)]), "strict",
        {(0, "x", "unsafe_cast")}, id="wide-decimal-value-double-cannot-hold",
        marks=pytest.mark.filterwarnings("ignore::spark_signature.errors.PlanWarning"),
    ),
    pytest.param(
        "x decimal(38,3)", [(WIDE,), (decimal.Decimal("1.500"),), (None,)],
        Schema([ColSpec(D, "x", required=False)]), "mlflow",
        set(), id="mlflow-compat-wide-decimal-rounded-like-mlflow",
        marks=[EXHAUSTIVE, pytest.mark.filterwarnings("ignore::spark_signature.errors.PlanWarning")],
    ),
    pytest.param(
        "m map<string, array<int>>", [({"a'b": [1, None]},), ({"k": None},)],
        Schema([ColSpec(Map(Array(L)), "m")]), "strict",
        {(0, "m['a\\'b'][1]", "null_in_required"), (1, "m['k']", "null_in_required")},
        id="map-of-widened-arrays-quoted-key",
    ),
    pytest.param(
        "t array<double>", [([1.0, 2.0],), ([1.0],), (None,)],
        Schema([TensorSpec(np.dtype("float64"), (-1, 2), "t")]), "mlflow",
        {(1, "t", "shape_mismatch"), (2, "t", "null_in_required")}, id="mlflow-compat-tensor-null-and-shape",
        marks=EXHAUSTIVE,
    ),
]


def _mlflow_verdict(spark, ddl, rows, schema, expected) -> None:
    """MLflow's decision on the same rows, as MLflow sees them from Spark (toPandas of the frame): it
    accepts the batch iff we find no violation, and refuses it for the reason of one we find."""
    error = mlflow_error(spark.createDataFrame(rows, ddl).toPandas(), schema)
    if expected:
        assert_refused_for(error, {rule for _, _, rule in expected}, f"{ddl} {rows}")
    else:
        assert error is None, f"MLflow refused {ddl} {rows}: {error!r}"


@pytest.mark.parametrize(("ddl", "rows", "schema", "compat", "expected"), CASES)
def test_both_engines(spark, ddl, rows, schema, compat, expected):
    """Every engine (split, check, fail_fast, local; the Spark ones with each ``engine=``: the native fast
    path and the Arrow kernels) reports exactly the expected violations and the counts per (column, rule)
    that the expected set implies, and the two Spark engines split into the same valid and quarantine
    rows (converted values, kept columns and schemas included). A Spark Connect session runs the
    representative cases (those not marked ``exhaustive``) through the default engine (``auto``, whose
    suspect rows go through the same kernels) only, for CI time; the engine-parametrized tests below run
    ``engine="arrow"`` under Connect too."""
    engines = ("auto",) if is_connect(spark) else ENGINES
    outs = [assert_case(spark, ddl, rows, schema, compat, expected, spark_engine=e) for e in engines]
    if len(outs) == 2:
        assert_same_outputs(outs[0]["split"], outs[1]["split"])
    if compat == "mlflow":  # the oracle decides per batch
        _mlflow_verdict(spark, ddl, rows, schema, expected)


def _rows_of(df):
    return sorted(tuple(r) for r in df.collect())


@pytest.mark.parametrize("engine", ENGINES)
def test_split_outputs_reordered_converted_and_kept_columns(spark, engine):
    df = spark.createDataFrame([(1, 2, "a", 9.0), (2, None, "b", 8.0)], "id bigint, n int, s string, extra double")
    schema = Schema([ColSpec(S, "s"), ColSpec(L, "n")])
    result = enforce(df, schema, keep_columns=["id"], engine=engine)
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
                                                  match=r"missing inputs \['b'\].*extra inputs: \['c'\]") as err:
        enforce(df, Schema([ColSpec(L, "a"), ColSpec(L, "b")]))
    assert jobs == [0]
    assert (err.value.rule, err.value.path) == ("missing_column", "b")


def test_missing_optional_column_is_fine(spark):
    df = spark.createDataFrame([(1,)], "a bigint")
    result = enforce(df, Schema([ColSpec(L, "a"), ColSpec(L, "b", required=False)]))
    assert result.valid.columns == ["a"] and result.run().valid == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_fail_fast_raises_with_column_value_and_fix(spark, engine):
    df = spark.createDataFrame([(0,), (7,)], "x bigint")
    with pytest.raises(SchemaEnforcementError) as err:
        enforce(df, Schema([ColSpec(D, "x")]), mode="fail_fast", engine=engine)
    msg = str(err.value)
    assert "column 'x'" in msg and "'7'" in msg and "Fix:" in msg
    e = err.value
    assert (e.rule, e.path, e.expected, e.found, e.value) == (
        "unsafe_cast", "x", "double (required)", "int64 value outside {0, 1}", "7")
    assert e.fix == FIXES[Rule.UNSAFE_CAST]


@pytest.mark.parametrize(("ddl", "rows", "spec", "attrs"), [
    ("s struct<x: bigint>", [({"x": 1},), ({"x": None},)], Object([Property("x", L)]),
     ("null_in_required", "s.x", "long (required)", "null", None)),
    ("a array<bigint>", [([1, None],)], Array(L), ("null_in_required", "a[1]", "long (required)", "null", None)),
    ("m map<string, bigint>", [({"k": 5},)], Map(D), ("unsafe_cast", "m['k']", "double (required)",
                                                       "int64 value outside {0, 1}", "5")),
    ("d decimal(38,3)", [(WIDE,)], D, ("unsafe_cast", "d", "double (required)",
                                       "decimal128(38, 3) value that double cannot hold exactly", str(WIDE))),
], ids=["property", "element", "map-value", "wide-decimal"])
def test_fail_fast_error_carries_rule_path_expected_found_and_value(spark, ddl, rows, spec, attrs):
    df = spark.createDataFrame(rows, ddl).repartition(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlanWarning)
        with pytest.raises(SchemaEnforcementError) as err:
            enforce(df, Schema([ColSpec(spec, df.columns[0])]), mode="fail_fast")
    e = err.value
    assert (e.rule, e.path, e.expected, e.found, e.value) == attrs
    assert e.fix == FIXES[Rule(attrs[0])] and f"Fix: {e.fix}" in str(e)
    assert e.to_dict()["rule"] == attrs[0] and e.to_dict()["path"] == attrs[1]


@pytest.mark.parametrize("engine", ENGINES)
def test_fail_fast_passes_and_returns_converted(spark, engine):
    df = spark.createDataFrame([(0, "a"), (1, "b")], "x bigint, s string")
    result = enforce(df, Schema([ColSpec(D, "x")]), mode="fail_fast", engine=engine)
    assert result.ok and result.rows == 2
    assert dict(result.valid.dtypes) == {"x": "double"}


@pytest.mark.parametrize("engine", ENGINES)
def test_check_mode_counts_without_rows(spark, engine):
    df = spark.range(1000).selectExpr("IF(id % 100 = 0, NULL, id) AS x").repartition(4)
    result = enforce(df, Schema([ColSpec(L, "x")]), mode="check", engine=engine)
    assert (result.rows, result.invalid_rows) == (1000, 10)
    assert result.violations[0]["count"] == 10 and result.violations[0]["rule"] == "null_in_required"


@pytest.mark.parametrize("engine", ENGINES)
def test_empty_dataframe(spark, engine):
    df = spark.createDataFrame([], "x bigint")
    result = enforce(df, Schema([ColSpec(L, "x")]), engine=engine)
    counts = result.run()
    assert (counts.rows, counts.valid, counts.quarantined) == (0, 0, 0)


def test_struct_extra_field_refused_statically(spark):
    df = spark.createDataFrame([({"x": 1, "z": 2},)], "s struct<x: bigint, z: bigint>")
    with pytest.raises(SchemaEnforcementError, match="extra fields") as err:
        enforce(df, Schema([ColSpec(Object([Property("x", L)]), "s")]))
    assert (err.value.rule, err.value.path, err.value.found) == ("extra_property", "s", "extra fields ['z']")


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
    with pytest.raises(SchemaEnforcementError, match="null_in_required") as err:
        validate_schema(pdf, Schema([ColSpec(L, "a")]))
    assert (err.value.rule, err.value.path, err.value.found, err.value.value) == ("null_in_required", "a", "null", None)
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


@pytest.mark.parametrize("engine", ENGINES)
def test_ml_vector_column_enforced_as_array_of_double(spark, engine):
    from pyspark.ml.linalg import Vectors

    from spark_signature import SparkMLVector

    df = spark.createDataFrame([(Vectors.dense([1.0, 2.0]),), (Vectors.sparse(3, [1], [3.0]),), (None,)], ["v"])
    for spec in (Array(D), SparkMLVector()):
        result = enforce(df, Schema([ColSpec(spec, "v")]), engine=engine)
        assert [r["v"] for r in result.valid.collect()] == [[1.0, 2.0], [0.0, 3.0, 0.0]]
        assert [v["rule"] for r in result.quarantine.collect() for v in r["_violations"]] == ["null_in_required"]
    with pytest.raises(SchemaEnforcementError, match="vector_to_array") as err:
        enforce(df, Schema([ColSpec(Array(L), "v")]))
    assert (err.value.rule, err.value.path, err.value.found) == ("wrong_type", "v", "pyspark.ml vector")


def test_extra_column_arrow_cannot_carry(spark):
    df = spark.sql("SELECT 1L AS a, INTERVAL 1 YEAR AS iv")
    result = enforce(df, Schema([ColSpec(L, "a")]), mode="check")  # never read: fine
    assert result.ok and result.rows == 1
    with pytest.raises(TypeMappingError, match=r"(?s)column .iv.*drop it") as err:
        enforce(df, Schema([ColSpec(L, "a")]), mode="split")  # quarantine rows would carry it
    assert (err.value.rule, err.value.path) == ("wrong_type", "iv")


@requires_variant
def test_variant_column_passes_any(spark):
    df = spark.sql("SELECT parse_json('{\"k\": 1}') AS v")
    result = enforce(df, Schema([ColSpec(AnyType(), "v")]))
    assert result.run().valid == 1



@pytest.mark.parametrize("name", ["a.b", "a`b", "sepal length (cm)", "it's \\ \"é\""])
def test_any_column_name_goes_through_every_mode(spark, name):
    """PySpark's mapInArrow resolves input columns by name, reading a dot as a field and a backtick as a
    quote: names are never passed to it as they are. The native flag and the per-rule counts are SQL text:
    a quote, a backslash or a non-ASCII letter in a name must not break out of it."""
    df = spark.createDataFrame([(1, "x"), (None, "y")], "v bigint, w string").toDF(name, "x.y")
    for schema in (Schema([ColSpec(L, name)]), Schema([ColSpec(L)])):
        result = enforce(df, schema, keep_columns=["x.y"])
        first = name if schema.has_input_names() else "0"
        assert result.valid.columns == ["x.y", first]  # an unnamed column is named by its position
        assert [tuple(r) for r in result.valid.collect()] == [("x", 1)]
        assert [r["x.y"] for r in result.quarantine.collect()] == ["y"]
        assert result.counts.by_rule == {(first, "null_in_required"): 1}
        check = enforce(df, schema, mode="check")
        assert (check.rows, check.invalid_rows, check.violations[0]["path"]) == (2, 1, first)


def test_timestamp_ntz_and_date_accepted_for_datetime(spark):
    ts = dt.datetime(2020, 1, 2, 3, 4, 5, 6)
    df = spark.createDataFrame([(ts, ts, dt.date(2020, 1, 2))], "ntz timestamp_ntz, ltz timestamp, d date")
    schema = Schema([ColSpec(DataType.datetime, n) for n in ("ntz", "ltz", "d")])
    result = enforce(df, schema)
    assert dict(result.valid.dtypes) == {"ntz": "timestamp", "ltz": "timestamp", "d": "timestamp"}
    assert tuple(result.valid.collect()[0]) == (ts, ts, dt.datetime(2020, 1, 2))  # session time zone UTC
    assert result.counts.as_dict()["valid"] == 1
    local = validate_schema(pandas_frame(spark, "ntz timestamp_ntz, d date", [(ts, dt.date(2020, 1, 2))]),
                            Schema([ColSpec(DataType.datetime, "ntz"), ColSpec(DataType.datetime, "d")]))
    assert local.iloc[0].tolist() == [pd.Timestamp(ts), pd.Timestamp("2020-01-02")]


def test_char_and_varchar_columns_accepted_for_string(spark, tmp_path):
    """Spark reads CHAR(n)/VARCHAR(n) table columns as strings (CHAR padded to n)."""
    table = f"cv_{tmp_path.name.replace('-', '_')}"
    spark.sql(f"CREATE TABLE {table} (c CHAR(5), v VARCHAR(5)) USING parquet LOCATION '{tmp_path / 't'}'")
    try:
        spark.sql(f"INSERT INTO {table} VALUES ('ab', 'cd'), (NULL, 'e')")
        df = spark.table(table)
        result = enforce(df, Schema([ColSpec(S, "c"), ColSpec(S, "v")]))
        assert dict(result.valid.dtypes) == {"c": "string", "v": "string"}
        assert [tuple(r) for r in result.valid.collect()] == [("ab   ", "cd")]
        assert result.counts.by_rule == {("c", "null_in_required"): 1}
        assert enforce(df, Schema([ColSpec(S, "v")]), mode="check").ok
    finally:
        spark.sql(f"DROP TABLE IF EXISTS {table}")


def _plan_warnings(fn):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = fn()
    return result, [str(w.message) for w in seen if issubclass(w.category, PlanWarning)]


@pytest.mark.parametrize("compat", ["strict", "mlflow"])
def test_wide_decimal_against_double(spark, compat):
    values = [WIDE, decimal.Decimal("1.500"), decimal.Decimal("-4810197277465.976")]
    df = spark.createDataFrame([(v,) for v in values], "d decimal(38,3)")
    schema = Schema([ColSpec(D, "d")])
    result, issued = _plan_warnings(lambda: enforce(df, schema, compat=compat))
    assert len(issued) == 1 and issued == result.warnings  # warned when planned, and kept on the result
    assert "column 'd'" in issued[0] and "15 significant digits" in issued[0]
    pdf = pandas_frame(spark, "d decimal(38,3)", [(v,) for v in values])
    if compat == "strict":
        assert "refused per row" in issued[0]
        (bad,) = result.quarantine.collect()
        assert [(v["rule"], v["path"], v["value"]) for v in bad["_violations"]] == [("unsafe_cast", "d", str(WIDE))]
        assert sorted(r["d"] for r in result.valid.collect()) == sorted(float(v) for v in values[1:])
        with pytest.raises(SchemaEnforcementError) as err, warnings.catch_warnings():
            warnings.simplefilter("ignore", PlanWarning)
            validate_schema(pdf, schema)
        assert (err.value.rule, err.value.path, err.value.value) == ("unsafe_cast", "d", str(WIDE))
    else:  # MLflow's decision: every decimal converts, rounded
        assert "MLflow" in issued[0]
        assert sorted(r["d"] for r in result.valid.collect()) == sorted(float(v) for v in values)
        assert result.counts.quarantined == 0
        local, local_issued = _plan_warnings(lambda: validate_schema(pdf, schema, compat="mlflow"))
        assert local["d"].tolist() == [float(v) for v in values] and local_issued == issued
        assert mlflow_error(df.toPandas(), schema) is None


def test_narrow_decimal_widens_to_double_without_warning(spark):
    df = spark.createDataFrame([(decimal.Decimal("12345678.91"),), (decimal.Decimal("0.03"),)], "d decimal(10,2)")
    result, issued = _plan_warnings(lambda: enforce(df, Schema([ColSpec(D, "d")])))
    assert issued == [] and result.warnings == []
    assert [r["d"] for r in result.valid.collect()] == [12345678.91, 0.03]
    assert result.counts.quarantined == 0
    check, issued = _plan_warnings(lambda: enforce(df, Schema([ColSpec(D, "d")]), mode="check"))
    assert issued == [] and check.warnings == [] and check.ok
