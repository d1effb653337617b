"""Signature types <-> Spark SQL types, both ways, nested.

Two ``isinstance`` ladders, one per direction, each ending in a :class:`TypeMappingError` that names
the column path, the type, and what to do. The full table, with the reasons, is ``docs/types.md``.

Paths in errors follow :mod:`spark_signature.paths` (``features.items[].price``, ``m{}``).

This module owns the DataType <-> Spark table (:data:`DATATYPE_TO_SPARK`; ``DataType.to_spark`` derives
from it) and the tensor dtype <-> Spark element type table (:data:`TENSOR_ELEMENT_TYPES`).

Nullability: ``required`` <-> ``nullable=False`` for top-level columns and for Object properties
(struct fields). Array elements and map values carry no ``required`` flag in the signature, so the
Spark side is always ``containsNull=True`` / ``valueContainsNull=True``; whether a null element is
accepted is the enforcement engine's decision, not this module's.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from pyspark.sql import types as T

from spark_signature import compat, paths
from spark_signature.errors import TypeMappingError
from spark_signature.rules import MAX_EXACT_DECIMAL_PRECISION
from spark_signature.types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    Property,
    Schema,
    SparkMLVector,
    TensorSpec,
)

__all__ = [
    "DATATYPE_TO_SPARK",
    "MAX_EXACT_DECIMAL_PRECISION",
    "TENSOR_ELEMENT_TYPES",
    "datatype_of_spark_instance",
    "from_spark_schema",
    "from_spark_type",
    "is_lossy_decimal",
    "is_vector_udt",
    "tensor_dtype_of",
    "tensor_to_spark_type",
    "to_spark_schema",
    "to_spark_type",
]

_CAST_HINT = (
    "Cast it in SQL to a supported type before applying the signature, e.g. "
    "`SELECT CAST(<column> AS STRING) AS <column>` (for a nested field, rebuild it with "
    "`named_struct` / `transform`), or drop the column."
)

#: Signature DataType -> Spark type (MLflow's DataType.to_spark).
DATATYPE_TO_SPARK: dict[DataType, type[T.DataType]] = {
    DataType.boolean: T.BooleanType,
    DataType.integer: T.IntegerType,
    DataType.long: T.LongType,
    DataType.float: T.FloatType,
    DataType.double: T.DoubleType,
    DataType.string: T.StringType,
    DataType.binary: T.BinaryType,
    DataType.datetime: T.TimestampType,
}

#: Tensor element dtype <-> Spark element type. Both directions for the signed numeric dtypes (array columns
#: of these Spark types are tensor candidates in inference); numpy -> Spark only for the rest. Spark has no
#: unsigned types: an unsigned dtype is carried in the smallest signed type that holds its range (uint64 in
#: bigint, which holds 0 .. 2^63 - 1 of it); enforcement range-checks every value (rules.decide_tensor).
TENSOR_ELEMENT_TYPES: tuple[tuple[np.dtype, type[T.DataType], bool], ...] = (
    (np.dtype("bool"), T.BooleanType, False),
    (np.dtype("int8"), T.ByteType, True),
    (np.dtype("int16"), T.ShortType, True),
    (np.dtype("int32"), T.IntegerType, True),
    (np.dtype("int64"), T.LongType, True),
    (np.dtype("uint8"), T.ShortType, False),
    (np.dtype("uint16"), T.IntegerType, False),
    (np.dtype("uint32"), T.LongType, False),
    (np.dtype("uint64"), T.LongType, False),
    (np.dtype("float32"), T.FloatType, True),
    (np.dtype("float64"), T.DoubleType, True),
    (np.dtype("str"), T.StringType, False),
    (np.dtype("bytes"), T.BinaryType, False),
    (np.dtype("datetime64[ns]"), T.TimestampType, False),
)

# Spark atomic type -> signature DataType name. Checked with isinstance, in this order.
_SPARK_TO_DATATYPE: tuple[tuple[tuple[type[T.DataType], ...], str], ...] = (
    ((T.ByteType, T.ShortType, T.IntegerType), "integer"),
    ((T.LongType,), "long"),
    ((T.FloatType,), "float"),
    ((T.DoubleType,), "double"),
    ((T.DecimalType,), "double"),  # lossy beyond 15 significant digits, see is_lossy_decimal
    ((T.BooleanType,), "boolean"),
    ((T.StringType, T.CharType, T.VarcharType), "string"),
    ((T.BinaryType,), "binary"),
    ((T.DateType, T.TimestampType, T.TimestampNTZType), "datetime"),
)

_STRING_KEY_TYPES = (T.StringType, T.CharType, T.VarcharType)


def _where(path: str) -> str:
    return f"column `{path}`" if path else "the value"


def _field_name(name: Any, index: int) -> str:
    """MLflow's ``name or str(index)`` for a missing name; an int name (legal in MLflow) becomes str."""
    if name is None or name == "":
        return str(index)
    return str(name)


