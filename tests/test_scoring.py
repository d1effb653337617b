"""Validated scoring with spark_udf: real models in a real MLflow store, real Spark."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from chispa import assert_df_equality

from spark_signature import (
    ModelSignature,
    ParamsValidationError,
    SchemaEnforcementError,
    ScoringError,
    load_signature,
    score,
)

pytestmark = pytest.mark.slow  # spark_udf starts Python workers that import MLflow and scikit-learn

FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
CORRUPTED = {1000: (None, 3.0, 1.4, 0.2), 1001: (5.1, None, None, 0.2), 1002: (6.0, 2.9, 4.5, None)}


@contextmanager
def no_spark_job(spark: Any) -> Iterator[None]:
    """Asserts that the block ran no Spark job (static checks happen on the driver)."""
    sc = spark.sparkContext
    sc.setJobGroup("spark_signature-static-check", "must stay empty", False)
    try:
        yield
    finally:
        jobs = sc.statusTracker().getJobIdsForGroup("spark_signature-static-check")
        sc.setLocalProperty("spark.jobGroup.id", None)
        assert list(jobs) == [], f"Spark jobs ran: {list(jobs)}"


@pytest.fixture(scope="module")
def iris_df(spark: Any, iris_model: Any) -> Any:
    rows = [(i, *map(float, values)) for i, values in enumerate(iris_model.X.itertuples(index=False))]
    rows += [(i, *values) for i, values in CORRUPTED.items()]
    ddl = "id long, " + ", ".join(f"`{c}` double" for c in FEATURES)
    return spark.createDataFrame(rows, ddl).repartition(3)


def test_iris_scored_rows_equal_pyfunc_predict_and_the_corrupted_are_quarantined(
    spark: Any, iris_model: Any, iris_df: Any, mlflow_store: Any
) -> None:
    for uri in (iris_model.runs_uri,):
        result = score(iris_df, uri, keep_columns=["id"])
        assert result.prediction_columns == ["prediction"]
        assert result.scored.schema["prediction"].dataType.simpleString() == "bigint"  # per row, not [p]
        plan = result.scored._jdf.queryExecution().executedPlan().toString()
        # the checks run natively (engine="auto": no valid row enters Python for them), one model pass
        assert plan.count("MapInArrow") == 0 and plan.count("ArrowEvalPython") == 1
        expected_pdf = iris_model.X.copy()
        expected_pdf.insert(0, "id", range(len(expected_pdf)))
        pyfunc = mlflow_store.pyfunc.load_model(uri)
        expected_pdf["prediction"] = pyfunc.predict(iris_model.X)
        expected = spark.createDataFrame(expected_pdf, result.scored.schema)
        assert_df_equality(result.scored, expected, ignore_row_order=True, ignore_nullable=True)

        quarantine = result.quarantine.select("id", "_violations").collect()
        assert sorted(r["id"] for r in quarantine) == sorted(CORRUPTED)
        reasons = {r["id"]: sorted((v["column"], v["rule"]) for v in r["_violations"]) for r in quarantine}
        assert reasons == {
            1000: [("sepal length (cm)", "null_in_required")],
            1001: [("petal length (cm)", "null_in_required"), ("sepal width (cm)", "null_in_required")],
            1002: [("petal width (cm)", "null_in_required")],
        }
        # after a sort-based first action (chispa's ignore_row_order samples the input in an extra job)
        counts = result.counts.as_dict()
        assert (counts["rows"], counts["valid"], counts["quarantined"]) == (153, 150, 3)


def test_plain_spark_udf_scores_the_corrupted_rows_silently(
    spark: Any, iris_model: Any, iris_df: Any, mlflow_store: Any
) -> None:
    """Why validate first: MLflow lets nulls through required double columns (as NaN), and the forest
    predicts a class for rows with missing features; nothing tells the caller."""
    udf = mlflow_store.pyfunc.spark_udf(spark, iris_model.runs_uri, result_type="long", env_manager="local")
    rows = iris_df.select("id", udf(*[iris_df[f"`{c}`"] for c in FEATURES]).alias("p")).collect()
    assert len(rows) == 153
    assert all(r["p"] is not None for r in rows if r["id"] in CORRUPTED)


def test_string_feature_or_missing_feature_refused_before_any_job(
    spark: Any, iris_model: Any, iris_df: Any
) -> None:
    as_string = iris_df.withColumn("sepal width (cm)", iris_df["`sepal width (cm)`"].cast("string"))
    with no_spark_job(spark), pytest.raises(SchemaEnforcementError) as refused:
        score(as_string, iris_model.runs_uri)
    message = str(refused.value)
    assert "sepal width (cm)" in message and "string" in message and "double" in message
    assert "cast" in message.lower()  # the fix

    missing = iris_df.drop("petal width (cm)")
    with no_spark_job(spark), pytest.raises(SchemaEnforcementError) as refused:
        score(missing, iris_model.runs_uri)
    assert "petal width (cm)" in str(refused.value) and refused.value.rule == "missing_column"


def test_result_type_given(spark: Any, iris_model: Any, iris_df: Any) -> None:
    as_double = score(iris_df, iris_model.runs_uri, result_type="double", prediction_column="label")
    assert as_double.scored.schema["label"].dataType.simpleString() == "double"
    assert as_double.scored.where("id = 0").collect()[0]["label"] == float(iris_model.clf.predict(iris_model.X)[0])
    with pytest.raises(ScoringError, match="clash"):
        score(iris_df, iris_model.runs_uri, prediction_column="id", keep_columns=["id"])


TWO_OUTPUTS_MODEL = '''
import mlflow
import pandas as pd


class TwoOutputs(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return pd.DataFrame({"label": model_input["x"] > 0, "score": model_input["x"] * 2.0})


mlflow.models.set_model(TwoOutputs())
'''


def test_several_outputs_become_columns(spark: Any, mlflow_store: Any, tmp_path: Path) -> None:
    code = tmp_path / "two_outputs.py"
    code.write_text(TWO_OUTPUTS_MODEL)
    signature = mlflow_store.models.ModelSignature.from_dict({
        "inputs": '[{"type": "double", "name": "x", "required": true}]',
        "outputs": '[{"type": "boolean", "name": "label", "required": true}, '
        '{"type": "double", "name": "score", "required": true}]',
    })
    with mlflow_store.start_run():
        info = mlflow_store.pyfunc.log_model(name="two_outputs", python_model=str(code), signature=signature)
    df = spark.createDataFrame([(1, 1.5), (2, -1.0), (3, None)], "id long, x double")
    result = score(df, info.model_uri, keep_columns=["id"])
    assert result.result_type.simpleString() == "struct<label:boolean,score:double>"
    assert result.prediction_columns == ["label", "score"]
    expected = spark.createDataFrame(
        [(1, 1.5, True, 3.0), (2, -1.0, False, -2.0)], "id long, x double, label boolean, score double"
    )
    assert_df_equality(result.scored, expected, ignore_row_order=True, ignore_nullable=True)
    assert [r["id"] for r in result.quarantine.collect()] == [3]
    packed = score(df, info.model_uri, prediction_column="out")
    assert packed.scored.columns == ["x", "out"]


PARAMS_MODEL = '''
import mlflow


class ParamsModel(mlflow.pyfunc.PythonModel):
    """The seed's params model, per row: the params it received, as text."""

    def predict(self, context, model_input, params=None):
        params = params or {}
        return [
            f"{text}|temperature={float(params['temperature']):.2f}|suppress_tokens={list(params['suppress_tokens'])}"
            for text in model_input["input"]
        ]


