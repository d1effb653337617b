"""Inference params: ParamSpec, ParamSchema and the one-value check/convert rule (MLflow's).

A param value is validated *and converted to a python built-in* (``np.int64`` -> ``int``, ``1`` ->
``1.0`` for double, ``"2020-01-01"`` -> ``date``). Only these widenings exist: long <- integer;
float <- integer/long; double <- integer/long/float. Defaults go through the same rule when a
ParamSpec is built, so a stored default is always already converted.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np

from spark_signature.errors import ParamsValidationError, Rule, SchemaDefinitionError, SignatureError
from spark_signature.types._format import (
    child,
    describe,
    expect_dict,
    expect_list,
    format_error,
    loads,
    rewrap,
)
from spark_signature.types._object_values import ObjectValueError, check_object_value
from spark_signature.types.composite import OBJECT_TYPE, Object, parse_type
from spark_signature.types.datatype import DataType

VECTOR_SHAPE = (-1,)
_WIDENINGS: dict[DataType, tuple[DataType, ...]] = {
    DataType.long: (DataType.integer,),
    DataType.float: (DataType.integer, DataType.long),
    DataType.double: (DataType.integer, DataType.long, DataType.float),
}
_PARAM_TYPE_NAMES = [t.name for t in DataType if t is not DataType.binary]


class _Refused(Exception):
    """Internal: one value failed; the message is MLflow's inner text."""


def _scalar(value: Any, dtype: DataType | Object) -> Any:
    """One scalar (or list element) converted to its python type; None passes through."""
    if value is None:
        return None
    if dtype is DataType.datetime:
        return _datetime(value)
    if not np.isscalar(value):
        raise _Refused(f"Value must be a scalar for type `{dtype}`, got `{value}`")
    if isinstance(dtype, Object):
        raise _Refused(f"Value must be a dictionary for type `{dtype!r}`, got `{value}`")
    allowed = (dtype, *_WIDENINGS.get(dtype, ()))
    if any(DataType.check_type(t, value) for t in allowed):
        try:
            return dtype.to_python()(value)
        except (TypeError, ValueError, OverflowError) as exc:
            raise _Refused(f"Failed to convert value `{value}` from type `{type(value)}` to `{dtype}`") from exc
    raise _Refused(f"Can not safely convert `{type(value)}` to `{dtype}` for value `{value}`")


def _datetime(value: Any) -> Any:
    """Anything ``np.datetime64`` parses at a unit coarser than ns: ISO strings, dates, datetimes."""
    try:
        converted = np.datetime64(value).item()
    except Exception as exc:  # numpy raises ValueError or TypeError depending on the input
        raise _Refused(f"Failed to convert value `{value}` from type `{type(value)}` to `{DataType.datetime}`") from exc
    if isinstance(converted, int):
        raise _Refused(
            f"Failed to convert value to `{DataType.datetime}`. "
            f"It must be convertible to datetime.date/datetime, got `{value}`"
        )
    return converted


def _ndim(value: Any) -> int | None:
    """``np.array(value).ndim``, or None for ragged input numpy refuses to shape."""
    try:
        return int(np.array(value).ndim)
    except (ValueError, TypeError):
        return None


def _convert(value: Any, dtype: DataType | Object, shape: tuple[int, ...] | None, label: str) -> Any:
    """Validate and convert; raise _Refused with MLflow's full message (``label`` names the spec)."""
    if shape == VECTOR_SHAPE:
        ndim = _ndim(value)
        if not isinstance(value, (list, np.ndarray)) or ndim != 1:
            shown = "ragged" if ndim is None else ndim
            raise _Refused(
                f"Value must be a 1D array with shape (-1,) for param {label}, "
                f"received {type(value).__name__} with ndim {shown}"
            )
    if shape is not None and shape != VECTOR_SHAPE:
        raise _Refused(
            "Shape must be None for scalar or dictionary value, or (-1,) for 1D array value "
            f"for ParamSpec {label}, received {shape}"
        )
    try:
        if shape == VECTOR_SHAPE:
            return [_scalar(v, dtype) for v in value]
        if isinstance(dtype, Object):
            check_object_value(value, dtype)
            return value  # MLflow returns the original value of an Object param, unconverted
        return _scalar(value, dtype)
    except (_Refused, ObjectValueError) as exc:
        raise _Refused(f"Failed to validate type and shape for {label}, error: {exc}") from exc


