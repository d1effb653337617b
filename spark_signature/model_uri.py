"""Where a model's files are: a local directory, a ``file://`` URI, or any URI MLflow resolves.

One home for model locations, so :mod:`spark_signature.mlmodel`, :mod:`spark_signature.examples` and
:mod:`spark_signature.scoring` read (and write back) a model the same way:

* a local path (a model directory or its ``MLmodel`` file) and ``file://`` URIs need nothing but the
  file system; ``import spark_signature`` never needs MLflow;
* ``runs:/<run>/<path>``, ``models:/<name>/<version>``, ``models:/<name>@<alias>``, ``models:/<model_id>``,
  ``mlflow-artifacts:/...``, ``s3://...`` and the other artifact-store schemes go through MLflow (the
  ``mlflow`` extra). Only the files asked for are downloaded, into a temporary directory.

A relative path read from a model (an example file named in ``MLmodel``) is checked to stay inside the
model directory before anything is opened.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from spark_signature.errors import MissingExtraError, ModelURIError, SignatureFormatError

MLMODEL_FILE_NAME = "MLmodel"
MLFLOW_EXTRA_HINT = "Install the mlflow extra: pip install 'spark_signature[mlflow]'."
# Schemes of URIs that are model registry entries, read-only for set_signature (MLflow's rule).
_REGISTRY_REFUSAL = (
    "Failed to set signature on {uri!r}. Model URIs with the `models:/<name>/<version>` scheme are not "
    "supported."
)
_REGISTRY_FIX = (
    "Registered versions are read-only: set the signature on the version's source, then register it as "
    "a new version: source = MlflowClient().get_model_version(name, version).source; "
    "set_signature(source, signature); mlflow.register_model(source, name)."
)


def safe_relative_path(relative: Any, what: str) -> PurePosixPath:
    """``relative`` as a path inside a model directory, or a ModelURIError if it could leave it.

    Absolute paths, drive letters, ``..`` components and backslashes are refused: the name comes from a
    file we did not write.
    """
    if not isinstance(relative, str) or not relative.strip():
        raise ModelURIError(
            f"{what}: expected a relative file name, got {relative!r}",
            path=what, found=relative, fix="Use a plain file name such as 'input_example.json'.",
        )
    pure = PurePosixPath(relative)
    if (
        "\\" in relative
        or pure.is_absolute()
        or (len(relative) > 1 and relative[1] == ":")
        or any(part == ".." for part in pure.parts)
    ):
        raise ModelURIError(
            f"{what}: {relative!r} points outside the model directory; refusing to read it.",
            path=what, found=relative,
            fix="Files referenced by MLmodel must live in the model directory (e.g. 'input_example.json').",
        )
    return pure


def _is_local(location: str | os.PathLike[str]) -> bool:
    if isinstance(location, os.PathLike):
        return True
    scheme = urllib.parse.urlparse(location).scheme
    return scheme in ("", "file") or len(scheme) == 1 or os.path.exists(location)


def _local_path(location: str | os.PathLike[str]) -> Path:
    if isinstance(location, os.PathLike) or os.path.exists(location):
        return Path(location)
    parsed = urllib.parse.urlparse(location)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise ModelURIError(
                f"file URI {location!r} names host {parsed.netloc!r}; only local files are read.",
                path=location, fix="Use file:///absolute/path (three slashes) or a plain path.",
            )
        return Path(urllib.request.url2pathname(parsed.path))
    return Path(location)


def import_mlflow(location: str) -> Any:
    """The ``mlflow`` package, or a MissingExtraError naming the extra (``location`` needs MLflow)."""
    try:
        import mlflow
    except ImportError:
        raise MissingExtraError(
            f"Reading {location!r} needs MLflow to resolve the URI, and mlflow is not installed.",
            path=location, fix=MLFLOW_EXTRA_HINT,
        ) from None
    return mlflow


def _check_scheme(location: str) -> str:
    scheme = urllib.parse.urlparse(location).scheme
    try:  # MLflow's registry of artifact-store schemes (plugins included)
        from mlflow.store.artifact.artifact_repository_registry import _artifact_repository_registry

        known = sorted(s for s in _artifact_repository_registry._registry if s)
    except (ImportError, AttributeError):  # pragma: no cover - another MLflow layout: let MLflow decide
        return scheme
    if scheme not in known:
        raise ModelURIError(
            f"Unknown URI scheme {scheme!r} in {location!r}; MLflow resolves {', '.join(known)}.",
            path=location, found=scheme,
            fix="Pass a local model directory, file:///path, runs:/<run_id>/<path>, "
            "models:/<name>/<version> or models:/<name>@<alias>.",
        )
    return scheme


def _mlflow_error(location: str, exc: Exception, what: str) -> ModelURIError:
    message = getattr(exc, "message", None) or str(exc)
    return ModelURIError(
        f"Could not resolve {location!r}: {what} ({message})",
        path=location,
        fix="Check the id/name/version/alias and that mlflow.get_tracking_uri() points at the right "
        f"tracking store (now {_tracking_uri()!r}).",
    )


def _tracking_uri() -> str:
    try:
        import mlflow

        return mlflow.get_tracking_uri()
    except Exception:  # pragma: no cover - only for the hint text
        return "?"


def _resolve_runs_uri(location: str) -> str:
    """The artifact URI of the model behind ``runs:/<run>/<name>[/sub]``.

    MLflow 3 stores a model logged in a run under its LoggedModel (``.../models/<model_id>/artifacts``),
    not in the run's artifacts; a ``runs:/`` download prefers those model artifacts. Reads and writes
    here resolve the same way: the run's logged model named ``<name>``, else the run's own artifacts.
    """
    from mlflow import MlflowClient
    from mlflow.store.artifact.runs_artifact_repo import RunsArtifactRepository

    try:
        run_id, rel = RunsArtifactRepository.parse_runs_uri(location)
    except Exception as exc:
        raise ModelURIError(
            f"Malformed runs URI {location!r}: {getattr(exc, 'message', exc)}",
            path=location, fix="Use runs:/<run_id>/<artifact path of the model>.",
        ) from None
    client = MlflowClient()
    try:
        run = client.get_run(run_id)
    except Exception as exc:
        raise _mlflow_error(location, exc, f"no run with id {run_id!r}") from None
    if rel:
        name, _, sub = rel.partition("/")
        try:
            token = None
            while True:
                page = client.search_logged_models(
                    experiment_ids=[run.info.experiment_id],
                    filter_string=f"name = '{name}'",
                    page_token=token,
                )
                for model in page:
                    if model.source_run_id == run_id:
                        root = model.artifact_location.rstrip("/")
                        return f"{root}/{sub}" if sub else root
                token = page.token
                if not token:
                    break
        except Exception as exc:
            raise _mlflow_error(location, exc, f"searching the logged models of run {run_id!r}") from None
    return RunsArtifactRepository.get_underlying_uri(location)


def _is_registry_uri(location: str) -> bool:
    """``models:/<name>/<version>`` or ``models:/<name>@<alias>`` (not ``models:/<model_id>``)."""
    from mlflow.store.artifact.models_artifact_repo import ModelsArtifactRepository

    return ModelsArtifactRepository.is_models_uri(location) and not ModelsArtifactRepository._is_logged_model_uri(
        location
    )


def _resolve_models_uri(location: str) -> str:
    from mlflow.store.artifact.models_artifact_repo import ModelsArtifactRepository

    try:
        return ModelsArtifactRepository.get_underlying_uri(location)
    except Exception as exc:
        raise _mlflow_error(location, exc, "no such registered model version, alias or logged model") from None


@dataclass
class ModelLocation:
    """A model's files, read locally or through MLflow; use :func:`open_model` to get one.

    ``directory`` is where files can be read: the model directory itself for a local model, or a
    temporary directory holding the files downloaded so far for a URI.
    """

    location: str
    directory: Path
    mlmodel_file: Path
    artifact_uri: str | None = None  # the underlying artifact URI (MLflow URIs only)
    registry: bool = False  # models:/<name>/<version> or @alias: read-only
    _downloaded: set[str] = field(default_factory=set)

    @property
    def is_local(self) -> bool:
        return self.artifact_uri is None

    def file(self, relative: Any, what: str) -> Path:
        """A local path to the model's file ``relative`` (downloaded for URIs); never outside the model."""
        rel = safe_relative_path(relative, what)
        path = self.directory.joinpath(*rel.parts)
        if self.is_local:
            try:
                path.resolve().relative_to(self.directory.resolve())
            except ValueError:
                raise ModelURIError(
                    f"{what}: {relative!r} resolves outside the model directory {self.directory} (a symlink?); "
                    "refusing to read it.",
                    path=what, found=relative,
                ) from None
            return path
        key = rel.as_posix()
        if key not in self._downloaded:
            self._download(key, path)
            self._downloaded.add(key)
        return path

    def _download(self, key: str, target: Path) -> None:
        import mlflow

        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                got = mlflow.artifacts.download_artifacts(
                    artifact_uri=f"{self.artifact_uri.rstrip('/')}/{key}", dst_path=tmp
                )
            except Exception as exc:
                raise FileNotFoundError(f"{key} not found in {self.location!r}: {exc}") from None
            shutil.copyfile(got, target)

    def upload(self, local_file: Path) -> str:
        """Write ``local_file`` over the model's file of the same name in its artifact store."""
        from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

        assert self.artifact_uri is not None
        get_artifact_repository(self.artifact_uri).log_artifact(str(local_file))
        return f"{self.artifact_uri.rstrip('/')}/{local_file.name}"


