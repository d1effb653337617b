"""Accept/refuse decision for the value of an Object-typed param, matching MLflow's ``_enforce_object``.

MLflow validates an Object param by running its pandas-based element enforcement on a copy of the
value (the value itself is returned unconverted). To give the same accept/refuse decision, scalars
and DataType arrays go through a pandas Series exactly like MLflow's column rule; pandas is imported
lazily, so only Object params pay for it. Nothing here mutates the value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spark_signature.types.composite import AnyType, Array, Map, Object
from spark_signature.types.datatype import DataType
from spark_signature.types.values import is_missing


class ObjectValueError(ValueError):
    """The value does not satisfy the Object type; the message says where and why."""


def check_object_value(value: Any, obj: Object) -> None:
    """Raise :class:`ObjectValueError` unless ``value`` satisfies ``obj`` (as a required value)."""
    try:
        _check(value, obj, required=True, where="")
    except ObjectValueError:
        raise
    except Exception as exc:  # pandas/numpy conversions that MLflow lets escape count as refusals
        raise ObjectValueError(f"{type(exc).__name__}: {exc}") from exc


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _check(value: Any, dtype: Any, required: bool, where: str) -> None:
    if isinstance(dtype, AnyType):
        return
    if isinstance(dtype, DataType):
        _check_scalar(value, dtype, required, where)
    elif isinstance(dtype, Array):
        _check_array(value, dtype, required, where)
    elif isinstance(dtype, Object):
        _check_object(value, dtype, required, where)
    elif isinstance(dtype, Map):
        _check_map(value, dtype, required, where)
    else:  # pragma: no cover - the type system admits nothing else
        raise ObjectValueError(f"{where or 'value'}: invalid data type {dtype!r}")


def _check_scalar(value: Any, dtype: DataType, required: bool, where: str) -> None:
    import pandas as pd

    if not required and is_missing(value):
        return
    if not np.isscalar(value):
        raise ObjectValueError(f"{where or 'value'}: expected a scalar, got {type(value).__name__}")
    coerce_series(pd.Series(value), dtype, where)


def _check_array(value: Any, arr: Array, required: bool, where: str) -> None:
    import pandas as pd

    empty = value is None or (isinstance(value, (list, np.ndarray)) and len(value) == 0)
    if (not required or isinstance(arr.dtype, AnyType)) and empty:
        return
    if not isinstance(value, (list, np.ndarray)):
        raise ObjectValueError(f"{where or 'value'}: expected a list or numpy array, got {type(value).__name__}")
    if isinstance(arr.dtype, DataType):
        if len(value) > 0:
            coerce_series(pd.Series(value), arr.dtype, where).to_numpy(dtype=arr.dtype.to_numpy())
        return
    for i, item in enumerate(value):
        _check(item, arr.dtype, required, f"{where}[{i}]")


def _check_object(value: Any, obj: Object, required: bool, where: str) -> None:
    if not required and (value is None or value == {}):
        return
    if not isinstance(value, dict):
        raise ObjectValueError(f"{where or 'value'}: expected a dictionary, got {type(value).__name__}")
    props = {p.name: p for p in obj.properties}
    missing = sorted(name for name, p in props.items() if p.required and name not in value)
    if missing:
        raise ObjectValueError(f"{where or 'value'}: missing required properties {missing}")
    extra = sorted(map(str, value.keys() - props.keys()))
    if extra:
        raise ObjectValueError(f"{where or 'value'}: properties not defined in the schema {extra}")
    for key, item in value.items():
        _check(item, props[key].dtype, props[key].required, _at(where, key))


def _check_map(value: Any, map_type: Map, required: bool, where: str) -> None:
    if (not required or isinstance(map_type.value_type, AnyType)) and (value is None or value == {}):
        return
    if not isinstance(value, dict):
        raise ObjectValueError(f"{where or 'value'}: expected a dict, got {type(value).__name__}")
    if not all(isinstance(k, str) for k in value):
        raise ObjectValueError(f"{where or 'value'}: every map key must be a string")
    for key, item in value.items():
        _check(item, map_type.value_type, required, _at(where, key))


def coerce_series(values: Any, t: DataType, where: str) -> Any:
    """The series converted to ``t`` when MLflow's column rule allows it, else ObjectValueError.

    The rule: object columns are re-inferred first (except for string/binary targets); strings
    accept any object/str column, binary any object/str/bytes column, boolean any object column;
    datetimes of any precision (and object columns) are cast to ns; object columns may become double
    through ``to_numeric``; otherwise only widening within a kind (or small ints to double) is
    allowed, plus int64 -> float/double when every value is 0, 1 or null.
    """
    import pandas as pd

    if values.dtype == object and t not in (DataType.binary, DataType.string):
        values = values.infer_objects()
    dtype = values.dtype
    is_text = isinstance(dtype, pd.StringDtype)
    is_object = dtype == np.dtype(object)
    if (t is DataType.string and (is_object or is_text)) or (t is DataType.binary and is_text):
        return values
    if dtype == t.to_pandas() or dtype == t.to_numpy():
        return values
    if t is DataType.binary and dtype.kind == "S":
        return values
    if t is DataType.datetime and (dtype.kind == "M" or is_object):
        try:
            return values.astype(np.dtype("datetime64[ns]"))
        except (TypeError, ValueError) as exc:
            raise ObjectValueError(f"{where or 'value'}: cannot convert {dtype} to datetime ({exc})") from exc
    if t is DataType.boolean and is_object:
        return values
    if t is DataType.double and is_object:
        try:
            return pd.to_numeric(values, errors="raise")
        except (TypeError, ValueError) as exc:
            raise ObjectValueError(f"{where or 'value'}: cannot convert {dtype} to double") from exc
    target = t.to_numpy()
    if _is_widening(dtype, target):
        return values.astype(target)
    if dtype == np.int64 and target in (np.float32, np.float64) and all(pd.isnull(x) or x in (0, 1) for x in values):
        return values.astype(target)
    raise ObjectValueError(f"{where or 'value'}: can not safely convert {dtype} to {target}")


def _is_widening(source: Any, target: np.dtype) -> bool:
    if not isinstance(source, np.dtype):
        return False
    if source.kind == target.kind:
        return source.itemsize <= target.itemsize
    if source.kind == "u" and target.kind == "i":
        return source.itemsize < target.itemsize
    return source.kind in ("i", "u") and target == np.float64 and source.itemsize <= 6
