"""Signature inference: Python data in ``python.py``, Spark DataFrames in ``spark.py``.

The one place that routes: :func:`infer_signature` and :func:`infer_schema` ask
:mod:`spark_signature.dispatch` which room takes the data. ``spark.py`` may use ``python.py`` (for
params and non-Spark outputs); ``python.py`` never imports ``spark.py``.
"""

from __future__ import annotations

from typing import Any

from spark_signature.dispatch import is_spark_dataframe
from spark_signature.errors import InferenceError
from spark_signature.inference.python import infer_param_schema
from spark_signature.inference.python import infer_schema as _infer_python_schema
from spark_signature.inference.python import infer_signature as _infer_python_signature
from spark_signature.types import ModelSignature, Schema

__all__ = ["infer_param_schema", "infer_schema", "infer_signature"]


def infer_signature(
    model_input: Any = None, model_output: Any = None, params: dict | None = None, **spark_options: Any
) -> ModelSignature:
    """Infer a :class:`ModelSignature` from example data, as ``mlflow.models.infer_signature`` does.

    Spark DataFrames (as input or output) go to :mod:`spark_signature.inference.spark`, which takes
    ``spark_options`` (``mode="schema"|"sample"|"full"``, ``compat=``, ...); everything else goes to
    :mod:`spark_signature.inference.python`, exactly as MLflow.
    """
    if is_spark_dataframe(model_input) or is_spark_dataframe(model_output):
        from spark_signature.inference.spark import infer_spark_signature

        return infer_spark_signature(model_input, model_output, params, **spark_options)
    if spark_options:
        raise InferenceError(
            f"Options {sorted(spark_options)} apply to Spark DataFrames only; got "
            f"{type(model_input).__name__}. Drop them for pandas/numpy/Python inputs."
        )
    return _infer_python_signature(model_input, model_output, params)


def infer_schema(data: Any, **spark_options: Any) -> Schema:
    """The Schema of ``data`` (MLflow's ``_infer_schema``): Spark DataFrames by their schema (or the
    ``mode=`` given), everything else as MLflow infers Python data."""
    if is_spark_dataframe(data):
        from spark_signature.inference.spark import infer_spark_schema

        return infer_spark_schema(data, **spark_options)
    if spark_options:
        raise InferenceError(f"Options {sorted(spark_options)} apply to Spark DataFrames only.")
    return _infer_python_schema(data)
