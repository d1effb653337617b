"""How the local engine reads one pandas column: as Arrow for the plan and the kernels, and, under
``compat="mlflow"``, the way MLflow's ``_enforce_mlflow_datatype`` sees it.

Strict mode hands the column to Arrow as it is. A column Arrow cannot give one type (Python objects of
mixed types, ints beyond 64 bits) is :attr:`~spark_signature.rules.Found.OBJECT`, which the strict
table refuses for every type, with a message naming the Python types it holds.

``compat="mlflow"`` first does what MLflow does to the pandas column, so that the rule table sees what
MLflow decides on:

* an ``object`` column is re-inferred (``infer_objects``) unless the declared type is string or
  binary; what stays ``object`` is :attr:`Found.OBJECT`, and the table's MLflow entries decide: kept
  unchanged for string / binary / boolean, ``pandas.to_numeric`` for double, ``astype`` for datetime
  (:data:`~spark_signature.rules.PANDAS_CHECKS`, run here, since Arrow holds no Python objects);
* the output keeps the column exactly where MLflow returns it unchanged (same dtype already, string
  columns, object columns for string / binary / boolean), and takes the pandas conversion's result for
  the two object conversions;
* composite values count as missing only when they are ``None`` (MLflow refuses NaN where a list or
  dict is expected), and ``{}`` is an absent optional object or map.

Per-value work stays in pandas / Arrow (``infer_objects``, ``to_numeric``, ``astype``, ``pa.array``);
composite Python values (lists, dicts, arrays) are flattened once per nesting level
(:class:`PythonReader`), which has to look at every object anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from spark_signature.errors import Rule, SchemaEnforcementError
from spark_signature.rules import Found, ValueCheck, decide
from spark_signature.types import AnyType, Array, Compat, DataType, Map, Object
from spark_signature.types.values import is_missing

__all__ = ["ColumnInput", "read_column"]

_ARROW_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError, NotImplementedError)


@dataclass
class ColumnInput:
    """One input column, ready for the plan."""

    array: pa.Array  # what the plan classifies and the kernels check
    found: Found | None = None  # the kind, where the Arrow type does not tell it (Found.OBJECT)
    found_name: str | None = None  # the pandas dtype as the user knows it, for messages
    unchanged: pd.Series | None = None  # the output when the plan converts nothing in the column
    converted: pd.Series | None = None  # the output, taken while reading (MLflow's unchanged column or its
    #                                     pandas conversion, PANDAS_CHECKS)


def read_column(series: pd.Series, spec: Any, compat: Compat, required: bool = True) -> ColumnInput:
    """``series`` as the plan reads it against ``spec`` (a DataType, composite, AnyType, or None for a tensor)."""
    if isinstance(spec, AnyType):  # anything goes, and nothing is converted
        return ColumnInput(_null_mask(series), unchanged=_as_given(series, compat))
    if isinstance(spec, (Array, Object, Map)):
        return _composite(series, spec, compat, required)
    if isinstance(spec, DataType) and compat is Compat.MLFLOW:
        return _mlflow_scalar(series, spec)
    return _typed(series)


# ---- strict: the column as Arrow types it ------------------------------------------------------------


def _typed(series: pd.Series) -> ColumnInput:
    try:
        return ColumnInput(pa.Array.from_pandas(series))
    except _ARROW_ERRORS:
        return _untyped(series)


def _untyped(series: pd.Series) -> ColumnInput:
    """A column Arrow cannot type: Found.OBJECT for object columns (refused by the strict table), else OTHER."""
    if series.dtype != object:
        return ColumnInput(_null_mask(series), Found.OTHER, str(series.dtype))
    return ColumnInput(_null_mask(series), Found.OBJECT, object_name(series))


def object_name(series: pd.Series) -> str:
    """``object (holding int, str)``: an object column named by the Python types of its values."""
    kinds = sorted({"None" if v is None else type(v).__name__ for v in series.tolist()})
    return f"object (holding {', '.join(kinds)})" if kinds else "object"


def _as_given(series: pd.Series, compat: Compat) -> pd.Series:
    """The column's values as they were given: MLflow rebuilds a Series from them (pandas infers its dtype
    again: an int8 column comes back int64); strict returns the column itself."""
    if compat is Compat.MLFLOW:
        return pd.Series(list(series), index=series.index, name=series.name)
    return series


def _null_mask(series: pd.Series) -> pa.Array:
    """A stand-in for a column Arrow cannot hold: only where its values are missing."""
    missing = series.isna().to_numpy(dtype=bool)
    return pa.array(np.ones(len(series), dtype=bool), mask=missing)


# ---- composite columns: Python values to Arrow, guided by the declared type --------------------------


class _NotThisType(Exception):
    """A value cannot be the declared composite (a str where a list is declared): the column is refused."""


def _composite(series: pd.Series, spec: Array | Object | Map, compat: Compat, required: bool) -> ColumnInput:
    if series.dtype != object:
        read = _typed(series)  # pyarrow-backed list / struct / map columns, or scalars (refused by the plan)
        read.unchanged = _as_given(series, compat)
        return read
    missing = (lambda v: v is None) if compat is Compat.MLFLOW else is_missing
    reader = PythonReader(compat)
    try:
        array = reader.read([None if missing(v) else v for v in series.tolist()], spec, required)
    except (_NotThisType, *_ARROW_ERRORS):
        return _untyped(series)
    return ColumnInput(array, unchanged=None if reader.converted else _as_given(series, compat))


class PythonReader:
    """Python values (None = null) at one position of the declared type, as Arrow: one pass per nesting
    level, and never a type guide for scalars (``pa.array(..., type=int64)`` truncates 1.5 to 1 silently).

    Lists are arrays, dicts are objects or maps, as declared; positions declared ``Any`` become nulls (they
    are never checked, and the output keeps the input's values). Under compat="mlflow" only lists and
    numpy arrays are arrays (MLflow refuses tuples), ``{}`` in an optional object or map is absent, and
    array elements are read as MLflow reads them: as a pandas column of their own, through the same
    column rules (:func:`_mlflow_scalar`), so bytes, dates or dicts are accepted and converted by numpy for
    a string / binary / boolean array. ``converted`` says whether any value was converted on the way.
    """

    def __init__(self, compat: Compat) -> None:
        self.compat = compat
        self.converted = False

    def read(self, values: list, spec: Any, required: bool, position: str = "column") -> pa.Array:
        if isinstance(spec, AnyType) or all(v is None for v in values):
            return pa.nulls(len(values))
        if isinstance(spec, DataType) and self.compat is Compat.MLFLOW and position == "element":
            return self._mlflow_elements(values, spec)
        if not isinstance(spec, (Array, Object, Map)):
            return pa.array([v.tolist() if isinstance(v, np.ndarray) else v for v in values])
        if isinstance(spec, Array):
            return self._array(values, spec, required)
        if any(v is not None and not isinstance(v, dict) for v in values):
            raise _NotThisType
        if self.compat is Compat.MLFLOW and not required:
            values = [None if v is not None and not v else v for v in values]
        mask = pa.array([v is None for v in values])
        if isinstance(spec, Map):
            offsets = _offsets([0 if v is None else len(v) for v in values])
            keys = [k for v in values if v is not None for k in v]
            items = [x for v in values if v is not None for x in v.values()]
            key_array = pa.array(keys) if keys else pa.array([], pa.string())
            return pa.MapArray.from_arrays(offsets, key_array, self.read(items, spec.value_type, required, "map_value"),
                                           mask=mask)
        return self._object(values, spec, mask)

    def _array(self, values: list, spec: Array, required: bool) -> pa.Array:
        lists = (list, np.ndarray) if self.compat is Compat.MLFLOW else (list, np.ndarray, tuple)
        if any(v is not None and not isinstance(v, lists) for v in values):
            raise _NotThisType
        offsets = _offsets([0 if v is None else len(v) for v in values])
        flat = [x for v in values if v is not None for x in v]
        child = self.read(flat, spec.dtype, required, "element")
        return pa.ListArray.from_arrays(offsets, child, mask=pa.array([v is None for v in values]))

    def _object(self, values: list, spec: Object, mask: pa.Array) -> pa.Array:
        declared = {p.name: p for p in spec.properties}
        names = [p.name for p in spec.properties if any(v is not None and p.name in v for v in values)]
        names += sorted({k for v in values if v is not None for k in v if k not in declared}, key=str)
        if not names:
            return pa.StructArray.from_arrays([], fields=[], mask=mask)
        children = []
        for name in names:
            prop = declared.get(name)
            column = [None if v is None else v.get(name) for v in values]
            children.append(self.read(column, prop.dtype if prop else None, prop.required if prop else True,
                                      "property"))
        return pa.StructArray.from_arrays(children, names=[str(n) for n in names], mask=mask)

    def _mlflow_elements(self, values: list, t: DataType) -> pa.Array:
        """MLflow's ``_enforce_array``: the elements as a pandas column, through the column rules, then
        cast with numpy to the declared type (missing elements stay missing: MLflow turns them into
        ``"n"`` or ``False``, see docs/deviations.md)."""
        s = pd.Series(values, name="[]")
        read = _mlflow_scalar(s, t)
        if read.found is not Found.OBJECT:
            return read.array
        conversion = decide(Found.OBJECT, t, Compat.MLFLOW)
        if not conversion.accepted:  # refused: an element of another type
            raise _NotThisType
        if conversion.check is not None:  # to_numeric / astype(datetime64[ns]) made already
            self.converted = True
            return pa.Array.from_pandas(read.converted)
        missing = s.isna().to_numpy(dtype=bool)
        cast = np.asarray(s.to_numpy(dtype=object)[~missing]).astype(t.to_numpy())
        self.converted = True
        out = np.empty(len(s), dtype=object)
        out[~missing] = cast.tolist()
        out[missing] = None
        return pa.array(out.tolist(), type=pa.string() if t is DataType.string else None)


def _offsets(lengths: list[int]) -> pa.Array:
    return pa.array(np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int32))


# ---- compat="mlflow": scalar columns as MLflow's _enforce_mlflow_datatype sees them -------------------


def _mlflow_scalar(series: pd.Series, t: DataType) -> ColumnInput:
    s = series
    if s.dtype == object and t not in (DataType.binary, DataType.string):
        s = s.infer_objects()
    if s.dtype != object:
        read = _typed(s)
        read.found_name = read.found_name or str(s.dtype)  # MLflow decides on pandas dtypes: name them
        if _mlflow_keeps(s.dtype, t):
            read.converted = s
        return read
    name = object_name(s)
    conversion = decide(Found.OBJECT, t, Compat.MLFLOW)
    if conversion.check is ValueCheck.NUMERIC:
        converted = _pandas_conversion(s, t, name, lambda: pd.to_numeric(s, errors="raise"))
    elif conversion.check is ValueCheck.DATETIME:
        converted = _pandas_conversion(s, t, name, lambda: s.astype(np.dtype("datetime64[ns]")))
    else:  # kept unchanged (string, binary, boolean) or refused by the plan
        return ColumnInput(_null_mask(s), Found.OBJECT, name, converted=s if conversion.accepted else None)
    return ColumnInput(_null_mask(converted), Found.OBJECT, name, converted=converted)


def _mlflow_keeps(dtype: Any, t: DataType) -> bool:
    """MLflow returns the column unchanged: a string column for string/binary, or the type's own dtype."""
    if t in (DataType.string, DataType.binary) and isinstance(dtype, pd.StringDtype):
        return True
    if t.to_pandas() == dtype or t.to_numpy() == dtype:
        return True
    return t is DataType.binary and getattr(dtype, "kind", None) == "S"


def _pandas_conversion(s: pd.Series, t: DataType, name: str, convert: Any) -> pd.Series:
    """MLflow's conversion of an object column; a failure refuses the column, as MLflow does."""
    try:
        return convert()
    except (TypeError, ValueError, OverflowError) as exc:
        bad = _first_failing(s, t)
        raise SchemaEnforcementError(
            f"Incompatible input types for column {s.name}. Failed to convert column {s.name} from type {name} to "
            f"{t.name}: {str(exc).splitlines()[0]}.",
            rule=Rule.UNSAFE_CAST, path=str(s.name), expected=t.name, found=name, value=bad,
            fix=f"give the column values that convert to {t.name} (MLflow converts an object column as a whole)",
        ) from None


def _first_failing(s: pd.Series, t: DataType) -> str | None:
    """The first value ``to_numeric`` cannot read (for the message; None when pandas does not say)."""
    if t is not DataType.double:
        return None
    try:
        coerced = pd.to_numeric(s, errors="coerce")
    except (TypeError, ValueError):
        return None
    bad = s[coerced.isna() & s.notna()]
    return None if bad.empty else repr(bad.iloc[0])
