"""Signatures and input examples of real MLflow models, by URI, against a real tracking store (SQLite)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from spark_signature import (
    ColSpec,
    ModelSignature,
    ModelURIError,
    Schema,
    SignatureFormatError,
    load_input_example,
    load_input_example_params,
    load_signature,
    set_signature,
)
from spark_signature.mlmodel import read_mlmodel

pytestmark = pytest.mark.slow  # one shared store, but logging and registering models takes seconds


def ours(mlflow_signature: Any) -> ModelSignature:
    return ModelSignature.from_dict(mlflow_signature.to_dict())


def _tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_iris_model_loads_by_every_uri(iris_model: Any, mlflow_store: Any) -> None:
    expected = ours(iris_model.signature)
    uris = [iris_model.runs_uri, "models:/iris/1", "models:/iris@champion", iris_model.model_uri]
    local = Path(mlflow_store.artifacts.download_artifacts(iris_model.model_uri))
    uris += [str(local), str(local / "MLmodel"), local.as_uri()]
    for uri in uris:
        assert load_signature(uri) == expected, uri
        example = load_input_example(uri)
        pd.testing.assert_frame_equal(example, iris_model.X.head(3))
        assert load_input_example_params(uri) is None


def test_set_signature_on_a_runs_uri_updates_the_logged_model(mlflow_store: Any, iris_model: Any) -> None:
    """The seed's flow: log without a signature, set one, register a new version, get_model_info shows it."""
    mlflow = mlflow_store
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(iris_model.clf, name="iris_unsigned", skops_trusted_types=["sklearn.tree._tree.Tree"])
    uri = f"runs:/{run.info.run_id}/iris_unsigned"
    assert load_signature(uri) is None
    local = Path(mlflow.artifacts.download_artifacts(uri))
    before = _tree(local)

    signature = ours(mlflow.models.infer_signature(iris_model.X, iris_model.clf.predict(iris_model.X)))
    written = set_signature(uri, signature)
    assert str(written).endswith("/MLmodel")
    info = mlflow.models.get_model_info(uri)
    assert ours(info.signature) == signature and load_signature(uri) == signature

    after = _tree(Path(mlflow.artifacts.download_artifacts(uri)))
    assert {k for k in after if after[k] != before.get(k)} == {"MLmodel"}  # only MLmodel changed
    old, new = read_mlmodel(local), read_mlmodel(uri)
    assert {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)} == {
        "signature", "is_signature_from_type_hint", "type_hint_from_example"
    }  # fmt: skip
    assert new["is_signature_from_type_hint"] is False and new["type_hint_from_example"] is False

    version = mlflow.register_model(uri, "iris_signed_later")
    assert ours(mlflow.models.get_model_info(f"models:/iris_signed_later/{version.version}").signature) == signature


def test_mlflow_itself_cannot_set_a_signature_through_runs_uri(mlflow_store: Any, iris_model: Any) -> None:
    """Verified MLflow 3.17 behaviour that our set_signature fixes: the model lives under the LoggedModel."""
    with pytest.raises(mlflow_store.exceptions.MlflowException, match="Failed to download an \"MLmodel\""):
        mlflow_store.models.set_signature(iris_model.runs_uri, iris_model.signature)


def test_registered_version_refused_then_set_on_its_source(mlflow_store: Any, iris_model: Any) -> None:
    mlflow = mlflow_store
    client = mlflow.MlflowClient()
    with mlflow.start_run():
        mlflow.sklearn.log_model(
            iris_model.clf, name="rf", registered_model_name="add_signature_model",
            skops_trusted_types=["sklearn.tree._tree.Tree"],
        )  # fmt: skip
    client.set_registered_model_alias("add_signature_model", "prod", "1")
    signature = ModelSignature(Schema([ColSpec("double", c) for c in iris_model.X.columns]))
    for uri in ("models:/add_signature_model/1", "models:/add_signature_model@prod", "models:/nope/7"):
        with pytest.raises(ModelURIError, match="not supported") as refused:
            set_signature(uri, signature)
        assert "register_model" in str(refused.value)  # the guidance: set it on the source, register anew
        with pytest.raises(mlflow.exceptions.MlflowException, match="not supported"):
            mlflow.models.set_signature(uri, iris_model.signature)
    assert load_signature("models:/add_signature_model/1") is None  # nothing written

    mv = client.get_model_version("add_signature_model", "1")
    set_signature(mv.source, signature)
    new = client.create_model_version(name="add_signature_model", source=mv.source, run_id=mv.run_id)
    info = mlflow.models.get_model_info(f"models:/add_signature_model/{new.version}")
    assert ours(info.signature) == signature
    assert load_signature(f"models:/add_signature_model/{new.version}") == signature


