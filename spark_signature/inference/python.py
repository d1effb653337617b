"""Signature inference from in-memory Python data: pandas, numpy, scipy.sparse, lists, dicts, scalars.

The rules are MLflow 3.x's (``mlflow.types.utils._infer_schema`` and friends), surprises included, so
that ``infer_signature(x)`` here and in MLflow serialize to the same JSON. Where MLflow refuses an input
we refuse it too, with :class:`~spark_signature.errors.InferenceError` instead of a raw
``TypeError``/``ValueError``/``MlflowException``.

The module is layered; each layer only calls the ones above it:

1. **values** -- :func:`infer_value_type` maps one Python value to a signature type (MLflow's
   ``_infer_datatype``): missing values and empty containers are ``AnyType``, dicts are ``Object``,
   lists/ndarrays are ``Array`` merged over their items, everything else is a scalar looked up by its
   *exact* type.
2. **columns** -- :func:`infer_numpy_dtype` (by dtype kind and item size) and
   :func:`infer_pandas_column_type` (object columns are inferred from their values).
3. **containers** -- :func:`infer_schema`: one small builder per input kind, then the integer-column
   hint.
4. **params** -- :func:`infer_param_schema`.
5. **signature** -- :func:`infer_signature`: dataclasses are described by their annotations; schema
   failures fall back to ``Schema([ColSpec(AnyType())])`` with a logged WARNING (MLflow's behaviour);
   params failures are raised.

pandas versions: object columns go through pandas' own ``infer_objects``/``is_string_dtype``, as in
MLflow, so results follow the installed pandas exactly as MLflow's do (under pandas 3 an object column
of strings becomes ``str``, still typed ``string``).
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import fields, is_dataclass
from types import UnionType
from typing import Any, Union, get_args, get_origin

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionDtype

from spark_signature.errors import InferenceError, SignatureError
from spark_signature.types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    ModelSignature,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    TensorSpec,
)
from spark_signature.types.datatype import ANNOTATION_TYPES, DATETIME_SCALAR_TYPES, PYTHON_SCALAR_TYPES
from spark_signature.types.schema import generic_dtype
from spark_signature.types.values import is_missing

__all__ = [
    "MULTIPLE_TYPES_ERROR_MSG",
    "PydanticInputError",
    "infer_numpy_dtype",
    "infer_pandas_column_type",
    "infer_param_schema",
    "infer_schema",
    "infer_signature",
    "infer_value_type",
]

_logger = logging.getLogger(__name__)

MULTIPLE_TYPES_ERROR_MSG = (
    "Expected all values in the list to be of the same type. To specify a model signature "
    "with a list containing elements of multiple types, define the signature manually "
    "using the Array(AnyType()) type from mlflow.models.schema."
)

INTEGER_COLUMN_HINT = (
    "Hint: Inferred schema contains integer column(s). Integer columns in "
    "Python cannot represent missing values. If your input data contains "
    "missing values at inference time, it will be encoded as floats and will "
    "cause a schema enforcement error. The best way to avoid this problem is "
    "to infer the model schema based on a realistic data sample (training "
    "dataset) that includes missing values. Alternatively, you can declare "
    "integer columns as doubles (float64) whenever these columns may have "
    "missing values. See `Handling Integers With Missing Values "
    "<https://www.mlflow.org/docs/latest/models.html#"
    "handling-integers-with-missing-values>`_ for more details."
)

_SUPPORTED_INPUTS = (
    "- pandas.DataFrame\n"
    "- pandas.Series\n"
    "- numpy.ndarray\n"
    "- dictionary of (name -> numpy.ndarray)\n"
    "- pyspark.sql.DataFrame\n"
    "- scipy.sparse.csr_matrix\n"
    "- scipy.sparse.csc_matrix\n"
    "- DataType\n"
    "- List[DataType]\n"
    "- Dict[str, Union[DataType, List, Dict]]\n"
    "- List[Dict[str, Union[DataType, List, Dict]]]\n"
)

SignatureType = DataType | Array | Object | AnyType


class PydanticInputError(InferenceError):
    """A pydantic model was given as data. Like MLflow, :func:`infer_signature` does not swallow it."""


# --------------------------------------------------------------------------------------------------
# 1. values
# --------------------------------------------------------------------------------------------------


def _is_required(value: Any) -> bool:
    """A list or Series is required when none of its items is missing; anything else when not missing."""
    if isinstance(value, (list, pd.Series)):
        return not any(is_missing(item) for item in value)
    return not is_missing(value)


def _refuse_pydantic(value: Any) -> None:
    if "pydantic" not in sys.modules:  # no pydantic loaded, so no pydantic model can exist
        return
    import pydantic

    if isinstance(value, pydantic.BaseModel):
        raise PydanticInputError(
            "Signatures cannot be inferred from pydantic objects. Define the model's `predict` with a "
            "pydantic type hint instead, e.g. `def predict(self, model_input: list[PydanticType])`."
        )


def _spark_type_value(value: Any) -> DataType | None:
    """The DataType of a Spark type *object* used as a value, e.g. ``LongType()``; else None."""
    if not type(value).__module__.startswith("pyspark"):
        return None
    from spark_signature.spark_types import datatype_of_spark_instance

    return datatype_of_spark_instance(value)


def _is_datetime_value(value: Any) -> bool:
    """MLflow's ``DataType.check_type(DataType.datetime, value)``: exact date/datetime/np.datetime64."""
    return type(value) in DATETIME_SCALAR_TYPES or _spark_type_value(value) is DataType.datetime


