"""The signature type system (pure Python: no pyspark import), with MLflow's names and JSON.

``from spark_signature.types import Schema, ColSpec, DataType, ...`` mirrors ``mlflow.types``.
"""

from spark_signature.types.composite import AnyType, Array, BaseType, Map, Object, Property, SparkMLVector
from spark_signature.types.datatype import DataType
from spark_signature.types.mlflow_compat import Compat
from spark_signature.types.params import ParamSchema, ParamSpec, convert_param_value
from spark_signature.types.schema import ColSpec, Schema, TensorSpec
from spark_signature.types.signature import ModelSignature

__all__ = [
    "AnyType",
    "Array",
    "BaseType",
    "ColSpec",
    "Compat",
    "DataType",
    "Map",
    "ModelSignature",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "Property",
    "Schema",
    "SparkMLVector",
    "TensorSpec",
    "convert_param_value",
]