def _label(name: str, dtype: Any, shape: tuple[int, ...] | None) -> str:
    return f"{name!r}: {dtype!r}" + (f" (shape: {shape})" if shape is not None else "")


def convert_param_value(name: str, value: Any, dtype: DataType | Object, shape: tuple[int, ...] | None = None) -> Any:
    """Validate one param value and return it converted to a python built-in (MLflow's rules).

    ``None`` is accepted for scalar DataType params; shape ``(-1,)`` needs a 1-D list/ndarray and
    gives a python list; an Object value is checked and returned unchanged. Raises
    :class:`ParamsValidationError` (rule ``invalid_param``, ``path`` = the param name).
    """
    shape = None if shape is None else tuple(shape)
    try:
        return _convert(value, dtype, shape, _label(str(name), dtype, shape))
    except _Refused as exc:
        raise ParamsValidationError(
            str(exc),
            rule=Rule.INVALID_PARAM,
            path=str(name),
            expected=_label(str(name), dtype, shape),
            found=value,
        ) from None


def _same_default(a: Any, b: Any) -> bool:
    """Default equality where NaN equals NaN (a spec loaded twice must compare equal)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_default(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # e.g. ndarrays inside an Object default
        return a is b


def _numpy_to_json(value: Any) -> Any:
    """``json.dumps`` fallback for numpy scalars/arrays inside Object defaults."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return _numpy_to_json(value.item()) if isinstance(value, np.datetime64) else value.item()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _iso(value: Any) -> Any:
    return None if value is None else value.isoformat()


class ParamSpec:
    """One inference param: name, type (DataType except binary, or Object), converted default, shape."""

    def __init__(self, name: str, dtype: DataType | Object | str, default: Any, shape: Any = None) -> None:
        self._name = str(name)
        try:
            self._shape = None if shape is None else tuple(shape)
        except TypeError as exc:
            raise SchemaDefinitionError(
                f"Shape of ParamSpec {self._name!r} must be None or (-1,), got {shape!r}"
            ) from exc
        if isinstance(dtype, str):
            try:
                dtype = DataType[dtype]
            except KeyError:
                raise SchemaDefinitionError(
                    f"Unsupported type '{dtype}', expected instance of DataType or one of {_PARAM_TYPE_NAMES}",
                    found=dtype,
                ) from None
        if not isinstance(dtype, (DataType, Object)):
            raise SchemaDefinitionError(f"'dtype' must be DataType, Object or str, got {dtype}", found=dtype)
        if dtype is DataType.binary:
            raise SchemaDefinitionError(
                f"Binary type is not supported for parameters, ParamSpec '{self._name}' has dtype 'binary'"
            )
        self._dtype = dtype
        self._default = default  # so that repr(self) works in the message below
        try:
            self._default = _convert(default, dtype, self._shape, repr(self))
        except _Refused as exc:
            raise SchemaDefinitionError(str(exc), rule=Rule.INVALID_PARAM, path=self._name, found=default) from None

    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> DataType | Object:
        return self._dtype

    @property
    def default(self) -> Any:
        return self._default

    @property
    def shape(self) -> tuple[int, ...] | None:
        return self._shape

    @classmethod
    def validate_type_and_shape(
        cls, spec: str, value: Any, value_type: DataType | Object, shape: tuple[int, ...] | None
    ) -> Any:
        """``value`` converted, or ParamsValidationError whose message names ``spec``."""
        try:
            return _convert(value, value_type, None if shape is None else tuple(shape), spec)
        except _Refused as exc:
            raise ParamsValidationError(str(exc), rule=Rule.INVALID_PARAM, found=value) from None

    @classmethod
    def validate_param_spec(cls, value: Any, param_spec: ParamSpec) -> Any:
        """``value`` converted for ``param_spec``, or ParamsValidationError (path = param name)."""
        try:
            return _convert(value, param_spec.dtype, param_spec.shape, repr(param_spec))
        except _Refused as exc:
            raise ParamsValidationError(str(exc), rule=Rule.INVALID_PARAM, path=param_spec.name, found=value) from None

    def to_dict(self) -> dict[str, Any]:
        """Keys in MLflow's order: name, default, shape, type (+ properties); datetimes as ISO text."""
        default = self.default
        if self.dtype is DataType.datetime:
            default = [_iso(v) for v in default] if self.shape == VECTOR_SHAPE else _iso(default)
        body: dict[str, Any] = {"name": self.name, "default": default, "shape": self.shape}
        body.update({"type": self.dtype.name} if isinstance(self.dtype, DataType) else self.dtype.to_dict())
        return body

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParamSpec):
            return False
        return (
            self.name == other.name
            and self.dtype == other.dtype
            and _same_default(self.default, other.default)
            and self.shape == other.shape
        )

    def __repr__(self) -> str:
        shape = f" (shape: {self.shape})" if self.shape is not None else ""
        return f"{self.name!r}: {self.dtype!r} (default: {self.default}){shape}"

    @classmethod
    def from_json_dict(cls, **kwargs: Any) -> ParamSpec:
        """Parse ``{"name", "default", "shape"?, "type"|"dtype" (legacy), "properties"?}``."""
        return parse_paramspec(kwargs, "")