mlflow.models.set_model(ParamsModel())
'''

SEED_SIGNATURE = {  # the seed document's YAML, verbatim
    "inputs": '[{"name": "input", "type": "string"}]',
    "outputs": '[{"name": "output", "type": "string"}]',
    "params": '[{"name": "temperature", "type": "float", "default": 0.5, "shape": null}, '
    '{"name": "suppress_tokens", "type": "integer", "default": [101, 102], "shape": [-1]}]',
}


@pytest.fixture(scope="module")
def params_model(mlflow_store: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    code = tmp_path_factory.mktemp("code") / "params_model.py"
    code.write_text(textwrap.dedent(PARAMS_MODEL))
    signature = mlflow_store.models.ModelSignature.from_dict(SEED_SIGNATURE)
    with mlflow_store.start_run():
        info = mlflow_store.pyfunc.log_model(name="params_model", python_model=str(code), signature=signature)
    return info.model_uri


def test_params_model_round_trips_and_overrides_reach_the_model(spark: Any, params_model: str) -> None:
    assert load_signature(params_model) == ModelSignature.from_dict(SEED_SIGNATURE)
    df = spark.createDataFrame([("a",), ("b",)], "input string")
    defaults = score(df, params_model)
    assert defaults.params == {"temperature": 0.5, "suppress_tokens": [101, 102]}
    assert sorted(r["output"] for r in defaults.scored.collect()) == [
        "a|temperature=0.50|suppress_tokens=[101, 102]", "b|temperature=0.50|suppress_tokens=[101, 102]"
    ]  # fmt: skip
    override = score(df, params_model, params={"temperature": 0.1})
    assert override.params["temperature"] == pytest.approx(0.1)
    assert {r["output"] for r in override.scored.collect()} == {
        "a|temperature=0.10|suppress_tokens=[101, 102]", "b|temperature=0.10|suppress_tokens=[101, 102]"
    }  # fmt: skip
    both = score(df, params_model, params={"temperature": 0.9, "suppress_tokens": [103]})
    assert both.scored.where("input = 'a'").collect()[0]["output"] == "a|temperature=0.90|suppress_tokens=[103]"
    with no_spark_job(spark), pytest.raises(ParamsValidationError, match="temperature"):
        score(df, params_model, params={"temperature": "hot"})


def test_model_without_signature_refused_or_inferred_from_its_example(
    spark: Any, mlflow_store: Any, iris_model: Any, iris_df: Any, tmp_path: Path
) -> None:
    mlflow = mlflow_store
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            iris_model.clf, name="unsigned_with_example", skops_trusted_types=["sklearn.tree._tree.Tree"]
        )
    model_dir = Path(mlflow.artifacts.download_artifacts(info.model_uri, dst_path=str(tmp_path)))
    from spark_signature import save_input_example
    from spark_signature.mlmodel import read_mlmodel, write_mlmodel

    example_info = save_input_example(iris_model.X.head(2), model_dir)
    write_mlmodel(model_dir, {**read_mlmodel(model_dir), "saved_input_example_info": example_info})
    assert load_signature(model_dir) is None
    with no_spark_job(spark), pytest.raises(ScoringError, match="no input signature") as refused:
        score(iris_df, str(model_dir))
    assert "infer_missing=True" in str(refused.value)
    result = score(iris_df, str(model_dir), infer_missing=True, keep_columns=["id"], result_type="long")
    assert [c.name for c in result.signature.inputs.inputs] == FEATURES
    counts = result.counts.as_dict()
    assert (counts["valid"], counts["quarantined"]) == (150, 3)
    got = result.scored.orderBy("id").toPandas()["prediction"].tolist()
    assert got == list(iris_model.clf.predict(iris_model.X))

