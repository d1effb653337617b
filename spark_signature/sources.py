"""What a user may hand us as "the signature": one function that turns it into a ModelSignature.

The notebook helper, :func:`spark_signature.diff` and the compatibility job all accept the same things:

* a :class:`ModelSignature` (ours or MLflow's) or a :class:`Schema` (the inputs);
* anything :func:`spark_signature.load_signature` takes: a model directory, an ``MLmodel`` file, a
  signature ``.json``/``.yaml`` file, ``file://``, ``runs:/``, ``models:/`` ... URIs;
* for diffs, a table's shape too: a Spark ``StructType``, a Spark DataFrame (its schema; nullable columns
  are optional) or a pandas DataFrame (its signature inferred as MLflow infers it).

A source that names nothing usable raises a :class:`~spark_signature.errors.SignatureError` saying what
was given and what is accepted, never a traceback from deep inside.
"""

from __future__ import annotations

import os
from typing import Any

from spark_signature.dispatch import is_pandas_like, is_spark_dataframe
from spark_signature.errors import ConfigError, Rule
from spark_signature.types import ModelSignature, Schema

__all__ = ["describe_source", "describes_inputs_only", "signature_of"]

_ACCEPTED = ("a ModelSignature, a Schema, a model directory or URI, an MLmodel or signature file, "
             "a Spark StructType or a DataFrame")


def _is_struct_type(value: Any) -> bool:
    cls = type(value)
    return cls.__module__.startswith("pyspark") and cls.__name__ == "StructType"


def signature_of(source: Any, *, data: bool = True) -> ModelSignature:
    """``source`` as a ModelSignature (see the module docstring for what is accepted).

    ``data=False`` refuses tables and DataFrames: where a *data* argument sits next to the source
    (``notebook.check(df, source)``), a DataFrame passed as the source is a mistake worth naming.
    """
    from spark_signature.mlmodel import _as_signature

    if isinstance(source, ModelSignature):
        return source
    if isinstance(source, Schema):
        return ModelSignature(inputs=source)
    if type(source).__module__.startswith("mlflow."):
        if type(source).__name__ == "Schema" and hasattr(source, "to_json"):
            return ModelSignature(inputs=Schema.from_json(source.to_json()))
        return _as_signature(source)
    if isinstance(source, (str, os.PathLike)):
        from spark_signature.mlmodel import load_signature

        signature = load_signature(source)
        if signature is None:
            raise ConfigError(
                f"The model at {str(source)!r} has no signature.",
                rule=Rule.INVALID_OPTION, path=str(source), expected="a model with a signature", found="none",
                fix="set one with spark_signature.set_signature(model_uri, infer_signature(sample_df, predictions))",
            )
        return signature
    if data and _is_struct_type(source):
        from spark_signature.spark_types import from_spark_schema

        return ModelSignature(inputs=from_spark_schema(source))
    if data and is_spark_dataframe(source):
        from spark_signature.spark_types import from_spark_schema

        return ModelSignature(inputs=from_spark_schema(source.schema))
    if data and is_pandas_like(source):
        from spark_signature.inference import infer_signature

        return infer_signature(source)
    kind = f"{type(source).__module__.split('.')[0]}.{type(source).__name__}"
    accepted = _ACCEPTED if data else _ACCEPTED.split(", a Spark StructType")[0]
    raise ConfigError(
        f"Cannot read a signature from {kind}.",
        rule=Rule.INVALID_OPTION, path="source", expected=accepted, found=kind,
        fix=f"pass {accepted}",
    )


def describes_inputs_only(source: Any) -> bool:
    """True for a source that carries an inputs schema and nothing else: a Schema, a StructType, a
    DataFrame. Its outputs and params are unknown, not absent (a diff compares only the inputs)."""
    if isinstance(source, Schema) or _is_struct_type(source) or is_spark_dataframe(source) or is_pandas_like(source):
        return True
    return type(source).__module__.startswith("mlflow.") and type(source).__name__ == "Schema"


def describe_source(source: Any) -> str:
    """How a report names the source: the path or URI as given, else the kind of object."""
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    if is_spark_dataframe(source):
        return "Spark DataFrame"
    if is_pandas_like(source):
        return "pandas DataFrame"
    return f"{type(source).__name__} object"