class ParamSchema:
    """The list of ParamSpecs of a model; names must be unique, the list may be empty."""

    def __init__(self, params: list[ParamSpec]) -> None:
        if not isinstance(params, list) or not all(isinstance(p, ParamSpec) for p in params):
            raise SchemaDefinitionError("ParamSchema expects a list of ParamSpec")
        names = [p.name for p in params]
        duplicates = [n for i, n in enumerate(names) if n in names[:i]]
        if duplicates:
            raise SchemaDefinitionError(f"Duplicated parameters found in schema: {duplicates}")
        self._params = params

    def __len__(self) -> int:
        return len(self._params)

    def __iter__(self):
        return iter(self._params)

    @property
    def params(self) -> list[ParamSpec]:
        return self._params

    def to_dict(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.params]

    def to_json(self) -> str:
        """MLflow's exact bytes (NaN defaults are written as the ``NaN`` token).

        Deviation: numpy values and dates kept inside an Object default are written as plain JSON
        numbers, lists and ISO strings, where MLflow's ``json.dumps`` raises.
        """
        try:
            return json.dumps(self.to_dict(), default=_numpy_to_json)
        except TypeError as exc:
            raise SchemaDefinitionError(f"A param default cannot be written as JSON: {exc}") from exc

    @classmethod
    def from_json(cls, json_str: str, *, path: str = "params") -> ParamSchema:
        return parse_param_schema(loads(json_str, path), path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParamSchema) and self.params == other.params

    def __repr__(self) -> str:
        return repr(self.params)


def parse_param_schema(items: Any, path: str) -> ParamSchema:
    """A ParamSchema from its parsed JSON list."""
    items = expect_list(items, path, "a list of param specs")
    specs = [parse_paramspec(item, child(path, i)) for i, item in enumerate(items)]
    try:
        return ParamSchema(specs)
    except SignatureError as exc:
        raise rewrap(exc, path) from exc


def parse_paramspec(body: Any, path: str) -> ParamSpec:
    """Parse one param spec; accepts the legacy ``dtype`` key; a missing ``shape`` means scalar."""
    body = expect_dict(body, path, "a param spec")
    missing = [k for k in ("name", "default") if k not in body]
    if "type" not in body and "dtype" not in body:
        missing.append("type")
    if missing:
        raise format_error(
            child(path, missing[0]),
            f"missing key(s) {missing} in a param spec; found keys {sorted(body)}",
            fix="A param spec needs `name`, `type` (or legacy `dtype`) and `default` (null is allowed).",
        )
    type_key = "type" if body.get("type") or "dtype" not in body else "dtype"
    type_name = body[type_key]
    if type_name == OBJECT_TYPE:
        dtype: Any = parse_type({**body, "type": OBJECT_TYPE}, path)
    elif isinstance(type_name, str) and type_name in _PARAM_TYPE_NAMES:
        dtype = DataType[type_name]
    else:
        raise format_error(
            child(path, type_key),
            f"unsupported param type {describe(type_name)}; expected one of {[*_PARAM_TYPE_NAMES, OBJECT_TYPE]}",
            fix="Params cannot be binary or array; use shape [-1] for a list param.",
            found=type_name,
        )
    shape = body.get("shape")
    if shape is not None and (not isinstance(shape, list) or tuple(shape) != VECTOR_SHAPE):
        raise format_error(
            child(path, "shape"),
            f"expected null (scalar) or [-1] (1-D list), got {describe(shape)} {shape!r}",
            found=shape,
        )
    name = body["name"]
    if not isinstance(name, (str, int)) or isinstance(name, bool):
        raise format_error(child(path, "name"), f"expected a string name, got {describe(name)}", found=name)
    try:
        return ParamSpec(name, dtype, body["default"], shape)
    except SignatureError as exc:
        raise rewrap(exc, child(path, "default")) from exc
