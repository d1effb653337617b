"""Input examples in MLflow's exact files: ``input_example.json`` and ``serving_input_example.json``.

The rules (mlflow-skinny 3.17, ``mlflow.models.utils._Example``), kept byte for byte because other tools
read these files:

* the kind of the example decides ``saved_input_example_info.type``: ``dataframe`` (split orient, the
  index dropped; ``values`` orient when the columns are exactly ``0..n-1``), ``ndarray`` (an array or a
  dict of arrays; NaN written as null), ``sparse_matrix_csr``/``_csc``, and ``json_object`` for dicts,
  lists and scalars (str, bytes, numbers, bool, ``datetime``), kept as they are;
* ``(data, params)`` stores ``{"inputs": data, "params": params}`` and flags ``params: 'true'`` when
  params is non-empty;
* JSON: default separators on one line (NaN allowed), numpy scalars through ``.item()``, bytes as
  ``base64.encodebytes`` (a newline every 76 characters and at the end), dates and times as
  ``isoformat()``; the serving file with ``indent=2``.

Beyond MLflow: :func:`input_example_from_spark` takes the first rows of a Spark DataFrame (which MLflow
refuses) and :func:`infer_signature_from_input_example` the signature a saved example implies.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spark_signature.errors import InputExampleError, ModelURIError, SignatureError
from spark_signature.types import AnyType, ColSpec, DataType, ModelSignature, Schema, TensorSpec

EXAMPLE_FILENAME = "input_example.json"
SERVING_INPUT_FILENAME = "serving_input_example.json"
EXAMPLE_TYPES = ("dataframe", "ndarray", "sparse_matrix_csc", "sparse_matrix_csr", "json_object")
# A dict with one of these keys is a unified LLM request: its serving form is the dict itself.
_LLM_KEYS = frozenset({"messages", "prompt", "input"})
_ACCEPTED = (
    "a pandas DataFrame, a numpy ndarray, a dict of name -> ndarray, a scipy csr/csc matrix, a dict, a list, "
    "a scalar (str, bytes, int, float, bool), a datetime.datetime, a pydantic model, or (data, params_dict)"
)


# ---- JSON: MLflow's encoder rules ------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    """What json.dumps cannot write itself, converted as MLflow's NumpyEncoder does (same order)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()  # datetime64[ns] -> int nanoseconds, datetime64[us] -> datetime
    if isinstance(value, (bytes, bytearray)):
        return base64.encodebytes(value).decode("ascii")
    if isinstance(value, (pd.Timestamp, dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return value.model_dump()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any, *, indent: int | None = None) -> str:
    """``value`` as MLflow writes example JSON (one line, or ``indent`` for the serving file)."""
    try:
        return json.dumps(value, default=_json_default, indent=indent)
    except (TypeError, ValueError) as exc:
        raise InputExampleError(
            f"The input example cannot be written as JSON: {exc}",
            found=type(value).__name__,
            fix="Use JSON-like values: numbers, strings, bools, None, bytes, dates/datetimes, lists and dicts "
            "of those, or numpy/pandas data (e.g. convert Decimal to float, complex to two floats).",
        ) from exc


# ---- saving ----------------------------------------------------------------------------------------


def _is_sparse(value: Any) -> bool:
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and isinstance(value, (sparse.csr_matrix, sparse.csc_matrix))


def _nan_to_none(array: np.ndarray) -> Any:
    """A numeric array as nested lists with NaN as None (MLflow writes null there, not NaN)."""
    if np.issubdtype(array.dtype, np.number):
        return np.where(np.isnan(array), None, array).tolist()
    return array.tolist()


def _contains_ndarray(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, list):
        return any(_contains_ndarray(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_ndarray(v) for v in value.values())
    return False


def _frame_split(frame: pd.DataFrame) -> dict[str, Any]:
    """Split orient without the index; without columns too when they are exactly 0..n-1."""
    split = frame.where(frame.notnull(), None).to_dict(orient="split")
    del split["index"]
    if all(column == i for i, column in enumerate(frame.columns)):
        del split["columns"]
    return split


def _split_params(example: Any) -> tuple[Any, dict | None]:
    if isinstance(example, tuple) and len(example) == 2 and isinstance(example[1], dict):
        data, params = example
        from spark_signature.inference.python import infer_param_schema

        try:
            infer_param_schema(params)
        except SignatureError as exc:
            raise InputExampleError(
                f"Invalid params in the input example {params!r}: {exc.message}",
                path=exc.path, found=params,
                fix="Params are a dict of name -> scalar or 1-D list of scalars (MLflow's rule).",
            ) from exc
        return data, params
    return example, None


def _refusal(data: Any) -> InputExampleError:
    fixes = {
        pd.Series: "pass series.to_frame() (one column) or series.to_numpy()",
        dt.date: "pass a datetime.datetime or the date's isoformat() string",
        dt.time: "pass the time's isoformat() string",
        type(None): "there is nothing to save; omit the input example",
        tuple: "pass (data, params_dict): a 2-tuple whose second item is a dict",
    }
    fix = next((text for cls, text in fixes.items() if isinstance(data, cls)), f"pass {_ACCEPTED}")
    if isinstance(data, tuple) and len(data) != 2:
        why = f"a {len(data)}-tuple is not (data, params)"
    elif isinstance(data, tuple):
        why = f"the second item of the tuple is a {type(data[1]).__name__}, not a params dict"
    else:
        why = f"MLflow does not accept {type(data).__module__}.{type(data).__qualname__} as an input example"
    return InputExampleError(
        f"Cannot save this input example: {why}. Expected {_ACCEPTED}.", found=type(data).__name__, fix=fix
    )


class InputExample:
    """An example prepared for saving: the two files' contents and the ``saved_input_example_info``."""

    def __init__(self, example: Any) -> None:
        if _is_spark(example):
            raise InputExampleError(
                "Examples can not be provided as Spark Dataframe (MLflow refuses them).",
                found="pyspark.sql.DataFrame",
                fix="Take a few rows with spark_signature.input_example_from_spark(df, n=5) and save that.",
            )
        self.data, self.params = _split_params(example)
        info: dict[str, str] = {"artifact_path": EXAMPLE_FILENAME}
        if self.params:
            info["params"] = "true"
        stored, serving, kind, llm = self._encode(self.data)
        info["type"] = kind
        if kind == "dataframe":
            info["pandas_orient"] = "split" if "columns" in stored else "values"
        if self.params is not None:
            stored = {"inputs": stored, "params": self.params}
            serving = {**serving, **self.params} if llm else {**serving, "params": self.params}
        self.input_json = dumps(stored)
        self.serving_json = dumps(serving, indent=2)
        info["serving_input_path"] = SERVING_INPUT_FILENAME
        self.info = info

    @staticmethod
    def _encode(data: Any) -> tuple[Any, dict[str, Any], str, bool]:
        """(stored form, serving form, info type, is an LLM request) for the example's data part."""
        pydantic = sys.modules.get("pydantic")
        if pydantic is not None and isinstance(data, pydantic.BaseModel):
            data = data.model_dump()
        if isinstance(data, dict):
            arrays = [isinstance(v, np.ndarray) for v in data.values()]
            if any(arrays):
                if not all(arrays):
                    raise InputExampleError(
                        "Mixed types in dictionary are not supported as input examples. "
                        "Found numpy arrays and other types.",
                        fix="Make every value an ndarray (a tensor example) or none of them (a JSON object).",
                    )
                stored = {k: _nan_to_none(v) for k, v in data.items()}
                return stored, {"inputs": stored}, "ndarray", False
            llm = any(k in data for k in _LLM_KEYS)
            return data, (data if llm else {"inputs": data}), "json_object", llm
        if isinstance(data, np.ndarray):
            stored = _nan_to_none(data)
            return stored, {"inputs": stored}, "ndarray", False
        if isinstance(data, list):
            if _contains_ndarray(data):
                raise InputExampleError(
                    "Multidimensional arrays (aka tensors) are not supported. "
                    "Numpy arrays in list are not supported as input examples.",
                    fix="Pass one ndarray (np.stack the list), or lists instead of the arrays (array.tolist()).",
                )
            return data, {"inputs": data}, "json_object", False
        if _is_sparse(data):
            kind = "sparse_matrix_csc" if type(data).__name__.startswith("csc") else "sparse_matrix_csr"
            stored = {
                "data": _nan_to_none(data.data),
                "indices": data.indices.tolist(),
                "indptr": data.indptr.tolist(),
                "shape": list(data.shape),
            }
            return stored, {"inputs": data.toarray()}, kind, False
        if isinstance(data, pd.DataFrame):
            stored = _frame_split(data)
            return stored, {"dataframe_split": stored}, "dataframe", False
        if np.isscalar(data) or isinstance(data, dt.datetime):
            return data, {"inputs": data}, "json_object", False
        raise _refusal(data)


def _is_spark(value: Any) -> bool:
    sql = sys.modules.get("pyspark.sql")
    return sql is not None and isinstance(value, sql.DataFrame)


def save_input_example(example: Any, directory: str | os.PathLike[str]) -> dict[str, str]:
    """Write ``example`` into ``directory`` as MLflow does; returns ``saved_input_example_info``.

    Writes ``input_example.json`` and ``serving_input_example.json`` (byte-identical to MLflow's
    files). Both contents are built before anything is written; an example MLflow refuses raises
    InputExampleError saying what to pass instead. The directory is created if needed.
    """
    prepared = InputExample(example)
    target = Path(directory)
    written: list[Path] = []
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputExampleError(
            f"Cannot write the input example into {target}: {exc}", path=str(target),
            fix="Pass a directory path that can be created and written.",
        ) from None
    try:
        for name, text in ((EXAMPLE_FILENAME, prepared.input_json), (SERVING_INPUT_FILENAME, prepared.serving_json)):
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=target)
            with os.fdopen(fd, "w") as out:
                out.write(text)
            written.append(Path(tmp))
        for tmp, name in zip(written, (EXAMPLE_FILENAME, SERVING_INPUT_FILENAME), strict=True):
            os.replace(tmp, target / name)
    finally:
        for tmp in written:
            if tmp.exists():
                tmp.unlink()
    return dict(prepared.info)


# ---- loading ---------------------------------------------------------------------------------------


def _mismatch(what: str, problem: str) -> InputExampleError:
    return InputExampleError(
        f"The input example {what} does not match its info: {problem}",
        path=what,
        fix="Re-save the example (spark_signature.save_input_example or MLflow's log_model), or pass the "
        "info it was saved with.",
    )


def _check_info(info: Any) -> dict[str, Any]:
    if not isinstance(info, dict):
        raise InputExampleError(
            f"saved_input_example_info must be a mapping, got {type(info).__name__}",
            path="saved_input_example_info", found=info,
            fix="It looks like {'artifact_path': 'input_example.json', 'type': 'dataframe', ...}.",
        )
    kind = info.get("type")
    if kind not in EXAMPLE_TYPES:
        raise InputExampleError(
            f"saved_input_example_info.type is {kind!r}; expected one of {', '.join(EXAMPLE_TYPES)}.",
            path="saved_input_example_info.type", found=kind,
            fix="This example was written by a newer tool, or MLmodel was edited by hand.",
        )
    return info


def _read_json(model: Any, info: dict[str, Any], key: str) -> Any:
    relative = info.get(key, EXAMPLE_FILENAME if key == "artifact_path" else None)
    try:
        file = model.file(relative, f"saved_input_example_info.{key}")
        text = file.read_text()
    except ModelURIError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise InputExampleError(
            f"The input example file {relative!r} named by saved_input_example_info cannot be read: {exc}",
            path=str(relative),
            fix="The model directory is incomplete: copy the file back, or re-save the example.",
        ) from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise _mismatch(str(relative), f"not valid JSON ({exc})") from None


def _unwrap_params(document: Any, info: dict[str, Any], name: str) -> tuple[Any, Any]:
    if not info.get("params"):
        return document, None
    if not isinstance(document, dict) or "inputs" not in document:
        raise _mismatch(name, "info says it has params, but the file is not {\"inputs\": ..., \"params\": ...}")
    return document["inputs"], document.get("params")


def _to_array(data: Any, spec: Any, where: str) -> np.ndarray | Any:
    try:
        if isinstance(spec, TensorSpec):
            return np.array(data, dtype=spec.type)
        if isinstance(spec, ColSpec):
            if isinstance(spec.type, AnyType):
                return data
            if isinstance(spec.type, DataType):
                dtype = spec.type.to_numpy()
                return np.array(data, dtype) if isinstance(data, list) else np.array([data], dtype)[0]
        return np.array(data)
    except (TypeError, ValueError, OverflowError) as exc:
        target = f" of {spec!r}" if spec is not None else ""
        raise _mismatch(where, f"cannot convert to an array{target}: {exc}") from None


def _read_ndarray(data: Any, schema: Schema | None, where: str) -> Any:
    """MLflow's reading of an ``ndarray`` example: arrays per name (cast to the schema's types)."""
    named = schema is not None and schema.has_input_names()
    specs = {str(s.name): s for s in schema.inputs} if named else {}
    if named and len(specs) == 1 and isinstance(data, list) and not any(isinstance(x, dict) for x in data):
        data = {next(iter(specs)): data}
    if isinstance(data, dict):
        return {k: _to_array(v, specs.get(k), f"{where}[{k!r}]") for k, v in data.items()}
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        return [{k: _to_array(v, specs.get(k), f"{where}[{k!r}]") for k, v in row.items()} for row in data]
    spec = schema.inputs[0] if schema is not None else None
    return _to_array(data, spec, where)


def _read_sparse(data: Any, kind: str, where: str) -> Any:
    try:
        from scipy import sparse
    except ImportError:
        raise InputExampleError(
            f"The example {where} is a scipy sparse matrix and scipy is not installed.", fix="pip install scipy"
        ) from None
    if not isinstance(data, dict) or not {"data", "indices", "indptr", "shape"} <= set(data):
        raise _mismatch(where, f"a {kind} needs data, indices, indptr and shape")
    cls = sparse.csc_matrix if kind == "sparse_matrix_csc" else sparse.csr_matrix
    try:
        return cls((data["data"], data["indices"], data["indptr"]), shape=tuple(data["shape"]))
    except (TypeError, ValueError) as exc:
        raise _mismatch(where, f"not a valid {kind}: {exc}") from None


def _decode_binary(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):  # pandas 3 reads a null str as NaN
        return None
    return base64.decodebytes(bytes(value, "utf8"))


_NO_NULLS = (DataType.boolean, DataType.integer, DataType.long)  # numpy dtypes without a missing value


def _cast_frame(frame: pd.DataFrame, schema: Schema, where: str) -> pd.DataFrame:
    """A read DataFrame example cast to the schema's column types, as MLflow does on reading.

    One deviation: an optional integer/boolean column holding nulls is left as read (MLflow's
    ``astype`` fails on it), so an example of a nullable Spark column reads back.
    """
    if schema.has_input_names():
        pairs = [(s.name, s) for s in schema.inputs]
    elif schema.is_tensor_spec() and len(schema.inputs) == 1:
        pairs = [(c, schema.inputs[0]) for c in frame.columns]
    else:
        pairs = list(zip(frame.columns, schema.inputs, strict=False))
    for name, spec in pairs:
        if name not in frame.columns:
            continue
        dtype = spec.type
        try:
            if isinstance(spec, TensorSpec):
                if np.dtype(dtype).kind == "S":
                    frame[name] = frame[name].map(lambda x: None if x is None else bytes(x, "utf8"))
                elif not (len(frame) and isinstance(frame[name].iloc[0], list)):
                    frame[name] = frame[name].astype(dtype)
            elif dtype == DataType.binary:
                frame[name] = frame[name].map(_decode_binary)
            elif dtype == DataType.datetime:
                parsed = pd.to_datetime(frame[name])
                if pd.api.types.is_datetime64_any_dtype(parsed) and getattr(parsed.dt, "unit", "ns") != "ns":
                    parsed = parsed.dt.as_unit("ns")
                frame[name] = parsed
            elif isinstance(dtype, DataType):
                if not spec.required and dtype in _NO_NULLS and frame[name].isna().any():
                    continue  # deviation: MLflow fails here; an optional int/bool column keeps its nulls
                target = dtype.to_pandas()
                if (target is object or np.dtype(target).kind == "U") and isinstance(frame[name].dtype, pd.StringDtype):
                    continue
                frame[name] = frame[name].astype(target)
        except (TypeError, ValueError, OverflowError, binascii.Error) as exc:
            raise InputExampleError(
                f"Column '{name}' of the input example {where} cannot be converted to {spec.type!r}: {exc}",
                path=str(name), expected=repr(spec.type),
                fix="The example and the signature disagree: fix the example values or the column's type.",
            ) from None
    return frame


def _read_frame(data: Any, schema: Schema | None, where: str) -> pd.DataFrame:
    if not isinstance(data, dict) or "data" not in data or set(data) - {"columns", "data", "index"}:
        found = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise _mismatch(where, f"a dataframe example is {{\"columns\": [...], \"data\": [[...]]}}, found {found}")
    try:
        frame = pd.DataFrame(index=data.get("index"), columns=data.get("columns"), data=data["data"])
    except (TypeError, ValueError) as exc:
        raise _mismatch(where, f"not a valid split-orient DataFrame: {exc}") from None
    return _cast_frame(frame, schema, where) if schema is not None else frame


@contextmanager
def _open_example(model_uri: str | os.PathLike[str], info: dict | None) -> Iterator[tuple[Any, Any, Any]]:
    """(the opened model, the example info, the model's input schema) for a model location.

    With ``info`` given, a plain local directory of example files (no MLmodel) is accepted too.
    """
    from spark_signature.mlmodel import _parse_mlmodel, signature_from_mlmodel
    from spark_signature.model_uri import ModelLocation, open_model

    if info is not None and _is_plain_directory(model_uri):
        directory = Path(model_uri)
        yield ModelLocation(str(model_uri), directory, directory / "MLmodel"), info, None
        return
    with open_model(model_uri) as model:
        document = _parse_mlmodel(model)
        signature = signature_from_mlmodel(document)
        schema = signature.inputs if signature is not None else None
        yield model, (info if info is not None else document.get("saved_input_example_info")), schema


def _is_plain_directory(location: Any) -> bool:
    if not isinstance(location, (str, os.PathLike)):
        return False
    path = Path(location)
    return path.is_dir() and not (path / "MLmodel").exists()


def load_input_example(
    model_uri: str | os.PathLike[str], info: dict | None = None, schema: Schema | None = None
) -> Any:
    """The input example saved in a model (or a directory of example files), read as MLflow reads it.

    ``model_uri`` is anything :func:`spark_signature.load_signature` accepts, or a plain directory of
    example files when ``info`` is given. ``info`` defaults to ``saved_input_example_info`` in MLmodel
    (None is returned when there is none). The schema's types are applied (binary base64-decoded,
    datetimes parsed, columns cast); it defaults to the model's input schema, as in MLflow.
    """
    with _open_example(model_uri, info) as (model, info, model_schema):
        if info is None:
            return None
        info = _check_info(info)
        name = str(info.get("artifact_path", EXAMPLE_FILENAME))
        data, _ = _unwrap_params(_read_json(model, info, "artifact_path"), info, name)
        schema = schema if schema is not None else model_schema
        kind = info["type"]
        if kind == "json_object":
            return data
        if kind == "ndarray":
            if info.get("format") == "tf-serving" and isinstance(data, dict) and list(data) == ["inputs"]:
                data = data["inputs"]  # MLflow 2.x wrapped tensors as TF serving input; 3.x cannot read it
            return _read_ndarray(data, schema, name)
        if kind.startswith("sparse_matrix"):
            return _read_sparse(data, kind, name)
        return _read_frame(data, schema, name)


def load_input_example_params(model_uri: str | os.PathLike[str], info: dict | None = None) -> dict | None:
    """The params saved with a model's input example (``(data, params)``), or None if there are none."""
    with _open_example(model_uri, info) as (model, info, _):
        if info is None or not _check_info(info).get("params"):
            return None
        name = str(info.get("artifact_path", EXAMPLE_FILENAME))
        _, params = _unwrap_params(_read_json(model, info, "artifact_path"), info, name)
        if params is not None and not isinstance(params, dict):
            raise _mismatch(name, f"params must be a JSON object, found {type(params).__name__}")
        return params


def infer_signature_from_input_example(model_uri: str | os.PathLike[str], info: dict | None = None) -> ModelSignature:
    """The input (and params) schema implied by a saved example, inferred as MLflow infers it at logging.

    The outputs stay unknown: MLflow gets them by running the model on the example, which this does not.
    """
    from spark_signature.inference import infer_signature

    example = load_input_example(model_uri, info=info, schema=None)
    if example is None:
        raise InputExampleError(
            f"{model_uri!s} has no input example to infer a signature from.",
            fix="Log the model with input_example=..., or set a signature with spark_signature.set_signature.",
        )
    params = load_input_example_params(model_uri, info=info)
    return infer_signature(example, params=params)


# ---- from Spark ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A collected Spark value as MLflow's JSON expects it: Row -> dict, bytearray -> bytes, Decimal -> float."""
    from decimal import Decimal

    from pyspark.sql import Row

    if isinstance(value, Row):
        return {k: _plain(v) for k, v in value.asDict(recursive=False).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "toArray"):  # pyspark.ml vectors
        return value.toArray().tolist()
    return value


def _column(values: list[Any], spec: Any) -> pd.Series:
    """One example column, typed so that MLflow infers (and reads back) the signature's type."""
    has_null = any(v is None for v in values)
    dtype = getattr(spec, "type", None)
    if isinstance(dtype, DataType):
        if dtype in (DataType.float, DataType.double):
            return pd.Series([np.nan if v is None else v for v in values], dtype=dtype.to_numpy())
        if dtype == DataType.datetime and not has_null:
            return pd.Series(pd.to_datetime(values)).astype("datetime64[ns]")
        if dtype in (DataType.boolean, DataType.integer, DataType.long) and not has_null:
            return pd.Series(values, dtype=dtype.to_numpy())
        if dtype == DataType.string:
            return pd.Series(values, dtype=object if has_null else None)
    return pd.Series(values, dtype=object)


def input_example_from_spark(df: Any, n: int = 5, schema: Schema | None = None) -> pd.DataFrame:
    """The first ``n`` rows of a Spark DataFrame as an input example MLflow accepts (a pandas DataFrame).

    Only ``df.limit(n)`` is collected, never the data set. Structs become dicts, arrays lists, maps dicts,
    binary bytes (base64 in the file), decimals floats, ``pyspark.ml`` vectors lists; column dtypes follow
    ``schema`` (default: the signature of ``df``'s Spark schema), so that the example reads back with it.
    """
    if not _is_spark(df):
        raise InputExampleError(
            f"input_example_from_spark expects a Spark DataFrame, got {type(df).__name__}",
            fix="For pandas/numpy data, pass it to save_input_example directly.",
        )
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise InputExampleError(f"n must be a positive int (rows to take), got {n!r}", found=n)
    if schema is None:
        from spark_signature.spark_types import from_spark_schema

        schema = from_spark_schema(df.schema)
    specs = {str(s.name): s for s in schema.inputs} if schema.has_input_names() else {}
    missing = [name for name in specs if name not in df.columns and schema.input_dict()[name].required]
    if missing:
        raise InputExampleError(
            f"Columns {missing} of the schema are not in the DataFrame (columns: {df.columns}).",
            path=missing[0], fix="Pass the schema of this DataFrame, or select/rename the columns first.",
        )
    columns = [c for c in df.columns if not specs or c in specs]
    rows = df.select(*[df[c] for c in columns]).limit(n).collect()
    data = {c: _column([_plain(r[i]) for r in rows], specs.get(c)) for i, c in enumerate(columns)}
    return pd.DataFrame(data, columns=columns)