def test_our_set_signature_is_byte_identical_to_mlflows_on_a_logged_model(mlflow_store: Any, iris_model: Any) -> None:
    src = Path(mlflow_store.artifacts.download_artifacts(iris_model.model_uri))
    mine, theirs = src.parent / "mine", src.parent / "theirs"
    for target in (mine, theirs):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(src, target)
    signature = ModelSignature(Schema([ColSpec("double", "x", required=False)]))
    mlflow_store.models.set_signature(str(theirs), mlflow_store.models.ModelSignature.from_dict(signature.to_dict()))
    set_signature(mine, signature)
    assert _tree(mine) == _tree(theirs)


@pytest.mark.parametrize(
    ("uri", "error", "words"),
    [
        ("foo://bucket/model", ModelURIError, "Unknown URI scheme 'foo'"),
        ("runs:/0123456789abcdef0123456789abcdef/model", ModelURIError, "no run with id"),
        ("runs:/", ModelURIError, "Malformed runs URI"),
        ("models:/no_such_model/1", ModelURIError, "no such registered model"),
        ("models:/iris/99", ModelURIError, "no such registered model"),
        ("models:/iris@no_such_alias", ModelURIError, "no such registered model"),
        ("models:/m-0000000000000000000000000000dead", ModelURIError, "no such"),
    ],
)
def test_uris_that_name_nothing(mlflow_store: Any, iris_model: Any, uri: str, error: type, words: str) -> None:
    with pytest.raises(error, match=words) as info:
        load_signature(uri)
    assert info.value.hint
    with pytest.raises(error):
        load_input_example(uri)


def test_run_without_that_model(mlflow_store: Any, iris_model: Any) -> None:
    with pytest.raises(SignatureFormatError, match='Could not find an "MLmodel"'):
        load_signature(f"runs:/{iris_model.run_id}/not_a_model")


def test_corrupt_mlmodel_by_uri_and_nothing_written(mlflow_store: Any, tmp_path: Path) -> None:
    mlflow = mlflow_store
    model = tmp_path / "bad"
    model.mkdir()
    (model / "MLmodel").write_text("signature: [unclosed\n")
    (model / "input_example.json").write_text("[1]")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(model), "bad")
    uri = f"runs:/{run.info.run_id}/bad"
    with pytest.raises(SignatureFormatError, match="Invalid YAML"):
        load_signature(uri)
    with pytest.raises(SignatureFormatError, match="Invalid YAML"):
        set_signature(uri, ModelSignature(Schema([ColSpec("long", "a")])))
    local = Path(mlflow.artifacts.download_artifacts(uri))
    assert (local / "MLmodel").read_text() == "signature: [unclosed\n"


def test_a_run_artifact_model_is_updated_in_the_run(mlflow_store: Any, tmp_path: Path) -> None:
    """A model directory logged as plain run artifacts (MLflow 2.x layout): written back into the run."""
    mlflow = mlflow_store
    model = tmp_path / "m"
    model.mkdir()
    mlflow.models.Model(flavors={"python_function": {}}).save(str(model / "MLmodel"))
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(model), "plain")
    uri = f"runs:/{run.info.run_id}/plain"
    signature = ModelSignature(Schema([ColSpec("string", "text")]))
    set_signature(uri, signature)
    assert load_signature(uri) == signature
    assert ours(mlflow.models.get_model_info(uri).signature) == signature


def test_import_needs_no_mlflow_and_uris_name_the_extra(tmp_path: Path) -> None:
    """In a Python where ``mlflow`` cannot be imported: the package works locally, URIs name the extra."""
    code = (
        "import sys; sys.modules['mlflow'] = None\n"
        "import spark_signature as s\n"
        "from spark_signature.types import ModelSignature, Schema, ColSpec\n"
        f"d = {str(tmp_path)!r}\n"
        "open(d + '/MLmodel', 'w').write('flavors: {}\\n')\n"
        "s.set_signature(d, ModelSignature(Schema([ColSpec('long', 'a')])))\n"
        "assert s.load_signature('file://' + d) is not None\n"
        "assert 'mlflow' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
        "try:\n"
        "    s.load_signature('runs:/abc/model')\n"
        "except s.MissingExtraError as e:\n"
        "    print('OK', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("OK") and "spark_signature[mlflow]" in out.stdout
