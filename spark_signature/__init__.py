"""spark_signature: MLflow model signatures and input examples, enforced by Spark on every row.

Public names mirror ``mlflow.types.schema`` and ``mlflow.models``. They are loaded lazily so that
``import spark_signature`` needs neither a JVM nor pyspark until a Spark feature is used.
"""

from __future__ import annotations

import importlib
from typing import Any

from spark_signature.errors import (
    ConfigError,
    InferenceError,
    InputExampleError,
    MissingExtraError,
    ModelURIError,
    ParamsValidationError,
    PipelineError,
    Rule,
    SchemaDefinitionError,
    SchemaEnforcementError,
    ScoringError,
    SignatureError,
    SignatureFormatError,
    TypeMappingError,
)

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    # types (pure Python)
    "DataType": "spark_signature.types",
    "Array": "spark_signature.types",
    "Object": "spark_signature.types",
    "Property": "spark_signature.types",
    "Map": "spark_signature.types",
    "AnyType": "spark_signature.types",
    "SparkMLVector": "spark_signature.types",
    "ColSpec": "spark_signature.types",
    "TensorSpec": "spark_signature.types",
    "Schema": "spark_signature.types",
    "ParamSpec": "spark_signature.types",
    "ParamSchema": "spark_signature.types",
    "ModelSignature": "spark_signature.types",
    # Spark type mapping
    "to_spark_schema": "spark_signature.spark_types",
    "from_spark_schema": "spark_signature.spark_types",
    "to_spark_type": "spark_signature.spark_types",
    "from_spark_type": "spark_signature.spark_types",
    # inference
    "infer_signature": "spark_signature.inference",
    "infer_spark_profile": "spark_signature.inference.spark",
    # enforcement
    "validate_schema": "spark_signature.enforcement.local",
    "validate_params": "spark_signature.enforcement.params",
    "enforce": "spark_signature.enforcement.spark",
    # MLmodel files and model URIs
    "load_signature": "spark_signature.mlmodel",
    "set_signature": "spark_signature.mlmodel",
    # input examples
    "save_input_example": "spark_signature.examples",
    "load_input_example": "spark_signature.examples",
    "load_input_example_params": "spark_signature.examples",
    "input_example_from_spark": "spark_signature.examples",
    "infer_signature_from_input_example": "spark_signature.examples",
    # validated scoring
    "score": "spark_signature.scoring",
    "ScoreResult": "spark_signature.scoring",
    # signature diffs
    "diff": "spark_signature.signature_diff",
    "SignatureDiff": "spark_signature.signature_diff",
    # session
    "get_spark": "spark_signature.session",
}

__all__ = [
    "ConfigError",
    "InferenceError",
    "InputExampleError",
    "MissingExtraError",
    "ModelURIError",
    "ParamsValidationError",
    "PipelineError",
    "Rule",
    "SchemaDefinitionError",
    "SchemaEnforcementError",
    "ScoringError",
    "SignatureError",
    "SignatureFormatError",
    "TypeMappingError",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'spark_signature' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