@contextmanager
def open_model(location: str | os.PathLike[str], *, for_write: bool = False) -> Iterator[ModelLocation]:
    """The model at ``location`` (a directory, an MLmodel file, ``file://`` or an MLflow URI).

    For URIs, ``MLmodel`` is downloaded into a temporary directory removed on exit; a URI that names
    no model raises ModelURIError (no such run/version) or SignatureFormatError (no MLmodel there).
    ``for_write`` refuses registered versions up front, as MLflow's set_signature does.
    """
    if isinstance(location, (str, os.PathLike)) and _is_local(location):
        path = _local_path(location)
        directory, mlmodel_file = (path, path / MLMODEL_FILE_NAME) if path.is_dir() else (path.parent, path)
        if not mlmodel_file.is_file():
            raise SignatureFormatError(
                f'Could not find an "{MLMODEL_FILE_NAME}" configuration file at "{mlmodel_file}"',
                path=str(mlmodel_file),
                fix="Pass a model directory (containing MLmodel) or the MLmodel file itself.",
            )
        yield ModelLocation(str(location), directory, mlmodel_file)
        return
    if not isinstance(location, str):
        raise ModelURIError(
            f"Expected a model path or URI (str or os.PathLike), got {type(location).__name__}",
            found=location,
        )
    import_mlflow(location)
    scheme = _check_scheme(location)
    registry = False
    if scheme == "runs":
        artifact_uri = _resolve_runs_uri(location)
    elif scheme == "models":
        registry = _is_registry_uri(location)
        if registry and for_write:
            raise ModelURIError(_REGISTRY_REFUSAL.format(uri=location), path=location, fix=_REGISTRY_FIX)
        artifact_uri = _resolve_models_uri(location)
    else:
        artifact_uri = location
    with tempfile.TemporaryDirectory(prefix="spark_signature-model-") as tmp:
        model = ModelLocation(location, Path(tmp), Path(tmp) / MLMODEL_FILE_NAME, artifact_uri, registry)
        try:
            model.file(MLMODEL_FILE_NAME, "MLmodel")
        except FileNotFoundError:
            raise SignatureFormatError(
                f'Could not find an "{MLMODEL_FILE_NAME}" configuration file at {location!r} '
                f"(resolved to {artifact_uri!r})",
                path=location,
                fix="Point at the model's directory: runs:/<run_id>/<model name>, models:/<name>/<version>.",
            ) from None
        yield model

