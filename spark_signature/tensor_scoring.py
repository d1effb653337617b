"""Scoring tensor models whose dtype Spark cannot carry: the model gets arrays of exactly the declared dtype.

``mlflow.pyfunc.spark_udf`` hands a tensor model what Arrow makes of the Spark column: an ``array<smallint>``
column reaches a ``uint8`` model as ``int16`` arrays (MLflow reshapes numpy values without casting them,
verified with 3.17), and nested arrays (``array<array<...>>``) are not reshaped at all. Spark has no unsigned
types, so no Spark column can feed a ``uint8`` model through ``spark_udf``. :func:`tensor_scoring_needed`
says when a signature is in that case; :func:`score_tensors` then scores the enforced rows with
``mapInArrow``: each batch's nested lists become one numpy array per input, ``reshape``d to the tensor's
shape and ``astype``d to its dtype (vectorized, lossless: every value was range-checked by enforcement),
and the pyfunc model (loaded once per task) predicts on them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from spark_signature.errors import ScoringError
from spark_signature.spark_types import tensor_dtype_of, tensor_to_spark_type
from spark_signature.types import ModelSignature, TensorSpec

__all__ = ["score_tensors", "tensor_scoring_needed"]

_MODELS: dict[str, Any] = {}  # per Python worker: model path -> loaded pyfunc model


def _exact_in_spark(spec: TensorSpec) -> bool:
    """Does the tensor's Spark element type come back to pandas as the dtype itself?"""
    element = tensor_to_spark_type(spec, "")
    while hasattr(element, "elementType"):
        element = element.elementType
    back = tensor_dtype_of(element)  # None for the non-numeric types, which are their own
    return back is None or back == np.dtype(spec.type)


def tensor_scoring_needed(signature: ModelSignature) -> bool:
    """True for a tensor signature with an input whose dtype has no Spark type of its own (unsigned ints)."""
    inputs = signature.inputs
    return inputs is not None and inputs.is_tensor_spec() and not all(_exact_in_spark(s) for s in inputs.inputs)


def _fixed_dims(spec: TensorSpec, label: str) -> tuple[int, ...]:
    dims = tuple(int(d) for d in spec.shape[1:])
    if not spec.shape or spec.shape[0] != -1 or -1 in dims:
        raise ScoringError(
            f"input '{label}': the tensor shape {tuple(spec.shape)} has a variable inner dimension, so the rows of "
            "a batch cannot be stacked into one array.",
            path=label, found=str(tuple(spec.shape)),
            fix="Declare every dimension after the batch axis (-1) with a fixed length, as MLflow requires for "
            "DataFrame inputs.",
        )
    return dims


def _stack(column: pa.Array, dims: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Rows of nested lists (every one of shape ``dims``, no nulls: enforcement checked) as one array."""
    values = column
    for _ in dims:
        values = values.flatten()
    return values.to_numpy(zero_copy_only=False).astype(dtype, copy=False).reshape((len(column), *dims))


def _to_arrow(prediction: Any, arrow_type: pa.DataType, rows: int) -> pa.Array:
    """A model's prediction for ``rows`` rows as one Arrow column of ``arrow_type``."""
    import pandas as pd

    if isinstance(prediction, pd.DataFrame):
        if pa.types.is_struct(arrow_type):
            return pa.StructArray.from_arrays(
                [_to_arrow(prediction[f.name], f.type, rows) for f in arrow_type], fields=list(arrow_type))
        prediction = prediction.iloc[:, 0] if prediction.shape[1] == 1 else prediction.to_numpy()
    if isinstance(prediction, pd.Series):
        prediction = prediction.to_numpy()
    array = np.asarray(prediction)
    if array.ndim == 0 or len(array) != rows:
        raise ScoringError(f"the model returned {array.shape} for a batch of {rows} rows.", path="prediction",
                           fix="return one prediction per input row")
    if array.ndim == 1:
        return pa.array(array).cast(arrow_type)
    inner = _to_arrow(array.reshape(-1, *array.shape[2:]), arrow_type.value_type, rows * array.shape[1])
    return pa.FixedSizeListArray.from_arrays(inner, array.shape[1]).cast(arrow_type)


def _local_model(mlflow: Any, model_uri: str) -> str:
    """The model directory on the driver (downloaded for a URI)."""
    if os.path.isdir(model_uri):
        return os.path.abspath(model_uri)
    target = tempfile.mkdtemp(prefix="spark_signature-model-")
    return mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=target)


def _executor_path(spark: Any, path: str) -> tuple[str, bool]:
    """(path, shipped): a local master reads the driver's directory; otherwise it is shipped with addFile."""
    master = spark.conf.get("spark.master", "local")
    if master.startswith("local"):
        return path, False
    try:
        spark.sparkContext.addFile(path, recursive=True)
    except Exception as exc:  # Spark Connect has no SparkContext
        raise ScoringError(
            f"cannot ship the model directory {path!r} to the executors ({exc}).", path=path,
            fix="Score from a classic SparkSession, or put the model on a filesystem every executor reads and "
            "pass its path.",
        ) from None
    return os.path.basename(path.rstrip("/")), True


def score_tensors(valid: Any, mlflow: Any, model_uri: str, signature: ModelSignature, result_type: Any,
                  output: str, params: dict | None, inputs: Sequence[str]) -> Any:
    """``valid`` (enforced rows) with the model's prediction in column ``output`` (of ``result_type``)."""
    from pyspark.sql import types as T

    from spark_signature.compat import to_arrow_schema
    from spark_signature.enforcement.spark import _map_in_arrow

    specs = list(signature.inputs.inputs)
    named = signature.inputs.has_input_names()
    labels = [str(s.name) if named else str(i) for i, s in enumerate(specs)]
    layout = [(column, _fixed_dims(spec, label), np.dtype(spec.type), spec.name)
              for column, spec, label in zip(inputs, specs, labels, strict=True)]
    path, shipped = _executor_path(valid.sparkSession, _local_model(mlflow, model_uri))
    out_schema = T.StructType([*valid.schema.fields, T.StructField(output, result_type, True)])
    arrow_type = to_arrow_schema(T.StructType([T.StructField(output, result_type, True)])).field(0).type

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import mlflow.pyfunc

        where = path
        if shipped:
            from pyspark import SparkFiles

            where = SparkFiles.get(path)
        model = _MODELS.get(where)
        if model is None:
            model = _MODELS[where] = mlflow.pyfunc.load_model(where)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            arrays = {name: _stack(batch.column(column), dims, dtype) for column, dims, dtype, name in layout}
            data = arrays if named else next(iter(arrays.values()))
            prediction = model.predict(data, params=params) if params else model.predict(data)
            yield pa.RecordBatch.from_arrays([*batch.columns, _to_arrow(prediction, arrow_type, batch.num_rows)],
                                             names=[*batch.schema.names, output])

    return _map_in_arrow(valid, run, out_schema)