def _infer_scalar_type(value: Any) -> DataType:
    found = PYTHON_SCALAR_TYPES.get(type(value))
    if found is not None:
        return found
    if _is_datetime_value(value):
        return DataType.datetime
    found = _spark_type_value(value)
    if found is not None:
        return found
    raise InferenceError(f"Data {value} is not one of the supported DataType")


def _infer_object_type(mapping: dict) -> Object:
    properties = []
    for key, item in mapping.items():
        item_type = infer_value_type(item)
        if item_type is None:
            raise InferenceError("Dictionary value must not be an empty numpy array.")
        properties.append(Property(name=key, dtype=item_type, required=not isinstance(item_type, AnyType)))
    return Object(properties=properties)


def _merge_element_types(current: SignatureType, new: SignatureType) -> SignatureType:
    """Merge the element type seen so far with the type of the next item of a list."""
    if isinstance(current, DataType):
        # A scalar element type accepts missing items (Any) but no other type, not even long vs double.
        if isinstance(new, AnyType) or new == current:
            return current
        raise InferenceError(MULTIPLE_TYPES_ERROR_MSG)
    try:
        return current._merge(new)
    except (SignatureError, TypeError, ValueError) as exc:
        raise InferenceError(MULTIPLE_TYPES_ERROR_MSG) from exc


def _infer_array_type(items: Iterable[Any]) -> Array | None:
    """``Array`` of the merged item types; None when no item has a type (only empty ndarrays, or none)."""
    element: SignatureType | None = None
    for item in items:
        item_type = infer_value_type(item)
        if item_type is None:  # an empty ndarray says nothing about the element type
            continue
        element = item_type if element is None else _merge_element_types(element, item_type)
    return None if element is None else Array(element)


