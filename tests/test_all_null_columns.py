"""A column whose values are all null has no type of its own: the null policy alone judges it.

pandas hands such a column over as ``object`` (Arrow's null type), Spark as ``NullType`` (``lit(None)``).
Either is fine for an optional column of any declared type (scalar, Array, Object, Map, Any) and a
``null_in_required`` violation for a required one, in both engines; the valid output has the declared
type. Under ``compat="mlflow"`` integer types refuse nulls whatever ``required`` says (MLflow's rule),
reported as ``null_in_integer`` with MLflow's reason instead of a contradictory "null in required".
"""

from __future__ import annotations

import pandas as pd
import pytest

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
)
from spark_signature.enforcement.local import find_violations, validate_schema
from spark_signature.enforcement.spark import enforce

TYPES = {
    **{t.name: t for t in DataType},
    "array_long": Array(DataType.long),
    "array_array_string": Array(Array(DataType.string)),
    "array_object": Array(Object([Property("x", DataType.long)])),
    "object": Object([Property("x", DataType.long), Property("y", DataType.string, required=False)]),
    "map_double": Map(DataType.double),
    "map_array": Map(Array(DataType.long)),
    "any": AnyType(),
}
COMPOSITES = [n for n, t in TYPES.items() if not isinstance(t, DataType)]


def _schema(required: bool) -> Schema:
    return Schema([ColSpec(t, name, required=required) for name, t in TYPES.items()])


def _all_null_frame(rows: int = 2) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([None] * rows, dtype=object) for name in TYPES})


# ---- the local engine ---------------------------------------------------------------------------------


def test_the_issue_example_an_absent_optional_array_feature_passes():
    request = pd.DataFrame({"a": [1], "tags": pd.Series([None], dtype=object)})
    schema = Schema([ColSpec(DataType.long, "a"), ColSpec(Array(DataType.long), "tags", required=False)])
    for compat in ("strict", "mlflow"):
        out = validate_schema(request, schema, compat=compat)
        assert out["tags"].tolist() == [None]
        assert out["a"].tolist() == [1]


def test_local_optional_all_null_columns_of_every_type_pass():
    out = validate_schema(_all_null_frame(), _schema(required=False))
    assert list(out.columns) == list(TYPES)
    for name in TYPES:
        assert out[name].isna().all(), name
    assert str(out["long"].dtype) == "Int64"  # the declared integer type, holding nulls
    assert str(out["double"].dtype) == "float64"
    assert str(out["datetime"].dtype) == "datetime64[ns]"


def test_local_required_all_null_columns_of_every_type_are_null_in_required():
    found = {(v["column"], v["rule"]) for v in find_violations(_all_null_frame(), _schema(required=True))}
    expected = {(name, "null_in_required") for name in TYPES if name != "any"}  # Any takes nulls
    assert found == expected


@pytest.mark.parametrize("name", COMPOSITES)
@pytest.mark.parametrize("compat", ["strict", "mlflow"])
def test_local_all_null_composites_follow_required_in_both_modes(name, compat):
    frame = pd.DataFrame({"c": pd.Series([None, None], dtype=object)})
    validate_schema(frame, Schema([ColSpec(TYPES[name], "c", required=False)]), compat=compat)
    if name == "any":
        return
    with pytest.raises(SchemaEnforcementError, match="null_in_required"):
        validate_schema(frame, Schema([ColSpec(TYPES[name], "c", required=True)]), compat=compat)


def test_compat_optional_long_with_none_says_what_mlflow_does():
    frame = pd.DataFrame({"x": pd.Series([1, None], dtype="Int64")})
    schema = Schema([ColSpec(DataType.long, "x", required=False)])
    validate_schema(frame, schema)  # strict: optional means nulls are fine
    with pytest.raises(SchemaEnforcementError) as info:
        validate_schema(frame, schema, compat="mlflow")
    err = info.value
    assert err.rule == "null_in_integer"
    assert "null_in_required" not in str(err)
    assert "long (optional)" in str(err) and "as MLflow does" in str(err) and "float64" in str(err)
    assert "compat='strict'" in err.fix


def test_compat_object_column_of_none_for_long_gives_mlflows_missing_values_hint():
    frame = pd.DataFrame({"x": pd.Series([None], dtype=object)})
    with pytest.raises(SchemaEnforcementError) as info:
        validate_schema(frame, Schema([ColSpec(DataType.long, "x", required=False)]), compat="mlflow")
    assert "object (holding None)" in str(info.value)
    assert "whatever `required` says" in info.value.fix


# ---- the Spark engine: lit(None) is NullType ------------------------------------------------------------


def _null_df(spark, rows: int = 3):
    from pyspark.sql import functions as F

    df = spark.range(rows).select(F.col("id"), *[F.lit(None).alias(name) for name in TYPES])
    assert {f.dataType.typeName() for f in df.schema.fields if f.name != "id"} == {"void"}
    return df


def test_spark_optional_null_type_columns_of_every_type_are_valid(spark):
    from spark_signature.spark_types import to_spark_type

    result = enforce(_null_df(spark), _schema(required=False), keep_columns=["id"])
    assert result.counts.rows == 3 and result.counts.valid == 3 and result.counts.quarantined == 0
    valid = result.valid
    for name, t in TYPES.items():
        if not isinstance(t, AnyType):
            assert valid.schema[name].dataType == to_spark_type(t), name  # cast to the declared type
    rows = valid.collect()
    assert all(r[name] is None for r in rows for name in TYPES)


def test_spark_required_null_type_columns_are_null_in_required(spark):
    result = enforce(_null_df(spark), _schema(required=True), mode="check")
    assert result.rows == 3 and result.invalid_rows == 3
    found = {(v["column"], v["rule"]): v["count"] for v in result.violations}
    assert found == {(name, "null_in_required"): 3 for name in TYPES if name != "any"}


def test_spark_compat_optional_long_null_is_null_in_integer(spark):
    from pyspark.sql import functions as F

    df = spark.range(2).select(F.when(F.col("id") == 0, F.lit(1)).cast("bigint").alias("x"),
                               F.lit(None).alias("n"))
    schema = Schema([ColSpec(DataType.long, "x", required=False), ColSpec(DataType.long, "n", required=False)])
    assert enforce(df, schema).counts.quarantined == 0  # strict: optional means nulls are fine
    result = enforce(df, schema, compat="mlflow")
    quarantined = result.quarantine.collect()
    assert result.counts.quarantined == 2
    assert result.counts.by_rule == {("x", "null_in_integer"): 1, ("n", "null_in_integer"): 2}
    violation = next(v for r in quarantined for v in r["_violations"] if v["column"] == "x")
    assert violation["expected"] == "long (optional)" and "as MLflow does" in violation["found"]