# ------------------------------------------------------------------------------------------------
# signature -> Spark
# ------------------------------------------------------------------------------------------------


def to_spark_type(spec_type: Any, path: str = "") -> T.DataType:
    """The Spark type of a signature type (DataType, Array, Object, Map, AnyType or SparkMLVector).

    ``SparkMLVector`` becomes ``ArrayType(DoubleType)`` as in ``mlflow.pyfunc.spark_udf``. Array
    elements and map values are always nullable. ``path`` only labels errors.
    """
    if isinstance(spec_type, DataType):
        return DATATYPE_TO_SPARK[spec_type]()
    if isinstance(spec_type, str):  # a DataType name, as MLflow's constructors accept
        try:
            spec_type = DataType[spec_type]
        except KeyError:
            raise TypeMappingError(
                f"{_where(path)}: unknown signature type name {spec_type!r}.",
                path=path or None,
                found=spec_type,
                expected=sorted(t.name for t in DATATYPE_TO_SPARK),
                hint=f"Use one of {sorted(t.name for t in DATATYPE_TO_SPARK)}, or an Array/Object/Map/AnyType.",
            ) from None
        return DATATYPE_TO_SPARK[spec_type]()
    if isinstance(spec_type, SparkMLVector):  # before Array: it is an Array(double) subclass in MLflow
        return T.ArrayType(T.DoubleType(), containsNull=True)
    if isinstance(spec_type, Array):
        return T.ArrayType(to_spark_type(spec_type.dtype, paths.any_element(path)), containsNull=True)
    if isinstance(spec_type, Object):
        return T.StructType(
            [
                T.StructField(
                    str(prop.name),
                    to_spark_type(prop.dtype, paths.field(path, prop.name)),
                    nullable=not prop.required,
                )
                for prop in spec_type.properties
            ]
        )
    if isinstance(spec_type, Map):
        return T.MapType(
            T.StringType(), to_spark_type(spec_type.value_type, paths.any_value(path)), valueContainsNull=True
        )
    if isinstance(spec_type, AnyType):
        return compat.variant_type(path)
    raise TypeMappingError(
        f"{_where(path)}: {spec_type!r} ({type(spec_type).__name__}) is not a signature type.",
        path=path or None,
        found=type(spec_type).__name__,
        hint="Use a DataType, Array, Object, Map, AnyType or SparkMLVector; "
        "for a TensorSpec use tensor_to_spark_type.",
    )


def _numpy_to_spark(dtype: np.dtype, path: str) -> T.DataType:
    for np_dtype, spark_class, _ in TENSOR_ELEMENT_TYPES:
        if dtype == np_dtype or (dtype.kind in "USM" and dtype.kind == np_dtype.kind):
            return spark_class()
    raise TypeMappingError(
        f"{_where(path)}: tensor dtype {dtype} has no Spark element type.",
        path=path or None,
        found=str(dtype),
        expected="bool, int8/16/32/64, uint8/16/32/64, float32/64, str, bytes or datetime64",
        hint="Declare the TensorSpec with one of those dtypes (e.g. np.dtype('float64') instead of "
        "object or float16), or describe the input with ColSpecs.",
    )


