"""The seed's tensor model on Spark: uint8 [-1, 28, 28, 1] images in, float32 [-1, 10] out, in a real
MLflow store; bad shapes and out-of-range pixels quarantined with their paths, the rest scored with
arrays of exactly uint8."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pytest

from spark_signature import score

pytestmark = pytest.mark.slow  # Python workers import MLflow and load the model

MNIST_MODEL = '''
import mlflow
import numpy as np


class Mnist(mlflow.pyfunc.PythonModel):
    """Ten pixel-dependent scores per image; refuses anything but uint8 (n, 28, 28, 1)."""

    def predict(self, context, model_input, params=None):
        x = model_input["images"]
        assert isinstance(x, np.ndarray) and x.dtype == np.uint8, (type(x), getattr(x, "dtype", None))
        assert x.shape[1:] == (28, 28, 1), x.shape
        flat = x.reshape(len(x), -1).astype(np.float32)
        return flat[:, :10] / 255.0 + flat.sum(axis=1, keepdims=True) / 1000.0


mlflow.models.set_model(Mnist())
'''

ROWS = 6
BAD_SHAPE, TOO_BRIGHT, NEGATIVE = 6, 7, 8  # row ids of the bad rows


@pytest.fixture(scope="module")
def mnist_model(mlflow_store: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    code = tmp_path_factory.mktemp("mnist") / "mnist_model.py"
    code.write_text(textwrap.dedent(MNIST_MODEL))
    signature = mlflow_store.models.ModelSignature.from_dict({
        "inputs": '[{"type": "tensor", "name": "images", "tensor-spec": {"dtype": "uint8", "shape": [-1, 28, 28, 1]}}]',
        "outputs": '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 10]}}]',
    })
    with mlflow_store.start_run():
        info = mlflow_store.pyfunc.log_model(name="mnist", python_model=str(code), signature=signature)
    return info.model_uri


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(ROWS, 28, 28, 1), dtype=np.uint8)


@pytest.fixture(scope="module")
def images_df(spark: Any, images: np.ndarray) -> Any:
    rows = [(i, img.astype(int).tolist()) for i, img in enumerate(images)]
    rows.append((BAD_SHAPE, images[0, :27].astype(int).tolist()))  # 27 rows of pixels
    bright = images[1].astype(int)
    bright[3, 27, 0] = 300
    rows.append((TOO_BRIGHT, bright.tolist()))
    dark = images[2].astype(int)
    dark[0, 5, 0] = -1
    rows.append((NEGATIVE, dark.tolist()))
    return spark.createDataFrame(rows, "id long, images array<array<array<int>>>").repartition(3)


def test_mnist_images_scored_with_uint8_arrays_and_bad_ones_quarantined(
    spark: Any, mlflow_store: Any, mnist_model: str, images: np.ndarray, images_df: Any
) -> None:
    result = score(images_df, mnist_model, keep_columns=["id"])
    assert result.scored.schema["images"].dataType.simpleString() == "array<array<array<smallint>>>"
    assert result.scored.schema["prediction"].dataType.simpleString() == "array<float>"

    quarantine = result.quarantine.collect()
    reasons = {r["id"]: sorted((v["path"], v["rule"]) for v in r["_violations"]) for r in quarantine}
    assert reasons == {
        BAD_SHAPE: [("images", "shape_mismatch")],
        TOO_BRIGHT: [("images[3][27][0]", "unsafe_cast")],
        NEGATIVE: [("images[0][5][0]", "unsafe_cast")],
    }
    bright = next(v for r in quarantine if r["id"] == TOO_BRIGHT for v in r["_violations"])
    assert (bright["value"], bright["found"]) == ("300", "int32 value outside 0..255")

    scored = {r["id"]: r["prediction"] for r in result.scored.collect()}
    assert sorted(scored) == list(range(ROWS))
    expected = mlflow_store.pyfunc.load_model(mnist_model).predict({"images": images})
    assert expected.dtype == np.float32 and expected.shape == (ROWS, 10)
    np.testing.assert_array_equal(np.array([scored[i] for i in range(ROWS)], dtype=np.float32), expected)
    counts = result.counts
    assert (counts.rows, counts.valid, counts.quarantined) == (ROWS + 3, ROWS, 3)


def test_plain_spark_udf_hands_the_model_int16(spark: Any, mlflow_store: Any, mnist_model: str,
                                              images: np.ndarray) -> None:
    """Why score() does not use spark_udf here: MLflow reshapes the flattened smallint column but keeps its
    dtype, so the uint8 model gets int16 (and nested arrays are not reshaped at all)."""
    udf = mlflow_store.pyfunc.spark_udf(spark, mnist_model, env_manager="local")
    flat = spark.createDataFrame([(images[0].astype(int).ravel().tolist(),)], "images array<smallint>")
    with pytest.raises(Exception, match="int16"):
        flat.select(udf("images")).collect()


SUM_MODEL = '''
import mlflow
import numpy as np


class Sum(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        x = model_input["t"]
        assert x.dtype == np.float32 and x.shape[1:] == (2, 2), (x.dtype, x.shape)
        return x.reshape(len(x), -1).sum(axis=1)


mlflow.models.set_model(Sum())
'''


def test_nested_float32_tensor_goes_through_spark_udf_flattened(spark: Any, mlflow_store: Any,
                                                               tmp_path: Any) -> None:
    """A dtype Spark carries exactly stays with spark_udf; its nested arrays are flattened for MLflow's reshape."""
    code = tmp_path / "sum_model.py"
    code.write_text(SUM_MODEL)
    signature = mlflow_store.models.ModelSignature.from_dict({
        "inputs": '[{"type": "tensor", "name": "t", "tensor-spec": {"dtype": "float32", "shape": [-1, 2, 2]}}]',
        "outputs": '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]',
    })
    with mlflow_store.start_run():
        info = mlflow_store.pyfunc.log_model(name="sum", python_model=str(code), signature=signature)
    rows = [(0, [[1.0, 2.0], [3.0, 4.0]]), (1, [[1.0], [2.0, 3.0]])]
    df = spark.createDataFrame(rows, "id int, t array<array<float>>")
    result = score(df, info.model_uri, keep_columns=["id"])
    plan = result.scored._jdf.queryExecution().executedPlan().toString()
    assert "ArrowEvalPython" in plan  # MLflow's pandas UDF, not the exact-dtype path
    assert [(r["id"], r["prediction"]) for r in result.scored.collect()] == [(0, 10.0)]
    assert [r["id"] for r in result.quarantine.collect()] == [1]
