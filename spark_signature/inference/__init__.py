"""Signature inference: Python data here (``python.py``), Spark DataFrames in ``spark.py``."""

from __future__ import annotations

from typing import Any

from spark_signature.inference.python import infer_param_schema, infer_schema, is_spark_dataframe
from spark_signature.inference.python import infer_signature as _infer_python_signature
from spark_signature.types import ModelSignature

__all__ = ["infer_param_schema", "infer_schema", "infer_signature"]


def infer_signature(model_input: Any = None, model_output: Any = None, params: dict | None = None) -> ModelSignature:
    """Infer a :class:`ModelSignature` from example data, as ``mlflow.models.infer_signature`` does.

    Spark DataFrames (as input or output) go to :mod:`spark_signature.inference.spark`; everything else
    to :mod:`spark_signature.inference.python`.
    """
    if is_spark_dataframe(model_input) or is_spark_dataframe(model_output):
        from spark_signature.inference.spark import infer_spark_signature

        return infer_spark_signature(model_input, model_output, params)
    return _infer_python_signature(model_input, model_output, params)