def tensor_to_spark_type(spec: TensorSpec, path: str | None = None) -> T.DataType:
    """The per-row Spark type of a TensorSpec: one ``ArrayType`` per dimension after the batch axis.

    ``(-1,)`` gives the bare element type, ``(-1, 4)`` ``array<elem>``, ``(-1, 2, 3)``
    ``array<array<elem>>``. A shape without a batch axis (``()``) also gives the bare element type.
    Unsigned dtypes get their carrier (:data:`TENSOR_ELEMENT_TYPES`): ``uint8 [-1, 28, 28, 1]`` is
    ``array<array<array<smallint>>>``.
    """
    if path is None:
        path = "" if spec.name is None else str(spec.name)
    spark_type = _numpy_to_spark(np.dtype(spec.type), path)
    for _ in range(max(len(tuple(spec.shape)) - 1, 0)):
        spark_type = T.ArrayType(spark_type, containsNull=True)
    return spark_type


def to_spark_schema(schema: Schema) -> T.StructType:
    """A ``StructType`` with one field per input, in order.

    Field names are ``str(name)``, or ``str(index)`` for an unnamed input (MLflow's
    ``name or str(i)``); ``nullable = not required`` (a TensorSpec is always required).
    Unlike MLflow's ``Schema.as_spark_schema``, this always returns a StructType, also for a single
    unnamed column, and supports every signature type and TensorSpecs.
    """
    fields = []
    for i, spec in enumerate(schema.inputs):
        name = _field_name(spec.name, i)
        if isinstance(spec, TensorSpec):
            fields.append(T.StructField(name, tensor_to_spark_type(spec, name), nullable=False))
        else:
            fields.append(T.StructField(name, to_spark_type(spec.type, name), nullable=not spec.required))
    return T.StructType(fields)


# ------------------------------------------------------------------------------------------------
# Spark -> signature
# ------------------------------------------------------------------------------------------------


def tensor_dtype_of(spark_type: T.DataType) -> np.dtype | None:
    """The numpy dtype of a numeric Spark element type (a tensor candidate's elements); else None."""
    for np_dtype, spark_class, numeric in TENSOR_ELEMENT_TYPES:
        if numeric and type(spark_type) is spark_class:
            return np_dtype
    return None


def datatype_of_spark_instance(value: Any) -> DataType | None:
    """The DataType whose Spark type ``value`` (a Spark type *object*, e.g. ``LongType()``) is; else None."""
    return next((t for t, spark_class in DATATYPE_TO_SPARK.items() if isinstance(value, spark_class)), None)


def is_lossy_decimal(spark_type: T.DataType) -> bool:
    """True for a ``DecimalType`` whose precision exceeds 15 digits: it may not survive as ``double``."""
    return isinstance(spark_type, T.DecimalType) and spark_type.precision > MAX_EXACT_DECIMAL_PRECISION


def is_vector_udt(spark_type: T.DataType) -> bool:
    """A ``pyspark.ml`` vector column (its UDT)."""
    try:
        from pyspark.ml.linalg import VectorUDT
    except ImportError:  # pragma: no cover - pyspark.ml needs numpy, which we depend on
        return False
    return isinstance(spark_type, VectorUDT)


def _unsupported(spark_type: T.DataType, path: str, hint: str = _CAST_HINT) -> TypeMappingError:
    return TypeMappingError(
        f"{_where(path)}: Spark type {spark_type.simpleString()} has no MLflow signature type.",
        path=path or None,
        found=spark_type.simpleString(),
        hint=hint,
    )


