"""The MLmodel signature block: reading MLflow's files, writing byte-identical ones, load_signature."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from spark_signature.errors import SchemaDefinitionError, SignatureFormatError
from spark_signature.mlmodel import (
    load_signature,
    read_mlmodel,
    set_signature,
    signature_from_mlmodel,
    signature_to_mlmodel,
    write_mlmodel,
)
from spark_signature.types import (
    Array,
    ColSpec,
    Map,
    ModelSignature,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    TensorSpec,
)

mlflow_models = pytest.importorskip("mlflow.models")
from mlflow.types import schema as ml  # noqa: E402


def our_signature() -> ModelSignature:
    return ModelSignature(
        Schema(
            [
                ColSpec("long", "a"),
                ColSpec("string", "b", required=False),
                ColSpec(Array(Object([Property("x", "double"), Property("y", Map("string"), False)])), "nested"),
            ]
        ),
        Schema([ColSpec("double", "prediction")]),
        ParamSchema([ParamSpec("k", "long", 5), ParamSpec("when", "datetime", "2020-01-01")]),
    )


def their_signature() -> object:
    return mlflow_models.ModelSignature(
        ml.Schema(
            [
                ml.ColSpec("long", "a"),
                ml.ColSpec("string", "b", required=False),
                ml.ColSpec(
                    ml.Array(ml.Object([ml.Property("x", "double"), ml.Property("y", ml.Map("string"), False)])),
                    "nested",
                ),
            ]
        ),
        ml.Schema([ml.ColSpec("double", "prediction")]),
        ml.ParamSchema([ml.ParamSpec("k", "long", 5), ml.ParamSpec("when", "datetime", "2020-01-01")]),
    )


@pytest.fixture
def mlflow_model_dir(tmp_path: Path) -> Path:
    """A model directory whose MLmodel MLflow itself wrote."""
    model = mlflow_models.Model(
        artifact_path="model",
        run_id="r1",
        flavors={"python_function": {"loader_module": "m", "python_version": "3.11"}},
        signature=their_signature(),
        saved_input_example_info={"artifact_path": "input_example.json", "type": "json_object"},
    )
    directory = tmp_path / "model"
    directory.mkdir()
    model.save(str(directory / "MLmodel"))
    return directory


def test_reads_an_mlmodel_written_by_mlflow(mlflow_model_dir: Path) -> None:
    sig = load_signature(mlflow_model_dir)
    assert sig == our_signature()
    assert load_signature(mlflow_model_dir / "MLmodel") == sig
    assert sig._is_signature_from_type_hint is False and sig._is_type_hint_from_example is False
    assert sig.to_dict() == their_signature().to_dict()


def test_set_signature_is_byte_identical_to_mlflow(mlflow_model_dir: Path, tmp_path: Path) -> None:
    new_inputs = [ColSpec("double", f"feature_with_a_long_name_{i}", required=i % 2 == 0) for i in range(6)]
    ours = ModelSignature(Schema(new_inputs), params=ParamSchema([ParamSpec("t", "double", float("nan"))]))
    theirs = mlflow_models.ModelSignature(
        ml.Schema([ml.ColSpec("double", c.name, c.required) for c in new_inputs]),
        params=ml.ParamSchema([ml.ParamSpec("t", "double", float("nan"))]),
    )
    model = mlflow_models.Model.load(str(mlflow_model_dir))
    model.signature = theirs
    expected = tmp_path / "expected_MLmodel"
    model.save(str(expected))

    written = set_signature(mlflow_model_dir, ours)
    assert written == mlflow_model_dir / "MLmodel"
    assert written.read_bytes() == expected.read_bytes()
    assert mlflow_models.Model.load(str(mlflow_model_dir)).signature.to_dict() == theirs.to_dict()


def test_write_mlmodel_matches_mlflow_yaml(tmp_path: Path) -> None:
    model = mlflow_models.Model(artifact_path="m", flavors={"f": {"a": 1}}, signature=their_signature())
    ours = signature_to_mlmodel({k: v for k, v in model.to_dict().items() if k != "signature"}, our_signature())
    path = tmp_path / "MLmodel"
    write_mlmodel(path, ours)
    assert path.read_text() == model.to_yaml()
    assert "signature:\n  inputs: '[{" in path.read_text()


def test_signature_block_removed_with_none() -> None:
    updated = signature_to_mlmodel(
        {"signature": {"inputs": "[]"}, "is_signature_from_type_hint": True, "type_hint_from_example": False,
         "flavors": {}},
        None,
    )  # fmt: skip
    assert updated == {"flavors": {}}


def test_type_hint_flags_are_read_and_written(tmp_path: Path) -> None:
    block = {"signature": our_signature().to_dict(), "is_signature_from_type_hint": True}
    sig = signature_from_mlmodel(block)
    assert sig is not None and sig._is_signature_from_type_hint is True
    out = signature_to_mlmodel({}, sig)
    assert out["is_signature_from_type_hint"] is True and out["type_hint_from_example"] is False


def test_model_without_signature(tmp_path: Path) -> None:
    write_mlmodel(tmp_path, {"flavors": {"python_function": {}}})
    assert load_signature(tmp_path) is None
    assert read_mlmodel(tmp_path) == {"flavors": {"python_function": {}}}


def test_legacy_mlflow2_mlmodel(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text(
        "flavors: {}\n"
        "signature:\n"
        '  inputs: \'[{"name": "a", "type": "long"}, {"name": "v", "type": "array", '
        '"items": {"type": "double"}}]\'\n'
        '  outputs: \'[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]\'\n'
        '  params: \'[{"name": "k", "dtype": "long", "default": 1, "shape": null}]\'\n'
    )
    sig = load_signature(tmp_path)
    theirs = mlflow_models.Model.load(str(tmp_path)).signature
    assert sig.to_dict() == theirs.to_dict()
    assert sig.inputs.required_input_names() == ["a", "v"]  # deviation: MLflow says ["a"]
    assert sig.outputs.inputs[0] == TensorSpec(np.dtype("float32"), [-1])
    set_signature(tmp_path, sig)
    assert '"required": null' in (tmp_path / "MLmodel").read_text()
    assert load_signature(tmp_path) == sig


@pytest.mark.parametrize("as_strings", [True, False])
def test_json_file(tmp_path: Path, as_strings: bool) -> None:
    d = our_signature().to_dict()
    document = d if as_strings else {k: json.loads(v) for k, v in d.items() if v}
    path = tmp_path / "signature.json"
    path.write_text(json.dumps(document))
    assert load_signature(path) == our_signature()
    path.write_text(json.dumps({"signature": d, "flavors": {}}))
    assert load_signature(path) == our_signature()


@pytest.mark.parametrize(
    ("content", "filename", "words", "path"),
    [
        ("signature: [unclosed\n", "MLmodel", "Invalid YAML", None),
        ("- just\n- a list\n", "MLmodel", "expected a YAML mapping", None),
        ("signature: 'inputs'\n", "MLmodel", "expected a mapping", "signature"),
        (
            'signature:\n  inputs: \'[{"type": "lng", "name": "a"}]\'\n',
            "MLmodel",
            "unknown type",
            "signature.inputs[0].type",
        ),
        (
            'signature:\n  inputs: \'[{"type": "array", "items": [1]}]\'\n',
            "MLmodel",
            "item type",
            "signature.inputs[0].items",
        ),
        (
            'signature:\n  params: \'[{"name": "k", "type": "long"}]\'\n',
            "MLmodel",
            "default",
            "signature.params[0].default",
        ),
        ('signature:\n  inputs: \'{"type": "long"}\'\n', "MLmodel", "a list of column", "signature.inputs"),
        (
            "signature:\n  inputs: '[{\"type\": \"long\"}]'\nis_signature_from_type_hint: 'yes'\n",
            "MLmodel",
            "true or false",
            "is_signature_from_type_hint",
        ),
        ("{not json", "sig.json", "Invalid JSON", None),
        ('["inputs"]', "sig.json", "expected a JSON object", None),
        ('{"flavors": {}}', "sig.json", "no inputs, outputs or params", None),
        ('{"inputs": "[{\\"type\\": \\"long\\", \\"name\\": 3.5}]"}', "sig.json", "string name", "inputs[0].name"),
    ],
)
def test_malformed_files(tmp_path: Path, content: str, filename: str, words: str, path: str | None) -> None:
    file = tmp_path / filename
    file.write_text(content)
    with pytest.raises(SignatureFormatError) as info:
        load_signature(file)
    assert words in str(info.value)
    if path is not None:
        assert info.value.path == path


def test_missing_model(tmp_path: Path) -> None:
    with pytest.raises(SignatureFormatError, match='Could not find an "MLmodel"'):
        load_signature(tmp_path)
    with pytest.raises(SignatureFormatError):
        load_signature(tmp_path / "nope" / "MLmodel")


def test_set_signature_requires_a_signature(mlflow_model_dir: Path) -> None:
    with pytest.raises(SchemaDefinitionError):
        set_signature(mlflow_model_dir, {"inputs": "[]"})  # type: ignore[arg-type]