def infer_value_type(value: Any) -> SignatureType | None:
    """The signature type of one value (MLflow's ``_infer_datatype``).

    None/NaN/NA/NaT, ``[]`` and ``{}`` give ``AnyType``; a dict gives an ``Object`` whose properties are
    required unless their type is ``AnyType``; a list or ndarray gives an ``Array`` (None for an empty
    ndarray: undetermined); anything else is a scalar typed by its exact type.
    """
    _refuse_pydantic(value)
    if is_missing(value) or (isinstance(value, (list, dict)) and len(value) == 0):
        return AnyType()
    if isinstance(value, dict):
        return _infer_object_type(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        raise InferenceError(f"Cannot infer a type from the 0-d numpy array {value!r}; use a scalar or a list.")
    if isinstance(value, (list, np.ndarray)):
        return _infer_array_type(value)
    return _infer_scalar_type(value)


def _infer_column_type(value: Any) -> SignatureType:
    """Like :func:`infer_value_type`, refusing values with no type at all (MLflow ``_infer_colspec_type``)."""
    found = infer_value_type(value)
    if found is None:
        raise InferenceError(f"Numpy array must include at least one non-empty item. Invalid input `{value}`.")
    return found


def _element_type(values: list) -> SignatureType:
    """The element type of a column given as the list of its values."""
    found = _infer_column_type(values)
    if not isinstance(found, Array):  # only for an empty list
        raise InferenceError("Cannot infer the type of a column without values.")
    return found.dtype


# --------------------------------------------------------------------------------------------------
# 2. columns
# --------------------------------------------------------------------------------------------------


def infer_numpy_dtype(dtype: np.dtype | ExtensionDtype) -> DataType:
    """The DataType of a numpy dtype or pandas extension dtype, by ``kind`` and ``itemsize``.

    Signed ints of at most 4 bytes and unsigned ints of less than 4 bytes are ``integer``; int64 and uint32
    are ``long``; uint64, timedelta, complex and the rest are refused. Datetimes of any unit, tz-aware
    too, are ``datetime``. Object dtypes cannot be typed without their values.
    """
    if not isinstance(dtype, (np.dtype, ExtensionDtype)):
        raise InferenceError(f"Expected numpy.dtype or pandas.ExtensionDtype, got '{type(dtype)}'.")
    kind = dtype.kind
    if kind == "b":
        return DataType.boolean
    if kind in ("i", "u"):
        signed = kind == "i"
        if dtype.itemsize < 4 or (signed and dtype.itemsize == 4):
            return DataType.integer
        if dtype.itemsize < 8 or (signed and dtype.itemsize == 8):
            return DataType.long
    elif kind == "f":
        if dtype.itemsize <= 4:
            return DataType.float
        if dtype.itemsize <= 8:
            return DataType.double
    elif kind == "U":
        return DataType.string
    elif kind == "S":
        return DataType.binary
    elif kind == "M":
        return DataType.datetime
    elif kind == "O":
        raise InferenceError(f"Cannot infer a type for dtype '{dtype}' without looking at the values.")
    raise InferenceError(f"Unsupported numpy data type '{dtype}', kind '{kind}'")


def infer_pandas_column_type(column: pd.Series) -> SignatureType:
    """The type of a pandas column (MLflow's ``_infer_pandas_column``).

    Object-kind columns (object, ``str``/StringDtype, categorical, Arrow strings/lists/structs...) are
    first ``infer_objects()``-ed; if still object-kind they are typed from their values, falling back to
    ``string`` when that fails but pandas considers the column a string column. Other columns are typed
    by their dtype (:func:`infer_numpy_dtype`).
    """
    if not isinstance(column, pd.Series):
        raise InferenceError(f"Expected pandas.Series, got '{type(column)}'.")
    if len(column.values.shape) > 1:
        raise InferenceError(f"Expected 1d array, got array with shape {column.shape}")
    if column.dtype.kind == "O":
        column = column.infer_objects()
    if column.dtype.kind != "O":
        return infer_numpy_dtype(column.dtype)
    try:
        return _element_type(column.to_list())
    except Exception as exc:  # MLflow falls back to string whatever went wrong
        if pd.api.types.is_string_dtype(column):
            return DataType.string
        raise InferenceError(f"Failed to infer schema for pandas.Series {column}. Error: {exc}") from exc


# --------------------------------------------------------------------------------------------------
# 3. containers
# --------------------------------------------------------------------------------------------------


def _is_sparse_matrix(value: Any) -> bool:
    """A scipy ``csr_matrix``/``csc_matrix`` (not the ``*_array`` classes), without importing scipy."""
    if "scipy.sparse" not in sys.modules:
        return False
    from scipy.sparse import csc_matrix, csr_matrix

    return isinstance(value, (csc_matrix, csr_matrix))


def _tensor_shape(data: Any) -> tuple[int, ...]:
    """The shape with the first (batch) dimension variable: ``-1``."""
    shape = list(data.shape)
    if not shape:
        raise InferenceError(
            "The specified variable_dimension 0 is out of bounds with respect to the number of "
            f"dimensions {data.ndim} in the input dataset"
        )
    shape[0] = -1
    return tuple(shape)


def _schema_from_records(records: list[dict]) -> Schema:
    """A list of dicts: one column per key, in first-seen order.

    A column is optional when a record lacks the key or holds None there (NaN does not count).
    """
    columns: dict[Any, list] = {}
    for record in records:
        for key, value in record.items():
            columns.setdefault(key, []).append(value)
    return Schema(
        [
            ColSpec(
                _element_type(values),
                name=key,
                required=all(record.get(key) is not None for record in records),
            )
            for key, values in columns.items()
        ]
    )


def _schema_from_tensor_dict(tensors: dict[Any, np.ndarray]) -> Schema:
    return Schema(
        [
            TensorSpec(type=generic_dtype(array.dtype), shape=_tensor_shape(array), name=name)
            for name, array in tensors.items()
        ]
    )


def _schema_from_column_dict(columns: dict) -> Schema:
    """A dict of values (not all ndarrays): one column per key, typed from its value (a list -> Array)."""
    if any(not isinstance(key, str) for key in columns):
        raise InferenceError("The dictionary keys are not all strings.")
    return Schema(
        [ColSpec(_infer_column_type(value), name=name, required=_is_required(value)) for name, value in columns.items()]
    )


def _schema_from_series(series: pd.Series) -> Schema:
    return Schema([ColSpec(type=infer_pandas_column_type(series), name=series.name, required=_is_required(series))])


def _schema_from_frame(frame: pd.DataFrame) -> Schema:
    specs = []
    for label in frame.columns:
        column = frame[label]
        if not isinstance(column, pd.Series):
            raise InferenceError(
                f"Duplicate column label {label!r}: a signature needs one column per label. "
                "Rename or drop the duplicated columns."
            )
        specs.append(ColSpec(type=infer_pandas_column_type(column), name=label, required=_is_required(column)))
    return Schema(specs)


def _schema_from_scalar(value: Any) -> Schema:
    try:
        column_type = _infer_column_type(value)
    except InferenceError as exc:
        raise InferenceError(
            "Failed to infer schema. Expected one of the following types:\n"
            f"{_SUPPORTED_INPUTS}but got '{value}'.\nError: {exc}"
        ) from exc
    return Schema([ColSpec(column_type)])


def _build_schema(data: Any) -> Schema:
    if isinstance(data, list):
        if not data:  # kept as `string` for backward compatibility, as in MLflow
            return Schema([ColSpec(DataType.string)])
        if all(isinstance(item, dict) for item in data):
            return _schema_from_records(data)
        # a list is one unnamed column; unnamed columns are always required
        return Schema([ColSpec(_element_type(data))])
    if isinstance(data, dict):
        if all(isinstance(value, np.ndarray) for value in data.values()):
            return _schema_from_tensor_dict(data)
        return _schema_from_column_dict(data)
    if isinstance(data, pd.Series):
        return _schema_from_series(data)
    if isinstance(data, pd.DataFrame):
        return _schema_from_frame(data)
    if isinstance(data, np.ndarray):
        return Schema([TensorSpec(type=generic_dtype(data.dtype), shape=_tensor_shape(data))])
    if _is_sparse_matrix(data):
        return Schema([TensorSpec(type=generic_dtype(data.data.dtype), shape=_tensor_shape(data))])
    return _schema_from_scalar(data)


def _warn_if_integer_columns(schema: Schema) -> None:
    specs = schema.inputs
    if any(isinstance(spec, TensorSpec) for spec in specs):
        return
    if any(spec.type in (DataType.integer, DataType.long) for spec in specs if isinstance(spec.type, DataType)):
        warnings.warn(INTEGER_COLUMN_HINT, UserWarning, stacklevel=3)


def infer_schema(data: Any) -> Schema:
    """The schema of ``data``, exactly as MLflow 3.x's ``_infer_schema`` infers it.

    Accepted: pandas DataFrame/Series, numpy arrays and dicts of them (tensors), scipy csr/csc matrices,
    lists of dicts (records), other dicts and lists (JSON-like columns), and scalars. Spark DataFrames
    never reach this module (:mod:`spark_signature.dispatch` sends them to the Spark room). Issues
    MLflow's integer-column ``UserWarning`` for column schemas with a top-level ``integer``/``long`` column.

    Raises:
        InferenceError: the data cannot be described by a signature (MLflow refuses it too).
    """
    try:
        schema = _build_schema(data)
    except InferenceError:
        raise
    except SignatureError as exc:  # e.g. a Schema construction rule, or a non-str key in a nested dict
        raise InferenceError(exc.message) from exc
    except (TypeError, ValueError, AttributeError, IndexError, KeyError, RecursionError) as exc:  # no raw errors
        raise InferenceError(f"Failed to infer schema: {type(exc).__name__}: {exc}") from exc
    _warn_if_integer_columns(schema)
    return schema


# --------------------------------------------------------------------------------------------------
# 4. params
# --------------------------------------------------------------------------------------------------


def _nesting_depth(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.ndim
    if isinstance(value, list):
        return 1 + max((_nesting_depth(item) for item in value), default=0)
    return 0


def _infer_param_type_and_shape(value: Any) -> tuple[DataType | Object | AnyType | None, tuple | None]:
    """(type, shape) of one param value; the ParamSpec built from them validates the value itself."""
    if isinstance(value, (list, np.ndarray)):
        depth = _nesting_depth(value)
        if depth != 1:
            raise InferenceError(f"Expected parameters to be 1D array or scalar, got {depth}D array")
        # `all` of nothing is true: an empty list is a datetime list, as in MLflow
        if all(_is_datetime_value(item) for item in value):
            return DataType.datetime, (-1,)
        return infer_numpy_dtype(np.array(value).dtype), (-1,)
    if _is_datetime_value(value):
        return DataType.datetime, None
    if np.isscalar(value):
        try:
            return infer_numpy_dtype(np.array(value).dtype), None
        except Exception as exc:
            raise InferenceError(f"Failed to infer schema for parameter {value}: {exc!r}") from exc
    if isinstance(value, dict):
        return infer_value_type(value), None  # an Object; `{}` gives AnyType, which ParamSpec refuses
    raise InferenceError(f"Expected parameters to be 1D array or scalar, got {type(value).__name__}")


def infer_param_schema(params: dict[str, Any]) -> ParamSchema:
    """The params schema of ``params``, exactly as MLflow 3.x's ``_infer_param_schema`` infers it.

    Each value's default is validated (and converted) by :class:`ParamSpec`; every failing param is
    reported in one :class:`InferenceError`.
    """
    if not isinstance(params, dict):
        raise InferenceError(f"Expected parameters to be dict, got {type(params).__name__}")
    specs = []
    failures = []
    for name, value in params.items():
        try:
            dtype, shape = _infer_param_type_and_shape(value)
            specs.append(ParamSpec(name=name, dtype=dtype, default=deepcopy(value), shape=shape))
        except Exception as exc:
            failures.append((name, value, exc))
    if failures:
        raise InferenceError(f"Failed to infer schema for parameters: {failures}")
    try:
        return ParamSchema(specs)
    except SignatureError as exc:  # duplicated names, e.g. 1 and "1"
        raise InferenceError(exc.message) from exc


# --------------------------------------------------------------------------------------------------
# 5. signature
# --------------------------------------------------------------------------------------------------


# Dataclasses are described by their annotations, not their values (MLflow's
# `convert_dataclass_to_schema`, table ANNOTATION_TYPES). String annotations
# (`from __future__ import annotations`) are unsupported.


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, UnionType)


def _dataclass_annotations(data: Any) -> dict[str, Any]:
    """Annotations of a dataclass (or instance) and its dataclass bases, subclasses last."""
    cls = data if isinstance(data, type) else type(data)
    annotations: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        if is_dataclass(base):
            annotations.update(getattr(base, "__annotations__", {}))
    return annotations


def _dataclass_field_type(annotation: Any, where: str, *, top_level: bool) -> DataType | Array | Object:
    if get_origin(annotation) is list:
        args = get_args(annotation)
        item = args[0] if args else None
        if top_level and is_dataclass(item):
            return Array(_dataclass_object(item))
        if item in ANNOTATION_TYPES:
            return Array(ANNOTATION_TYPES[item])
        raise InferenceError(f"List field type {item} is not supported in dataclass field {where}")
    if is_dataclass(annotation):
        return _dataclass_object(annotation)
    if annotation in ANNOTATION_TYPES:
        return ANNOTATION_TYPES[annotation]
    raise InferenceError(f"Unsupported field type {annotation} in dataclass field {where}")


def _dataclass_object(cls: type) -> Object:
    properties = []
    for field in fields(cls):
        annotation, optional = field.type, False
        if _is_union(annotation) and type(None) in get_args(annotation):
            annotation, optional = next(a for a in get_args(annotation) if a is not type(None)), True
        dtype = _dataclass_field_type(annotation, f"{cls.__name__}.{field.name}", top_level=False)
        properties.append(Property(name=field.name, dtype=dtype, required=not optional))
    return Object(properties=properties)


def _dataclass_schema(data: Any) -> Schema:
    """One column per annotated field; ``Optional[X]`` fields are optional, other unions refused."""
    specs = []
    for name, annotation in _dataclass_annotations(data).items():
        optional = False
        if _is_union(annotation):
            members = get_args(annotation)
            if type(None) not in members or len(members) != 2:
                raise InferenceError("Only Optional[...] is supported as a Union type in dataclass fields")
            annotation, optional = next(a for a in members if a is not type(None)), True
        specs.append(ColSpec(_dataclass_field_type(annotation, name, top_level=True), name=name, required=not optional))
    return Schema(specs)


def _infer_schema_or_any(data: Any, key: str) -> Schema | None:
    if data is None:
        return None
    try:
        return _dataclass_schema(data) if is_dataclass(data) else infer_schema(data)
    except PydanticInputError:
        raise
    except Exception:  # MLflow swallows every schema failure into `any`
        note = "Note that no data types are validated for AnyType. " if key == "inputs" else ""
        _logger.warning(
            f"Failed to infer schema for {key}. Setting schema to `Schema([ColSpec(type=AnyType())]` as "
            f"default. {note}To see the full traceback, set logging level to DEBUG.",
            exc_info=_logger.isEnabledFor(logging.DEBUG),
        )
        return Schema([ColSpec(type=AnyType())])


def infer_signature(model_input: Any = None, model_output: Any = None, params: dict | None = None) -> ModelSignature:
    """The signature MLflow 3.x's ``mlflow.models.infer_signature`` infers for Python data.

    A schema that cannot be inferred becomes ``Schema([ColSpec(AnyType())])`` with a logged WARNING,
    as in MLflow (pydantic models are refused instead). Params are inferred only when ``params`` is
    truthy, and their errors are raised.
    """
    inputs = _infer_schema_or_any(model_input, "inputs")
    outputs = _infer_schema_or_any(model_output, "outputs")
    param_schema = infer_param_schema(params) if params else None
    return ModelSignature(inputs=inputs, outputs=outputs, params=param_schema)
