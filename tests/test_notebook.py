"""notebook.check on Spark DataFrames: the engine's counts, the data, the fixes, progress, sources."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from _report_data import DDL, ROWS, SIGNATURE

from spark_signature import (
    Array,
    ColSpec,
    DataType,
    ModelSignature,
    Schema,
    SchemaEnforcementError,
    enforce,
    notebook,
)
from spark_signature.mlmodel import signature_to_mlmodel, write_mlmodel
from spark_signature.progress import SparkProgress
from spark_signature.report.text import display_width


@pytest.fixture(scope="module")
def df(spark):
    return spark.createDataFrame(ROWS, DDL).repartition(2)


@pytest.fixture(scope="module")
def result(df):
    return notebook.check(df, SIGNATURE)


def test_counts_and_data_are_the_split(df, result):
    split = enforce(df, SIGNATURE, mode="split")
    assert result.report["counts"] == split.counts.as_dict()
    assert (result.report["counts"]["rows"], result.report["counts"]["valid"]) == (5, 2)
    assert result.valid.count() == 2 and result.quarantine.count() == 3
    assert sorted(r.user_id for r in result.valid.collect()) == [1, 5]
    assert result.valid.schema["amount"].dataType.simpleString() == "double"
    assert result.counts.to_dict("records") == [
        {"column": "address", "rule": "null_in_required", "count": 2},
        {"column": "amount", "rule": "null_in_required", "count": 2},
    ]
    assert result.status == "violations" and not result.ok


def test_report_contract_and_bad_rows(result):
    report = json.loads(result.to_json())
    assert report["status"] == "violations" and report["exit_code"] == 2 and report["mode"] == "split"
    assert report["input"]["format"] == "dataframe" and report["spark"]["version"]
    assert report["spark"]["master"].startswith("local")
    assert {e["column"]: e["status"] for e in report["schema"]} == {
        "user_id": "ok", "amount": "converted", "tags": "ok", "address": "ok"}
    assert len(result.bad_rows) == 3
    assert sorted(v["path"] for r in result.bad_rows for v in r["violations"]) == [
        "address.country", "address.country", "amount", "amount"]
    for row in result.bad_rows:
        assert set(row["values"]) == {"user_id", "amount", "tags", "address"}
    assert len(report["examples"]) == 4


def test_views(result):
    html = result.html()
    assert html.startswith("<!DOCTYPE html>") and "address.country" in html
    assert 'class="bar"' in result._repr_html_()
    for line in str(result).splitlines():
        assert display_width(line) <= 100


def test_spark_fixes_applied_make_the_data_fit(spark, df):
    """Paste the fixes into a notebook namespace and check again."""
    broken = df.withColumnRenamed("user_id", "UserID").withColumn("amount", df["amount"].cast("string"))
    first = notebook.check(broken, SIGNATURE)
    assert first.status == "schema_mismatch"
    assert {e["column"]: e["status"] for e in first.report["schema"]} == {
        "user_id": "missing", "amount": "refused", "tags": "ok", "address": "ok", "UserID": "extra"}
    namespace = {"df": broken, "signature": SIGNATURE}
    for fix in first.fixes:
        exec(fix.code, namespace)
    second = notebook.check(namespace["df"], namespace["signature"])
    assert second.report["counts"]["quarantined"] == 3
    for fix in second.fixes:
        exec(fix.code, namespace)
    third = notebook.check(namespace["df"], namespace["signature"])
    assert third.ok, str(third)
    # the fills kept every row: amount filled with 0.0, the null countries with ""
    assert third.report["counts"] == {"rows": 5, "valid": 5, "quarantined": 0, "violations": []}


def test_nested_null_fixes_applied(spark):
    """Nulls inside nested arrays and map values, and in a tensor: the pasted fixes remove them."""
    from spark_signature import Map, TensorSpec

    columns = Schema([ColSpec(Array(Array(DataType.long)), "m"), ColSpec(Map(DataType.long), "kv")])
    df = spark.createDataFrame([([[1, None], [2]], {"a": 1, "b": None}), ([[3]], {"c": 2})],
                               "m array<array<bigint>>, kv map<string, bigint>")
    tensors = Schema([TensorSpec(np.dtype("int64"), (-1, 2, 2), "t")])
    tdf = spark.createDataFrame([([[1, 2], [3, None]],), ([[1, 2], [3, 4]],)], "t array<array<bigint>>")
    for data, schema, rows_left in ((df, columns, 2), (tdf, tensors, 1)):
        first = notebook.check(data, schema)
        assert first.status == "violations"
        namespace = {"df": data, "signature": ModelSignature(inputs=schema)}
        for fix in first.fixes:
            exec(fix.code, namespace)
        again = notebook.check(namespace["df"], namespace["signature"])
        assert again.ok, str(again)
        assert again.report["counts"]["rows"] == rows_left


def test_schema_mismatch_reads_no_data_and_keeps_the_error(spark):
    df = spark.createDataFrame([("x",)], "amount string")
    r = notebook.check(df, SIGNATURE)
    assert r.status == "schema_mismatch" and r.report["counts"] is None
    assert r.report["error"]["rule"] in ("missing_column", "unsafe_cast")
    with pytest.raises(SchemaEnforcementError):
        _ = r.quarantine
    assert "✗ missing" in str(r) and "✗ refused" in str(r)


def test_bad_params_are_an_error(df):
    r = notebook.check(df, SIGNATURE, params={"threshold": "high"})
    assert (r.status, r.report["exit_code"]) == ("error", 3)
    assert r.report["error"]["error"] == "ParamsValidationError"


def test_source_is_a_model_directory(df, tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    write_mlmodel(model, signature_to_mlmodel({"flavors": {}}, SIGNATURE))
    r = notebook.check(df, str(model))
    assert r.report["signature"]["source"] == str(model)
    assert r.report["counts"]["quarantined"] == 3


def test_a_dataframe_as_source_is_refused(df):
    with pytest.raises(Exception, match="Cannot read a signature"):
        notebook.check(df, df)


def test_progress_bar_follows_the_tasks(spark):
    buf = io.StringIO()
    with SparkProgress(spark, "counting", enabled=True, file=buf, interval=0.05, delay=0) as progress:
        assert progress.active
        spark.range(0, 1000, numPartitions=4).selectExpr("sum(id)").collect()
    assert progress.total >= 4 and progress.done == progress.total
    assert "counting" in buf.getvalue() and f"{progress.total}/{progress.total}" in buf.getvalue()
    assert spark.sparkContext.getLocalProperty("spark.jobGroup.id") is None  # the user's group is restored


def test_progress_is_off_outside_notebooks_and_quiet_without_a_context(spark):
    with SparkProgress(spark, "x") as progress:  # not in a notebook: nothing shown
        spark.range(3).count()
    assert not progress.active
    with SparkProgress(object(), "x", enabled=True) as progress:  # no SparkContext (as under Spark Connect)
        pass
    assert not progress.active


def test_check_with_progress(df):
    r = notebook.check(df, SIGNATURE, progress=True)
    assert r.report["counts"]["quarantined"] == 3
