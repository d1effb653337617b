"""Signature types <-> Arrow types: the table the kernels and the local engine convert with.

* :data:`DATATYPE_TO_ARROW` / :func:`to_arrow_type` -- the Arrow type a declared type converts to
  (what the local engine returns; ``AnyType`` keeps what it found).
* :func:`classify` -- the :class:`~spark_signature.rules.Found` kind of an Arrow type, the key of the
  rule table. ``spark=True`` reads Arrow types as ``mapInArrow`` hands them over: Spark's TimestampType
  arrives tz-aware (the session time zone) and is a plain timestamp, TimestampNTZType arrives naive.
* :func:`classify_numpy` -- the same for a tensor's numpy dtype.

Spark's own mapping is :mod:`spark_signature.spark_types`; numpy/pandas/Python are the DataType's own
(:mod:`spark_signature.types.datatype`). ``tests/test_type_tables.py`` walks every DataType through all.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from spark_signature.rules import MAX_EXACT_DECIMAL_PRECISION, Found
from spark_signature.types import Array, DataType, Map, Object

__all__ = ["DATATYPE_TO_ARROW", "classify", "classify_numpy", "to_arrow_type"]

DATATYPE_TO_ARROW: dict[DataType, pa.DataType] = {
    DataType.boolean: pa.bool_(),
    DataType.integer: pa.int32(),
    DataType.long: pa.int64(),
    DataType.float: pa.float32(),
    DataType.double: pa.float64(),
    DataType.string: pa.string(),
    DataType.binary: pa.binary(),
    DataType.datetime: pa.timestamp("ns"),
}


def to_arrow_type(spec: Any) -> pa.DataType | None:
    """The Arrow type a declared type converts to; None for ``AnyType`` (kept as found)."""
    if isinstance(spec, DataType):
        return DATATYPE_TO_ARROW[spec]
    if isinstance(spec, Array):
        inner = to_arrow_type(spec.dtype)
        return pa.list_(inner if inner is not None else pa.null())
    if isinstance(spec, Map):
        inner = to_arrow_type(spec.value_type)
        return pa.map_(pa.string(), inner if inner is not None else pa.null())
    if isinstance(spec, Object):
        return pa.struct([(p.name, to_arrow_type(p.dtype) or pa.null()) for p in spec.properties])
    return None


_SIMPLE: dict[pa.DataType, Found] = {
    pa.bool_(): Found.BOOL,
    pa.int8(): Found.INT8,
    pa.int16(): Found.INT16,
    pa.int32(): Found.INT32,
    pa.int64(): Found.INT64,
    pa.uint8(): Found.UINT8,
    pa.uint16(): Found.UINT16,
    pa.uint32(): Found.UINT32,
    pa.uint64(): Found.UINT64,
    pa.float16(): Found.FLOAT16,
    pa.float32(): Found.FLOAT32,
    pa.float64(): Found.FLOAT64,
    pa.null(): Found.NULL,
}


def classify(arrow_type: pa.DataType, *, spark: bool = False) -> Found:
    """The :class:`Found` kind of an Arrow type (see the module docstring for ``spark``)."""
    t = arrow_type
    if pa.types.is_dictionary(t):
        return Found.OTHER  # pandas categoricals: MLflow refuses them for every type
    simple = _SIMPLE.get(t)
    if simple is not None:
        return simple
    if pa.types.is_decimal(t):
        return Found.DECIMAL if t.precision <= MAX_EXACT_DECIMAL_PRECISION else Found.DECIMAL_WIDE
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return Found.STRING
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return Found.BINARY
    if pa.types.is_date(t):
        return Found.DATE
    if pa.types.is_timestamp(t):
        if spark:
            return Found.TIMESTAMP if t.tz is not None else Found.TIMESTAMP_NTZ
        return Found.TIMESTAMP if t.tz is None else Found.TIMESTAMP_TZ
    if pa.types.is_map(t):
        return Found.MAP
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return Found.LIST
    if pa.types.is_struct(t):
        return Found.STRUCT
    return Found.OTHER


def classify_numpy(dtype: np.dtype) -> Found | None:
    """The kind of a tensor dtype's elements; None for ``object`` (anything goes)."""
    if dtype.kind == "U":
        return Found.STRING
    if dtype.kind == "S":
        return Found.BINARY
    if dtype.kind == "M":
        return Found.TIMESTAMP
    if dtype.kind == "O":
        return None
    try:
        return classify(pa.from_numpy_dtype(dtype))
    except (pa.ArrowNotImplementedError, TypeError):
        return None
