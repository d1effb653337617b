"""Signature inference: Python data here (``python.py``), Spark DataFrames in ``spark.py``."""

from __future__ import annotations

from typing import Any

from spark_signature.errors import InferenceError
from spark_signature.inference.python import infer_param_schema, infer_schema, is_spark_dataframe
from spark_signature.inference.python import infer_signature as _infer_python_signature
from spark_signature.types import ModelSignature

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
