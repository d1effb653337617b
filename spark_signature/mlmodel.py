"""The ``signature`` block of an MLmodel file: read it, write it, and load a signature from a path.

MLflow writes MLmodel with ``yaml.safe_dump(..., default_flow_style=False)`` (keys sorted) and the
signature as three JSON strings; writing the same way keeps files byte-identical. Where the model is
(a directory, ``file://``, ``runs:/``, ``models:/``...) is :mod:`spark_signature.model_uri`'s business.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from spark_signature.errors import SchemaDefinitionError, SignatureFormatError
from spark_signature.model_uri import MLMODEL_FILE_NAME, ModelLocation, open_model
from spark_signature.types._format import describe, format_error
from spark_signature.types.signature import ModelSignature

_FLAGS = ("is_signature_from_type_hint", "type_hint_from_example")
_SIGNATURE_PARTS = ("inputs", "outputs", "params")


def mlmodel_path(path: str | os.PathLike[str]) -> Path:
    """The MLmodel file for ``path``: the path itself, or ``<dir>/MLmodel`` for a model directory."""
    p = Path(path)
    return p / MLMODEL_FILE_NAME if p.is_dir() else p


def _load_yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SignatureFormatError(
            f"Invalid YAML in {where}: {exc}",
            path=where,
            fix="Fix the YAML syntax (indentation, quotes).",
        ) from exc


def _parse_mlmodel(model: ModelLocation) -> dict[str, Any]:
    """The MLmodel of an opened model as a dict; errors name the file (or the URI it came from)."""
    file = model.mlmodel_file
    label = str(file) if model.is_local else f"{model.location} ({MLMODEL_FILE_NAME})"
    try:
        text = file.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise SignatureFormatError(f"Cannot read {label}: {exc}", path=label) from exc
    document = _load_yaml(text, label)
    if not isinstance(document, dict):
        raise format_error(label, f"expected a YAML mapping at the top level, got {describe(document)}")
    return document


def read_mlmodel(model_uri: str | os.PathLike[str]) -> dict[str, Any]:
    """The MLmodel YAML of a model (directory, MLmodel file, or URI), as a dict."""
    with open_model(model_uri) as model:
        return _parse_mlmodel(model)


def write_mlmodel(path: str | os.PathLike[str], model_dict: dict[str, Any]) -> Path:
    """Write ``model_dict`` to a local model as MLflow does (safe_dump, block style, sorted keys)."""
    file = mlmodel_path(path)
    _write_atomically(file, mlmodel_text(model_dict))
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


def _as_signature(signature: Any) -> ModelSignature:
    """Our ModelSignature; an ``mlflow.models.ModelSignature`` is converted through its JSON (flags kept)."""
    if isinstance(signature, ModelSignature):
        return signature
    if type(signature).__module__.startswith("mlflow.") and hasattr(signature, "to_dict"):
        converted = ModelSignature.from_dict(signature.to_dict())
        converted._is_signature_from_type_hint = bool(getattr(signature, "_is_signature_from_type_hint", False))
        converted._is_type_hint_from_example = bool(getattr(signature, "_is_type_hint_from_example", False))
        return converted
    raise SchemaDefinitionError(
        f"signature must be a ModelSignature, got {type(signature).__name__}",
        found=signature,
        fix="Build one with spark_signature.ModelSignature(...) or infer_signature(...).",
    )


def _write_atomically(file: Path, text: str) -> None:
    """Replace ``file`` in one step: a failure leaves the old file untouched."""
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def mlmodel_text(model_dict: dict[str, Any]) -> str:
    """MLflow's MLmodel serialization: ``yaml.safe_dump`` in block style, keys sorted."""
    return yaml.safe_dump(model_dict, default_flow_style=False)


def set_signature(model_uri: str | os.PathLike[str], signature: ModelSignature) -> Path | str:
    """Replace the signature of a model, as ``mlflow.models.set_signature`` does; nothing else changes.

    ``model_uri`` is a model directory, an MLmodel file, ``file://``, or (with the mlflow extra) a
    ``runs:/``, ``models:/<model_id>`` or artifact-store URI. Only ``MLmodel`` is rewritten: the
    signature block replaced, the two type-hint flags written from the signature (False for a new one),
    keys sorted, every other key kept. ``models:/<name>/<version>`` and ``@alias`` URIs are refused
    (registered versions are read-only): set it on the version's source and register a new version.
    The new file is fully built before anything is written. Returns the MLmodel path (local) or URI.
    """
    signature = _as_signature(signature)
    with open_model(model_uri, for_write=True) as model:
        text = mlmodel_text(signature_to_mlmodel(_parse_mlmodel(model), signature))
        _write_atomically(model.mlmodel_file, text)
        if model.is_local:
            return model.mlmodel_file
        return model.upload(model.mlmodel_file)


def _signature_document(path: Path, document: Any, kind: str) -> ModelSignature | None:
    if not isinstance(document, dict):
        raise format_error(str(path), f"expected a {kind} with inputs/outputs/params, got {describe(document)}")
    if "signature" in document:
        return signature_from_mlmodel(document)
    if not any(part in document for part in _SIGNATURE_PARTS):
        raise format_error(
            str(path),
            f"no inputs, outputs or params found (keys: {sorted(document)})",
            fix='Write {"inputs": ..., "outputs": ..., "params": ...} as in the MLmodel signature block.',
        )
    return ModelSignature.from_dict(document)


def load_signature(model_uri: str | os.PathLike[str]) -> ModelSignature | None:
    """The signature stored at a model location or in a signature file.

    Accepted: a model directory, an MLmodel file, ``file://``, (with the mlflow extra) any URI MLflow
    resolves (``runs:/<run>/<path>``, ``models:/<name>/<version>``, ``models:/<name>@<alias>``,
    ``models:/<model_id>``, artifact-store URIs), and a ``.json``/``.yaml``/``.yml`` file holding
    ``{"inputs": ..., "outputs": ..., "params": ...}`` (JSON strings as in MLmodel, or the lists
    themselves) or a whole MLmodel-like mapping with a ``signature`` key. Returns None for a model
    without a signature; malformed content raises SignatureFormatError, a URI that names nothing
    ModelURIError.
    """
    path = Path(model_uri) if isinstance(model_uri, os.PathLike) else None
    if path is None and isinstance(model_uri, str) and os.path.exists(model_uri):
        path = Path(model_uri)
    if path is not None and path.is_file() and path.suffix.lower() in (".json", ".yaml", ".yml"):
        text = path.read_text()
        if path.suffix.lower() == ".json":
            try:
                document = json.loads(text)
            except ValueError as exc:
                raise SignatureFormatError(f"Invalid JSON in {path}: {exc}", path=str(path)) from exc
        else:
            document = _load_yaml(text, str(path))
        kind = "JSON object" if path.suffix.lower() == ".json" else "YAML mapping"
        return _signature_document(path, document, kind)
    with open_model(model_uri) as model:
        return signature_from_mlmodel(_parse_mlmodel(model))
