"""The whole conversion matrix, through the Spark engine, the local engine and MLflow (the oracle).

Each Spark source type x each declared DataType: the same values go to
* our Spark engine (``enforce`` on a Spark DataFrame, compat="mlflow"),
* our local engine (the same data as Arrow-backed pandas),
* MLflow's ``validate_schema`` on what MLflow sees from Spark (``toPandas`` of the same frame).
They must agree, except the documented deviations, which are asserted to deviate.
"""

from __future__ import annotations

import datetime as dt
import decimal

import pandas as pd
import pyarrow as pa
import pytest
from _engines import local_arrow_schema
from _mlflow import assert_refused_for, mlflow_error

from spark_signature import ColSpec, DataType, Schema, SchemaEnforcementError
from spark_signature.enforcement.local import validate_schema
from spark_signature.enforcement.spark import enforce

mlflow_schema = pytest.importorskip("mlflow.types.schema")
mlflow_models = pytest.importorskip("mlflow.models")

# Spark DDL type -> non-null sample values (valid under every rule that accepts the pair)
SOURCES: dict[str, list] = {
    "tinyint": [1, 0, 7],
    "smallint": [1, 0, 300],
    "int": [1, 0, 70000],
    "bigint": [1, 0, 1],  # 0/1 only: int64 -> float/double is then accepted (MLflow PR #13036)
    "float": [1.5, 0.0, 2.25],
    "double": [1.5, 0.0, 2.25],
    "decimal(10,2)": [decimal.Decimal("1.50"), decimal.Decimal("0.00"), decimal.Decimal("2.25")],
    "string": ["a", "b", "c"],
    "binary": [b"a", b"b", b"c"],
    "boolean": [True, False, True],
    "date": [dt.date(2020, 1, 1), dt.date(2021, 2, 3), dt.date(1999, 12, 31)],
    "timestamp": [dt.datetime(2020, 1, 1, 1), dt.datetime(2021, 2, 3), dt.datetime(1999, 12, 31)],
}

#: (source, target) pairs where we deliberately differ from MLflow; see docs/enforcement.md.
#: MLflow accepts these only because pandas holds the Spark column as `object` and MLflow does not look
#: at the values for string/binary/boolean targets.
DEVIATIONS = {
    ("decimal(10,2)", "boolean"),
    ("decimal(10,2)", "string"),
    ("decimal(10,2)", "binary"),
    ("binary", "string"),
    ("binary", "boolean"),
    ("date", "boolean"),
    ("date", "string"),
    ("date", "binary"),
}
if int(pd.__version__.split(".")[0]) < 3:
    # pandas 2 holds a Spark string column as `object` too (pandas 3: its `str` dtype, which MLflow checks):
    # MLflow then accepts it as boolean without looking at the values.
    DEVIATIONS.add(("string", "boolean"))


def _mlflow_error(pdf: pd.DataFrame, target: str) -> BaseException | None:
    return mlflow_error(pdf, mlflow_schema.Schema([mlflow_schema.ColSpec(target, "x")]))


def _spark_rule(df, target: str) -> str | None:
    """None if our Spark engine accepts every row, else the rule of its refusal (static or per row)."""
    schema = Schema([ColSpec(target, "x")])
    try:
        result = enforce(df, schema, mode="check", compat="mlflow")
    except SchemaEnforcementError as err:
        assert err.path == "x", err
        return str(err.rule)
    return None if result.ok else result.violations[0]["rule"]


def _local_rule(table: pa.Table, target: str) -> str | None:
    pdf = table.to_pandas(types_mapper=pd.ArrowDtype)
    try:
        validate_schema(pdf, Schema([ColSpec(target, "x")]), compat="mlflow")
    except SchemaEnforcementError as err:
        assert err.path == "x", err
        return str(err.rule)
    return None


@pytest.fixture(scope="module")
def frames(spark):
    out = {}
    for ddl, values in SOURCES.items():
        df = spark.createDataFrame([(v,) for v in values], f"x {ddl}")
        out[ddl] = (df, df.toPandas(), pa.Table.from_pylist([{"x": v} for v in values],
                                                            schema=_arrow_schema(spark, df)))
    return out


def _arrow_schema(spark, df) -> pa.Schema:
    return local_arrow_schema(df.schema)


@pytest.mark.parametrize("target", [t.name for t in DataType])
def test_matrix_agrees_with_mlflow(frames, target):
    """Same decision as MLflow for every pair, and where both refuse, MLflow refuses for our reason."""
    disagreements = []
    for ddl, (df, pdf, table) in frames.items():
        theirs = _mlflow_error(pdf, target)
        ours_spark = _spark_rule(df, target)
        ours_local = _local_rule(table, target)
        assert ours_spark == ours_local, f"engines disagree on {ddl} -> {target}: {ours_spark} vs {ours_local}"
        if (ddl, target) in DEVIATIONS:
            assert theirs is None and ours_spark is not None, \
                f"documented deviation {ddl} -> {target} no longer deviates"
        elif (theirs is None) != (ours_spark is None):
            disagreements.append((ddl, target, repr(theirs), ours_spark))
        elif theirs is not None:
            assert_refused_for(theirs, ours_spark, f"{ddl} -> {target}")
    assert not disagreements, disagreements


def test_bigint_outside_zero_one_is_refused_per_row(spark):
    df = spark.createDataFrame([(0,), (1,), (5,)], "x bigint")
    result = enforce(df, Schema([ColSpec("double", "x")]), mode="split")
    counts = result.run()
    assert (counts.rows, counts.valid, counts.quarantined) == (3, 2, 1)
    bad = result.quarantine.collect()
    assert bad[0]["x"] == 5
    v = bad[0]["_violations"][0]
    assert (v["column"], v["rule"], v["value"]) == ("x", "unsafe_cast", "5")
    # MLflow refuses the whole batch, for the same reason; we quarantine exactly the bad row
    assert_refused_for(_mlflow_error(df.toPandas(), "double"), "unsafe_cast", "bigint 5 -> double")


def test_static_refusal_names_column_expected_found_and_fix(spark):
    df = spark.createDataFrame([(1,)], "x bigint")
    with pytest.raises(SchemaEnforcementError) as err:
        enforce(df, Schema([ColSpec("integer", "x")]), mode="split")
    msg = str(err.value)
    assert "column 'x'" in msg and "expected integer" in msg and "found bigint" in msg and "Fix:" in msg
    assert (err.value.rule, err.value.path, err.value.expected, err.value.found) == (
        "unsafe_cast", "x", "integer", "bigint")
    assert err.value.fix and "declare the column as long" in err.value.fix