def from_spark_type(spark_type: T.DataType, path: str = "") -> Any:
    """The signature type of a Spark type (see docs/types.md for every decision).

    Struct fields become Object properties with ``required = not nullable`` (a ``NullType`` field is
    always optional). ``path`` names the column in errors, e.g. ``features.items[].price``.
    """
    for spark_classes, name in _SPARK_TO_DATATYPE:
        if isinstance(spark_type, spark_classes):
            return DataType[name]
    if isinstance(spark_type, T.ArrayType):
        return Array(from_spark_type(spark_type.elementType, paths.any_element(path)))
    if isinstance(spark_type, T.StructType):
        return Object(_properties(spark_type, path))
    if isinstance(spark_type, T.MapType):
        if not isinstance(spark_type.keyType, _STRING_KEY_TYPES):
            raise _unsupported(
                spark_type,
                path,
                hint="Signature maps have string keys only. Cast the keys in SQL, e.g. "
                "`transform_keys(<column>, (k, v) -> CAST(k AS STRING))`.",
            )
        return Map(from_spark_type(spark_type.valueType, paths.any_value(path)))
    if isinstance(spark_type, T.NullType) or compat.is_variant(spark_type):
        return AnyType()
    if isinstance(spark_type, T.UserDefinedType):
        if is_vector_udt(spark_type):
            return SparkMLVector()
        raise _unsupported(
            spark_type,
            path,
            hint=f"Only pyspark.ml.linalg.VectorUDT is supported among user-defined types. "
            f"Convert the column to its SQL type ({spark_type.sqlType().simpleString()}) or a "
            f"supported type, e.g. with pyspark.ml.functions.vector_to_array for mllib vectors.",
        )
    raise _unsupported(spark_type, path)


def _properties(struct: T.StructType, path: str) -> list[Property]:
    if not struct.fields:
        raise TypeMappingError(
            f"{_where(path)}: an empty struct (struct<>) has no signature type; "
            "an Object needs at least one property.",
            path=path or None,
            found=struct.simpleString(),
            hint="Drop the column, or give the struct at least one field.",
        )
    _check_unique(struct, path)
    return [
        Property(
            field.name,
            from_spark_type(field.dataType, paths.field(path, field.name)),
            required=_field_required(field),
        )
        for field in struct.fields
    ]


def _is_null(field: T.StructField) -> bool:
    return isinstance(field.dataType, T.NullType)


def _field_required(field: T.StructField) -> bool:
    return not field.nullable and not _is_null(field)


def _check_unique(struct: T.StructType, path: str) -> None:
    duplicates = sorted(name for name, n in Counter(struct.fieldNames()).items() if n > 1)
    if duplicates:
        raise TypeMappingError(
            f"{_where(path)}: struct has duplicate field names {duplicates}; Object properties must be "
            "unique.",
            path=path or None,
            found=struct.simpleString(),
            hint="Rename the duplicated fields in SQL (e.g. rebuild the struct with `named_struct`).",
        )


def from_spark_schema(struct: T.StructType, *, required_from_nullable: bool = True) -> Schema:
    """A ColSpec Schema with one named column per top-level field.

    ``required_from_nullable=True`` (default): ``required = not nullable`` at every level.
    ``required_from_nullable=False``: every top-level column is required, as MLflow's
    ``infer_signature(spark_df)`` does; nested struct fields still follow ``nullable``.
    A ``NullType`` column or field is always optional. A non-struct Spark type gives a schema with one
    unnamed required column (the inverse of MLflow's ``as_spark_schema`` for one unnamed column).
    """
    if not isinstance(struct, T.StructType):
        return Schema([ColSpec(from_spark_type(struct))])
    if not struct.fields:
        raise TypeMappingError(
            "An empty StructType has no signature: a Schema needs at least one column.",
            found=struct.simpleString(),
            hint="Select at least one column.",
        )
    return Schema(
        [
            ColSpec(
                from_spark_type(field.dataType, field.name),
                name=field.name,
                required=_field_required(field) if required_from_nullable else not _is_null(field),
            )
            for field in struct.fields
        ]
    )
