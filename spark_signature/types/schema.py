"""Column and tensor specs and the Schema that holds them, with MLflow's rules and byte-identical JSON.

This module is also the import point for every signature type (``from spark_signature.types.schema
import DataType, Array, ...``), mirroring ``mlflow.types.schema``.

Deviation (docs/deviations.md): a composite ColSpec read from MLflow 2.x JSON without ``required``
keeps the raw ``None`` (so it is written back as ``"required": null``), but counts as **required**:
columns written before ``required`` existed were all required. MLflow counts it as optional.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from spark_signature.errors import SchemaDefinitionError, SignatureError, TypeMappingError
from spark_signature.types._format import (
    child,
    describe,
    expect_dict,
    expect_list,
    format_error,
    loads,
    require_key,
    rewrap,
)
from spark_signature.types.composite import (
    ANY_TYPE,
    ARRAY_TYPE,
    MAP_TYPE,
    OBJECT_TYPE,
    SPARKML_VECTOR_TYPE,
    AnyType,
    Array,
    BaseType,
    Map,
    Object,
    Property,
    SparkMLVector,
    check_required_flag,
    parse_type,
    resolve_dtype,
    type_to_dict,
)
from spark_signature.types.datatype import DataType

__all__ = [
    "ANY_TYPE",
    "ARRAY_TYPE",
    "MAP_TYPE",
    "OBJECT_TYPE",
    "SPARKML_VECTOR_TYPE",
    "AnyType",
    "Array",
    "BaseType",
    "ColSpec",
    "DataType",
    "Map",
    "Object",
    "Property",
    "Schema",
    "SparkMLVector",
    "TensorSpec",
]

TENSOR_TYPE = "tensor"


def generic_dtype(dtype: np.dtype) -> np.dtype:
    """A dtype without size information: ``<U5`` -> ``str``, ``S3`` -> ``bytes`` (what a TensorSpec holds)."""
    if dtype.kind == "U":
        return np.dtype("str")
    if dtype.kind == "S":
        return np.dtype("bytes")
    return dtype


def _check_name(name: Any, what: str) -> str | int | None:
    """Names are str, or int for positional columns inferred from a DataFrame (as MLflow writes them)."""
    if name is None or isinstance(name, str):
        return name
    if isinstance(name, (int, np.integer)) and not isinstance(name, (bool, np.bool_)):
        return int(name)
    raise SchemaDefinitionError(
        f"Expected the name of a {what} to be a str (or an int position), got {type(name).__name__}",
        found=name,
    )


class ColSpec:
    """One column: a type, an optional name, and whether it must be present.

    ``required`` is the effective flag (a legacy ``None`` reads as True); ``raw_required`` is what
    the JSON held and what is written back.
    """

    def __init__(self, type: Any, name: str | None = None, required: bool | None = True) -> None:
        self._name = _check_name(name, "column")
        self._required = check_required_flag(required, f"column {name!r}", allow_none=True)
        self._type = resolve_dtype(type, "type")

    @property
    def type(self) -> Any:
        return self._type

    @property
    def name(self) -> str | None:
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = _check_name(value, "column")

    @property
    def required(self) -> bool:
        """Whether the column must be present; True for a legacy ``None`` (a documented deviation)."""
        return True if self._required is None else self._required

    @property
    def raw_required(self) -> bool | None:
        """The flag as declared or read, None for a legacy composite column without ``required``."""
        return self._required

    def to_dict(self) -> dict[str, Any]:
        body = type_to_dict(self.type)
        if self.name is not None:
            body["name"] = self.name
        body["required"] = self._required
        return body

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ColSpec):
            return False
        return self.name == other.name and self.type == other.type and self._required == other._required

    def __repr__(self) -> str:
        required = "required" if self.required else "optional"
        if self.name is None:
            return f"{self.type!r} ({required})"
        return f"{self.name!r}: {self.type!r} ({required})"

    @classmethod
    def from_json_dict(cls, **kwargs: Any) -> ColSpec:
        """Parse one column JSON dict (MLflow 2.x dicts without ``required`` included)."""
        return parse_colspec(kwargs, "")


class TensorSpec:
    """A named or unnamed tensor: numpy dtype (without size information) and shape (-1 = variable)."""

    def __init__(self, type: np.dtype, shape: tuple[int, ...] | list[int], name: str | None = None) -> None:
        if not isinstance(type, np.dtype):
            raise SchemaDefinitionError(
                f"Expected `dtype` to be instance of `{np.dtype}`, received `{type.__class__}`", found=type
            )
        if type.kind in ("U", "S") and type.itemsize > 0:
            generic = "str" if type.kind == "U" else "bytes"
            raise SchemaDefinitionError(
                "MLflow does not support size information in flexible numpy data types. Use"
                f' np.dtype("{generic}") instead',
                found=type,
            )
        if not isinstance(shape, (tuple, list)):
            raise SchemaDefinitionError(
                f"Expected `shape` to be instance of `{tuple}` or `{list}`, received `{shape.__class__}`",
                found=shape,
            )
        if not all(isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)) for d in shape):
            raise SchemaDefinitionError(f"Expected every dimension of `shape` to be an int, got {shape!r}")
        self._type = type
        self._shape = tuple(int(d) for d in shape)
        self._name = _check_name(name, "tensor")

    @property
    def type(self) -> np.dtype:
        return self._type

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def required(self) -> bool:
        """Tensors are always required."""
        return True

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {} if self.name is None else {"name": self.name}
        body["type"] = TENSOR_TYPE
        body["tensor-spec"] = {"dtype": self.type.name, "shape": self.shape}
        return body

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TensorSpec):
            return False
        return self.name == other.name and self.type == other.type and self.shape == other.shape

    def __repr__(self) -> str:
        info = f"Tensor({self.type.name!r}, {self.shape!r})"
        return info if self.name is None else f"{self.name!r}: {info}"

    @classmethod
    def from_json_dict(cls, **kwargs: Any) -> TensorSpec:
        return parse_tensorspec(kwargs, "")


class Schema:
    """An ordered list of ColSpecs or of TensorSpecs (never both), with MLflow's construction checks.

    Duplicate names are allowed, as in MLflow.
    """

    def __init__(self, inputs: list[ColSpec | TensorSpec]) -> None:
        if not isinstance(inputs, list):
            raise SchemaDefinitionError(f"Inputs of Schema must be a list, got type {type(inputs).__name__}")
        if not inputs:
            raise SchemaDefinitionError("Creating Schema with empty inputs is not allowed.")
        strangers = [type(x).__name__ for x in inputs if not isinstance(x, (ColSpec, TensorSpec))]
        if strangers:
            raise SchemaDefinitionError(f"Schema inputs must be ColSpec or TensorSpec, got {strangers}")
        unnamed = [x.name is None for x in inputs]
        if any(unnamed) and not all(unnamed):
            raise SchemaDefinitionError(
                "Creating Schema with a combination of named and unnamed inputs "
                f"is not allowed. Got input names {[x.name for x in inputs]}"
            )
        tensors = [isinstance(x, TensorSpec) for x in inputs]
        if any(tensors) and not all(tensors):
            raise SchemaDefinitionError(
                "Creating Schema with a combination of {0} and {1} is not supported. "
                "Please choose one of ColSpec or TensorSpec"
            )
        if all(tensors) and len(inputs) > 1 and any(unnamed):
            raise SchemaDefinitionError(
                "Creating Schema with multiple unnamed TensorSpecs is not supported. "
                "Please provide names for each TensorSpec."
            )
        if all(unnamed) and any(isinstance(x, ColSpec) and x.raw_required is False for x in inputs):
            raise SchemaDefinitionError(
                "Creating Schema with unnamed optional inputs is not supported. "
                "Please name all inputs or make all inputs required."
            )
        self._inputs = inputs

    def __len__(self) -> int:
        return len(self._inputs)

    def __iter__(self):
        return iter(self._inputs)

    @property
    def inputs(self) -> list[ColSpec | TensorSpec]:
        return self._inputs

    def is_tensor_spec(self) -> bool:
        return isinstance(self.inputs[0], TensorSpec)

    def input_names(self) -> list[str | int]:
        """Names, with the position standing in for a missing (or ``""``/``0``) name, as in MLflow."""
        return [x.name or i for i, x in enumerate(self.inputs)]

    def required_input_names(self) -> list[str | int]:
        """Required names; a legacy ``required: null`` column counts as required (deviation)."""
        return [x.name or i for i, x in enumerate(self.inputs) if x.required]

    def optional_input_names(self) -> list[str | int]:
        return [x.name or i for i, x in enumerate(self.inputs) if not x.required]

    def has_input_names(self) -> bool:
        return self.inputs[0].name is not None

    def input_types(self) -> list[Any]:
        return [x.type for x in self.inputs]

    def input_types_dict(self) -> dict[str, Any]:
        if not self.has_input_names():
            raise SchemaDefinitionError("Cannot get input types as a dict for schema without names.")
        return {x.name: x.type for x in self.inputs}

    def input_dict(self) -> dict[str, ColSpec | TensorSpec]:
        if not self.has_input_names():
            raise SchemaDefinitionError("Cannot get input dict for schema without names.")
        return {x.name: x for x in self.inputs}

    def numpy_types(self) -> list[np.dtype]:
        if self.is_tensor_spec():
            return [x.type for x in self.inputs]
        if all(isinstance(x.type, DataType) for x in self.inputs):
            return [x.type.to_numpy() for x in self.inputs]
        raise TypeMappingError("Failed to get numpy types as some of the inputs types are not DataType.")

    def pandas_types(self) -> list[Any]:
        if self.is_tensor_spec():
            raise TypeMappingError("TensorSpec only supports numpy types, use numpy_types() instead")
        if all(isinstance(x.type, DataType) for x in self.inputs):
            return [x.type.to_pandas() for x in self.inputs]
        raise TypeMappingError("Failed to get pandas types as some of the inputs types are not DataType.")

    def as_spark_schema(self) -> Any:
        """The Spark type of this schema (see ``spark_signature.spark_types``; imports pyspark)."""
        from spark_signature.spark_types import to_spark_schema

        return to_spark_schema(self)

    def to_dict(self) -> list[dict[str, Any]]:
        return [x.to_dict() for x in self.inputs]

    def to_json(self) -> str:
        """MLflow's exact bytes: ``json.dumps`` with default separators, keys in MLflow's order."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, json_str: str, *, path: str = "schema") -> Schema:
        """Parse a Schema JSON string; errors are SignatureFormatError naming ``path[i]...``."""
        return parse_schema(loads(json_str, path), path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.inputs == other.inputs

    def __repr__(self) -> str:
        return repr(self.inputs)


# --- JSON parsing -----------------------------------------------------------------------------------

_PRIMITIVE_KEYS = {"type", "name", "required"}


def parse_schema(items: Any, path: str) -> Schema:
    """A Schema from its parsed JSON list; ``path`` prefixes every error location."""
    items = expect_list(items, path, "a list of column or tensor specs")
    specs = [
        parse_tensorspec(item, child(path, i))
        if isinstance(item, dict) and item.get("type") == TENSOR_TYPE
        else parse_colspec(item, child(path, i))
        for i, item in enumerate(items)
    ]
    try:
        return Schema(specs)
    except SignatureError as exc:
        raise rewrap(exc, path) from exc


def _parse_name(body: dict[str, Any], path: str) -> str | int | None:
    name = body.get("name")
    if name is None or isinstance(name, str) or (isinstance(name, int) and not isinstance(name, bool)):
        return name
    raise format_error(
        child(path, "name"),
        f"expected a string name, got {describe(name)}",
        fix="Quote the name.",
        found=name,
    )


def parse_colspec(body: Any, path: str) -> ColSpec:
    """Parse a column spec; a composite type without ``required`` keeps None (MLflow 2.x JSON)."""
    body = expect_dict(body, path, "a column spec")
    name = _parse_name(body, path)
    dtype = parse_type(body, path)
    if isinstance(dtype, DataType):
        unknown = sorted(set(body) - _PRIMITIVE_KEYS)
        if unknown:
            raise format_error(
                path,
                f"unknown key(s) {unknown} in a column spec; allowed keys are type, name, required",
                fix='Mark optional columns with "required": false.' if "optional" in unknown else None,
            )
        required = body.get("required", True)
    else:
        required = body.get("required")
    if required is not None and not isinstance(required, bool):
        raise format_error(
            child(path, "required"),
            f"expected true or false, got {describe(required)}",
            fix='Write "required": true or "required": false (JSON booleans, not strings).',
            found=required,
        )
    return ColSpec(dtype, name=name, required=required)


def parse_tensorspec(body: Any, path: str) -> TensorSpec:
    """Parse ``{"name"?, "type": "tensor", "tensor-spec": {"dtype", "shape"}}``."""
    body = expect_dict(body, path, "a tensor spec")
    kind = require_key(body, "type", path, "tensor spec")
    if kind != TENSOR_TYPE:
        raise format_error(child(path, "type"), f"expected 'tensor', got {describe(kind)}")
    spec_path = child(path, "tensor-spec")
    info = expect_dict(require_key(body, "tensor-spec", path, "tensor spec"), spec_path, "the tensor info")
    dtype_name = require_key(info, "dtype", spec_path, "tensor info")
    shape = require_key(info, "shape", spec_path, "tensor info")
    dtype_path = child(spec_path, "dtype")
    if not isinstance(dtype_name, str):
        raise format_error(dtype_path, f"expected a numpy dtype name, got {describe(dtype_name)}")
    try:
        dtype = np.dtype(dtype_name)
    except TypeError as exc:
        raise format_error(
            dtype_path,
            f"unknown numpy dtype {dtype_name!r}",
            fix="Use a numpy dtype name such as 'float32', 'int64', 'str', 'bytes', 'bool', 'object'.",
            found=dtype_name,
        ) from exc
    shape_path = child(spec_path, "shape")
    shape = expect_list(shape, shape_path, "the tensor shape")
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
        raise format_error(shape_path, f"expected a list of integers (-1 = variable), got {shape!r}")
    try:
        return TensorSpec(dtype, shape, _parse_name(body, path))
    except SignatureError as exc:
        raise rewrap(exc, dtype_path) from exc
