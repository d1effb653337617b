"""The ``signature`` block of an MLmodel file: read it, write it, and load a signature from a path.

MLflow writes MLmodel with ``yaml.safe_dump(..., default_flow_style=False)`` (keys sorted) and the
signature as three JSON strings; writing the same way keeps files byte-identical. Local paths only:
URIs (``runs:/``, ``models:/``) need MLflow's artifact stores.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from spark_signature.errors import SchemaDefinitionError, SignatureFormatError
from spark_signature.types._format import describe, format_error
from spark_signature.types.signature import ModelSignature

MLMODEL_FILE_NAME = "MLmodel"
_FLAGS = ("is_signature_from_type_hint", "type_hint_from_example")
_SIGNATURE_PARTS = ("inputs", "outputs", "params")


def mlmodel_path(path: str | os.PathLike[str]) -> Path:
    """The MLmodel file for ``path``: the path itself, or ``<dir>/MLmodel`` for a model directory."""
    p = Path(path)
    return p / MLMODEL_FILE_NAME if p.is_dir() else p


def read_mlmodel(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The MLmodel YAML of a model directory or MLmodel file, as a dict."""
    file = mlmodel_path(path)
    if not file.is_file():
        raise SignatureFormatError(
            f'Could not find an "{MLMODEL_FILE_NAME}" configuration file at "{file}"',
            path=str(file),
            hint="Pass a model directory (containing MLmodel) or the MLmodel file itself.",
        )
    try:
        document = yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        raise SignatureFormatError(
            f"Invalid YAML in {file}: {exc}",
            path=str(file),
            hint="Fix the YAML syntax (indentation, quotes).",
        ) from exc
    if not isinstance(document, dict):
        raise format_error(str(file), f"expected a YAML mapping at the top level, got {describe(document)}")
    return document


def write_mlmodel(path: str | os.PathLike[str], model_dict: dict[str, Any]) -> Path:
    """Write ``model_dict`` as MLflow does (safe_dump, block style, sorted keys); returns the file."""
    file = mlmodel_path(path)
    with open(file, "w") as out:
        yaml.safe_dump(model_dict, stream=out, default_flow_style=False)
    return file


def signature_from_mlmodel(model_dict: dict[str, Any]) -> ModelSignature | None:
    """The signature of a loaded MLmodel dict (None when it has none), with MLflow's two flags."""
    block = model_dict.get("signature")
    if block is None:
        return None
    if not isinstance(block, dict):
        raise format_error("signature", f"expected a mapping with inputs/outputs/params, got {describe(block)}")
    signature = ModelSignature.from_dict(block, path="signature")
    for flag in _FLAGS:
        value = model_dict.get(flag, False)
        if not isinstance(value, bool):
            raise format_error(flag, f"expected true or false, got {describe(value)}")
    signature._is_signature_from_type_hint = model_dict.get(_FLAGS[0], False)
    signature._is_type_hint_from_example = model_dict.get(_FLAGS[1], False)
    return signature


def signature_to_mlmodel(model_dict: dict[str, Any], signature: ModelSignature | None) -> dict[str, Any]:
    """A copy of ``model_dict`` with its signature block (and MLflow's two flags) replaced.

    ``None`` removes the signature and the flags, as MLflow writes no such keys without a signature.
    """
    updated = {k: v for k, v in model_dict.items() if k not in ("signature", *_FLAGS)}
    if signature is not None:
        updated["signature"] = signature.to_dict()
        updated[_FLAGS[0]] = signature._is_signature_from_type_hint
        updated[_FLAGS[1]] = signature._is_type_hint_from_example
    return updated


def set_signature(path: str | os.PathLike[str], signature: ModelSignature) -> Path:
    """Replace the signature of a local model (directory or MLmodel file); nothing else changes.

    Like ``mlflow.models.set_signature``, the MLmodel flags are written from the signature object (a
    new signature carries False) and the file is re-serialized (keys sorted); every other key keeps
    its value.
    """
    if not isinstance(signature, ModelSignature):
        raise SchemaDefinitionError(
            f"signature must be a ModelSignature, got {type(signature).__name__}", found=signature
        )
    return write_mlmodel(path, signature_to_mlmodel(read_mlmodel(path), signature))


def load_signature(path_or_dir: str | os.PathLike[str]) -> ModelSignature | None:
    """The signature stored at a path: a model directory, an MLmodel file, or a JSON file.

    A JSON file holds ``{"inputs": ..., "outputs": ..., "params": ...}`` (JSON strings as in MLmodel,
    or the lists themselves), or a whole MLmodel-like mapping with a ``signature`` key. Returns None
    for an MLmodel without a signature; malformed content raises SignatureFormatError.
    """
    path = Path(path_or_dir)
    if path.is_file() and path.suffix.lower() == ".json":
        try:
            document = json.loads(path.read_text())
        except ValueError as exc:
            raise SignatureFormatError(f"Invalid JSON in {path}: {exc}", path=str(path)) from exc
        if not isinstance(document, dict):
            raise format_error(
                str(path), f"expected a JSON object with inputs/outputs/params, got {describe(document)}"
            )
        if "signature" in document:
            return signature_from_mlmodel(document)
        if not any(part in document for part in _SIGNATURE_PARTS):
            raise format_error(
                str(path),
                f"no inputs, outputs or params found (keys: {sorted(document)})",
                fix='Write {"inputs": ..., "outputs": ..., "params": ...} as in the MLmodel signature block.',
            )
        return ModelSignature.from_dict(document)
    return signature_from_mlmodel(read_mlmodel(path))
