"""Model directories written by MLflow 2.x: load, score, and re-save unchanged except where asked.

The directories are built here file by file, as MLflow 2.9 wrote them (checked against MLflow 2.x's
``_Example``): ColSpec JSON without ``required``, tensor specs, ``params: null``, no type-hint flags, no
``model_id``/``prompts`` keys, and ``saved_input_example_info`` without ``serving_input_path`` (an
ndarray example as TF-serving input: ``format: tf-serving`` and ``{"inputs": ...}`` in the file).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd
import pytest

from spark_signature import ColSpec, ModelSignature, Schema, load_input_example, load_signature, score, set_signature
from spark_signature.mlmodel import read_mlmodel

mlflow = pytest.importorskip("mlflow")
pytest.importorskip("sklearn")
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402

FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
PY = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"

COLUMN_SIGNATURE = (
    "  inputs: '["
    + ", ".join(f'{{"type": "double", "name": "{c}"}}' for c in FEATURES)
    + "]'\n"
    '  outputs: \'[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]\'\n'
    "  params: null\n"
)
TENSOR_SIGNATURE = (
    '  inputs: \'[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]\'\n'
    '  outputs: \'[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]\'\n'
    "  params: null\n"
)


def _mlmodel(signature_block: str, example_info: str) -> str:
    return (
        "artifact_path: model\n"
        "flavors:\n"
        "  python_function:\n"
        "    env:\n"
        "      conda: conda.yaml\n"
        "      virtualenv: python_env.yaml\n"
        "    loader_module: mlflow.sklearn\n"
        "    model_path: model.pkl\n"
        "    predict_fn: predict\n"
        f"    python_version: {PY}\n"
        "  sklearn:\n"
        "    code: null\n"
        "    pickled_model: model.pkl\n"
        "    serialization_format: cloudpickle\n"
        "    sklearn_version: 1.3.2\n"
        "mlflow_version: 2.9.2\n"
        "model_size_bytes: 161803\n"
        "model_uuid: 0c4f8c6e2c1a4a1b9c0d6f3e2b1a0c9d\n"
        "run_id: 5e1c4a2b3d4f4e6a8b9c0d1e2f3a4b5c\n"
        f"saved_input_example_info:\n{example_info}"
        f"signature:\n{signature_block}"
        "utc_time_created: '2023-12-01 10:00:00.123456'\n"
    )


@pytest.fixture(scope="module")
def iris() -> tuple[pd.DataFrame, Any]:
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


def _model_dir(root: Path, name: str, clf: Any, mlmodel: str, example: Any) -> Path:
    directory = root / name
    directory.mkdir()
    (directory / "model.pkl").write_bytes(cloudpickle.dumps(clf))
    (directory / "MLmodel").write_text(mlmodel)
    (directory / "input_example.json").write_text(json.dumps(example))
    (directory / "conda.yaml").write_text("name: mlflow-env\ndependencies:\n- python=3.11\n")
    (directory / "python_env.yaml").write_text(
        f"python: {PY}\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n"
    )
    (directory / "requirements.txt").write_text("mlflow==2.9.2\nscikit-learn\n")
    return directory


@pytest.fixture(scope="module")
def legacy(iris: tuple[pd.DataFrame, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    X, y = iris
    root = tmp_path_factory.mktemp("mlflow2")
    columns = _model_dir(
        root, "columns", RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y),
        _mlmodel(COLUMN_SIGNATURE, "  artifact_path: input_example.json\n  pandas_orient: split\n  type: dataframe\n"),
        {"columns": FEATURES, "data": X.head(3).to_numpy().tolist()},
    )  # fmt: skip
    tensor = _model_dir(
        root, "tensor", RandomForestClassifier(n_estimators=5, random_state=0).fit(X.to_numpy(), y),
        _mlmodel(TENSOR_SIGNATURE, "  artifact_path: input_example.json\n  format: tf-serving\n  type: ndarray\n"),
        {"inputs": X.head(2).to_numpy().tolist()},
    )  # fmt: skip
    return {"columns": columns, "tensor": tensor}


def _tree(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.mark.parametrize("kind", ["columns", "tensor"])
def test_legacy_signature_loads_as_mlflow_reads_it(legacy: dict[str, Path], kind: str) -> None:
    ours = load_signature(legacy[kind])
    theirs = mlflow.models.Model.load(str(legacy[kind])).signature
    assert ours.to_dict() == theirs.to_dict()
    if kind == "columns":
        assert ours.inputs.required_input_names() == FEATURES  # written before `required`: all required


def test_legacy_examples_load(legacy: dict[str, Path], iris: tuple[pd.DataFrame, Any]) -> None:
    X, _ = iris
    frame = load_input_example(legacy["columns"])
    pd.testing.assert_frame_equal(frame, X.head(3))
    pd.testing.assert_frame_equal(frame, mlflow.models.Model.load(str(legacy["columns"])).load_input_example(
        str(legacy["columns"])))  # fmt: skip
    array = load_input_example(legacy["tensor"])
    assert isinstance(array, np.ndarray) and array.dtype == np.float64
    np.testing.assert_array_equal(array, X.head(2).to_numpy())
    # MLflow 3.17 itself cannot read it: the TF-serving wrapper is a dict for an unnamed tensor schema
    with pytest.raises(mlflow.exceptions.MlflowException, match="un-named"):
        mlflow.models.Model.load(str(legacy["tensor"])).load_input_example(str(legacy["tensor"]))


@pytest.mark.slow
def test_legacy_models_are_scored_and_left_unchanged(
    spark: Any, legacy: dict[str, Path], iris: tuple[pd.DataFrame, Any]
) -> None:
    X, _ = iris
    before = {kind: _tree(path) for kind, path in legacy.items()}
    rows = [(i, *map(float, r)) for i, r in enumerate(X.itertuples(index=False))] + [(999, None, 1.0, 1.0, 1.0)]
    df = spark.createDataFrame(rows, "id long, " + ", ".join(f"`{c}` double" for c in FEATURES))
    result = score(df, str(legacy["columns"]), keep_columns=["id"])
    expected = mlflow.pyfunc.load_model(str(legacy["columns"])).predict(X)
    got = result.scored.orderBy("id").toPandas()
    assert got["prediction"].tolist() == list(expected)
    assert [r["id"] for r in result.quarantine.collect()] == [999]

    arrays = spark.createDataFrame(
        [([float(v) for v in r], i) for i, r in enumerate(X.itertuples(index=False))] + [([1.0, 2.0], 999)],
        "features array<double>, id long",
    )
    tensor = score(arrays, str(legacy["tensor"]), keep_columns=["id"])
    got = tensor.scored.orderBy("id").toPandas()["prediction"].tolist()
    assert got == list(mlflow.pyfunc.load_model(str(legacy["tensor"])).predict(X.to_numpy()))
    bad = tensor.quarantine.collect()
    assert [r["id"] for r in bad] == [999] and bad[0]["_violations"][0]["rule"] == "shape_mismatch"
    assert {kind: _tree(path) for kind, path in legacy.items()} == before  # reading and scoring wrote nothing


@pytest.mark.parametrize("kind", ["columns", "tensor"])
def test_resaved_only_where_set_signature_was_asked(legacy: dict[str, Path], kind: str, tmp_path: Path) -> None:
    copy = tmp_path / kind
    shutil.copytree(legacy[kind], copy)
    before_files, before = _tree(copy), read_mlmodel(copy)

    same = load_signature(copy)
    set_signature(copy, same)  # the same signature back: written in today's form, as MLflow writes it
    after = read_mlmodel(copy)
    assert load_signature(copy) == same
    assert after["signature"] == json.loads(json.dumps(same.to_dict()))
    if kind == "tensor":  # tensor specs have no `required`: the JSON strings are byte for byte the old ones
        assert after["signature"] == before["signature"]
    else:  # legacy ColSpecs gain "required": true, exactly as MLflow 3 rewrites them
        assert after["signature"]["inputs"] == mlflow.models.Model.load(str(legacy[kind])).signature.to_dict()["inputs"]
    assert {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)} <= {
        "signature", "is_signature_from_type_hint", "type_hint_from_example"
    }  # fmt: skip
    assert {k for k, v in _tree(copy).items() if before_files[k] != v} == {"MLmodel"}

    new = ModelSignature(Schema([ColSpec("double", c, required=False) for c in FEATURES]))
    set_signature(copy, new)
    assert load_signature(copy) == new
    after = read_mlmodel(copy)
    assert {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)} == {
        "signature", "is_signature_from_type_hint", "type_hint_from_example"
    }  # fmt: skip
    # MLflow 3.17's own set_signature also adds `model_id: null` and `prompts: null` to a 2.x MLmodel
    theirs = tmp_path / f"{kind}-mlflow"
    shutil.copytree(legacy[kind], theirs)
    mlflow.models.set_signature(str(theirs), mlflow.models.ModelSignature.from_dict(new.to_dict()))
    assert set(read_mlmodel(theirs)) - set(after) == {"model_id", "prompts"}
