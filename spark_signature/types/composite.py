"""Nested signature types: Array, Object (of Property), Map, AnyType and SparkMLVector.

They follow MLflow's constructors, equality, repr, JSON and ``_merge`` (used by inference). Their JSON
is parsed by :func:`parse_type`, which reports malformed documents with a JSON path instead of the
raw errors MLflow lets through.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from copy import deepcopy
from typing import Any

import numpy as np

from spark_signature.errors import InferenceError, SchemaDefinitionError
from spark_signature.types._format import child, describe, expect_dict, format_error, require_key
from spark_signature.types.datatype import DATA_TYPE_NAMES, DataType

ARRAY_TYPE = "array"
OBJECT_TYPE = "object"
MAP_TYPE = "map"
ANY_TYPE = "any"
SPARKML_VECTOR_TYPE = "sparkml_vector"
COMPOSITE_TYPE_NAMES = (ARRAY_TYPE, OBJECT_TYPE, MAP_TYPE, SPARKML_VECTOR_TYPE, ANY_TYPE)

_EXPECTED_TYPE = "Expected DataType, Array, Object, Map, AnyType or str for the '{arg}' argument, but got {got}"


def resolve_dtype(value: Any, arg: str, unsupported_label: str = "type") -> Any:
    """A DataType for a type name string, else ``value`` itself if it is a signature type.

    Why one helper: Array, Map, Property and ColSpec accept the same spellings and give the same
    errors (MLflow's texts).
    """
    if isinstance(value, str):
        try:
            return DataType[value]
        except KeyError:
            raise SchemaDefinitionError(
                f"Unsupported {unsupported_label} '{value}', expected instance of DataType, Array, "
                f"Object, Map or one of {list(DATA_TYPE_NAMES)}",
                found=value,
            ) from None
    if not isinstance(value, (DataType, Array, Object, Map, AnyType)):
        raise SchemaDefinitionError(_EXPECTED_TYPE.format(arg=arg, got=value), found=value)
    return value


def check_required_flag(value: Any, what: str, allow_none: bool = False) -> bool | None:
    """``required`` must be a bool (numpy bools are normalised); None only for legacy ColSpecs."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise SchemaDefinitionError(
        f"Expected `required` of {what} to be a bool, got {type(value).__name__} {value!r}",
        found=value,
        hint="Pass required=True or required=False.",
    )


def type_to_dict(dtype: Any) -> dict[str, Any]:
    """The JSON dict of any signature type: ``{"type": name}`` for a DataType."""
    return {"type": dtype.name} if isinstance(dtype, DataType) else dtype.to_dict()


class BaseType(ABC):
    """Common interface of the nested types (equality, repr, JSON dict, merge)."""

    @abstractmethod
    def __eq__(self, other: object) -> bool: ...

    @abstractmethod
    def __repr__(self) -> str: ...

    @abstractmethod
    def to_dict(self) -> dict[str, Any]: ...

    @abstractmethod
    def _merge(self, other: Any) -> Any: ...


class Property(BaseType):
    """One named field of an Object; ``required`` defaults to True as in MLflow."""

    def __init__(self, name: str, dtype: Any, required: bool = True) -> None:
        if not isinstance(name, str):
            raise SchemaDefinitionError(f"Expected name to be a string, got type {type(name).__name__}")
        self._name = name
        self._dtype = resolve_dtype(dtype, "dtype")
        self._required = check_required_flag(required, f"property '{name}'")

    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> Any:
        return self._dtype

    @property
    def required(self) -> bool:
        return self._required

    @required.setter
    def required(self, value: bool) -> None:
        self._required = check_required_flag(value, f"property '{self._name}'")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Property):
            return self.name == other.name and self.dtype == other.dtype and self.required == other.required
        return False

    def __lt__(self, other: Property) -> bool:
        return self.name < other.name

    def __repr__(self) -> str:
        return f"{self.name}: {self.dtype!r} ({'required' if self.required else 'optional'})"

    def to_dict(self) -> dict[str, Any]:
        body = type_to_dict(self.dtype)
        body["required"] = self.required
        return {self.name: body}

    @classmethod
    def from_json_dict(cls, **kwargs: Any) -> Property:
        """Parse ``{name: {"type": ..., "required": bool}}`` (one key)."""
        if len(kwargs) != 1:
            raise format_error("", f"expected Property JSON to contain a single key as name, got {len(kwargs)} keys")
        ((name, body),) = kwargs.items()
        return parse_property(name, body, name)

    def _merge(self, other: Any) -> Property:
        if isinstance(other, AnyType):
            return Property(self.name, self.dtype, required=False)
        if not isinstance(other, Property):
            raise InferenceError(f"Can't merge property with non-property type: {type(other).__name__}")
        if self.name != other.name:
            raise InferenceError("Can't merge properties with different names")
        required = self.required and other.required
        if isinstance(self.dtype, DataType):
            if self.dtype == other.dtype or isinstance(other.dtype, AnyType):
                return Property(self.name, self.dtype, required=required)
            raise InferenceError(f"Properties are incompatible for {self.dtype} and {other.dtype}")
        return Property(self.name, self.dtype._merge(other.dtype), required=required)


class Object(BaseType):
    """A JSON object with a fixed, non-empty set of properties, kept sorted by name."""

    def __init__(self, properties: list[Property]) -> None:
        self._properties = self._checked(properties)

    @staticmethod
    def _checked(properties: Any) -> list[Property]:
        if not isinstance(properties, list):
            raise SchemaDefinitionError(f"Expected properties to be a list, got type {type(properties).__name__}")
        if not properties:
            raise SchemaDefinitionError("Creating Object with empty properties is not allowed.")
        if not all(isinstance(p, Property) for p in properties):
            raise SchemaDefinitionError("Expected values to be instance of Property")
        names = [p.name for p in properties]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise SchemaDefinitionError(f"Found duplicated property names: `{', '.join(duplicates)}`")
        return sorted(properties, key=lambda p: p.name)

    @property
    def properties(self) -> list[Property]:
        return self._properties

    @properties.setter
    def properties(self, value: list[Property]) -> None:
        self._properties = self._checked(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Object) and self.properties == other.properties

    def __repr__(self) -> str:
        return "{" + ", ".join(map(repr, self.properties)) + "}"

    def to_dict(self) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for prop in self.properties:
            props.update(prop.to_dict())
        return {"type": OBJECT_TYPE, "properties": props}

    @classmethod
    def from_json_dict(cls, **kwargs: Any) -> Object:
        return _expect_instance(parse_type(kwargs, ""), cls, OBJECT_TYPE)

    def _merge(self, other: Any) -> Object:
        if isinstance(other, AnyType):
            return Object([Property(p.name, p.dtype, required=False) for p in self.properties])
        if not isinstance(other, Object):
            raise InferenceError(f"Can't merge object with non-object type: {type(other).__name__}")
        if self == other:
            return deepcopy(self)
        mine = {p.name: p for p in self.properties}
        theirs = {p.name: p for p in other.properties}
        merged = [
            mine[name]._merge(theirs[name])
            if name in mine and name in theirs
            else Property(name, (mine.get(name) or theirs[name]).dtype, required=False)
            for name in mine.keys() | theirs.keys()
        ]
        return Object(merged)


class Array(BaseType):
    """A list whose elements all have ``dtype``."""

    def __init__(self, dtype: Any) -> None:
        self._dtype = resolve_dtype(dtype, "dtype")

    @property
    def dtype(self) -> Any:
        return self._dtype

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Array) and self.dtype == other.dtype

    def __repr__(self) -> str:
        return f"Array({self.dtype!r})"

    def to_dict(self) -> dict[str, Any]:
        return {"type": ARRAY_TYPE, "items": type_to_dict(self.dtype)}

    @classmethod
    def from_json_dict(cls, **kwargs: Any) -> Array:
        return _expect_instance(parse_type(kwargs, ""), cls, ARRAY_TYPE)

    def _merge(self, other: Any) -> Array:
        if isinstance(other, AnyType) or self == other:
            return deepcopy(self)
        if not isinstance(other, Array):
            raise InferenceError(f"Can't merge array with non-array type: {type(other).__name__}")
        if isinstance(self.dtype, DataType):
            if self.dtype == other.dtype or isinstance(other.dtype, AnyType):
                return Array(self.dtype)
            raise InferenceError(
                f"Array types are incompatible for {self} with dtype={self.dtype} and {other} with dtype={other.dtype}"
            )
        return Array(self.dtype._merge(other.dtype))


class SparkMLVector(Array):
    """A Spark ML ``VectorUDT`` column: an Array(double) that is equal only to itself."""

    def __init__(self) -> None:
        super().__init__(DataType.double)

    def to_dict(self) -> dict[str, Any]:
        return {"type": SPARKML_VECTOR_TYPE}

    @classmethod
    def from_json_dict(cls, **kwargs: Any) -> SparkMLVector:
        return SparkMLVector()

    def __repr__(self) -> str:
        return "SparkML vector"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SparkMLVector)

    def _merge(self, other: Any) -> SparkMLVector:
        if isinstance(other, SparkMLVector):
            return SparkMLVector()
        raise InferenceError("SparkML vector type can't be merged with another Array type.")


class Map(BaseType):
    """A JSON object with arbitrary string keys and values of ``value_type``."""

    def __init__(self, value_type: Any) -> None:
        self._value_type = resolve_dtype(value_type, "value_type", unsupported_label="value type")

    @property
    def value_type(self) -> Any:
        return self._value_type

    def __repr__(self) -> str:
        # MLflow formats the value type with str(), hence "Map(str -> DataType.long)".
        return f"Map(str -> {self._value_type})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Map) and self.value_type == other.value_type

    def to_dict(self) -> dict[str, Any]:
        return {"type": MAP_TYPE, "values": type_to_dict(self.value_type)}

    @classmethod
    def from_json_dict(cls, **kwargs: Any) -> Map:
        return _expect_instance(parse_type(kwargs, ""), cls, MAP_TYPE)

    def _merge(self, other: Any) -> Map:
        if isinstance(other, AnyType) or self == other:
            return deepcopy(self)
        if not isinstance(other, Map):
            raise InferenceError(f"Can't merge map with non-map type: {type(other).__name__}")
        if isinstance(self.value_type, DataType):
            if self.value_type == other.value_type or isinstance(other.value_type, AnyType):
                return Map(self.value_type)
            raise InferenceError(
                f"Map types are incompatible for {self} with value_type={self.value_type} and "
                f"{other} with value_type={other.value_type}"
            )
        return Map(self.value_type._merge(other.value_type))


class AnyType(BaseType):
    """Anything, None included; no validation at all (as in MLflow)."""

    def __repr__(self) -> str:
        return "Any"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnyType)

    def to_dict(self) -> dict[str, Any]:
        return {"type": ANY_TYPE}

    def _merge(self, other: Any) -> Any:
        if self == other:
            return AnyType()
        if isinstance(other, DataType):
            return other
        if not isinstance(other, BaseType):
            raise InferenceError(f"Can't merge AnyType with {type(other).__name__}, it must be a BaseType or DataType")
        return other._merge(self)


SignatureType = DataType | Array | Object | Map | AnyType


def _expect_instance(value: Any, cls: type, name: str) -> Any:
    if not isinstance(value, cls):
        raise format_error("type", f"expected type '{name}', got {type_to_dict(value)['type']!r}")
    return value


def parse_type(body: Any, path: str) -> Any:
    """Parse a type JSON dict (``{"type": ..., items|properties|values}``) found at ``path``.

    Extra keys are ignored, as MLflow ignores them for nested types. Deviation (documented): a
    ``sparkml_vector`` as a Map value or Object property keeps its container, where MLflow drops it.
    """
    body = expect_dict(body, path, "a type definition")
    name = require_key(body, "type", path, "type definition")
    if name == ARRAY_TYPE:
        items = expect_dict(
            require_key(body, "items", path, "array type"), child(path, "items"), "the array's item type"
        )
        return Array(parse_type(items, child(path, "items")))
    if name == MAP_TYPE:
        values = expect_dict(
            require_key(body, "values", path, "map type"), child(path, "values"), "the map's value type"
        )
        return Map(parse_type(values, child(path, "values")))
    if name == OBJECT_TYPE:
        return _parse_object(body, path)
    if name == ANY_TYPE:
        return AnyType()
    if name == SPARKML_VECTOR_TYPE:
        return SparkMLVector()
    if isinstance(name, str) and name in DATA_TYPE_NAMES:
        return DataType[name]
    raise format_error(
        child(path, "type"),
        f"unknown type {describe(name)}; expected one of "
        f"{[*DATA_TYPE_NAMES, ARRAY_TYPE, OBJECT_TYPE, MAP_TYPE, ANY_TYPE, SPARKML_VECTOR_TYPE]}",
        fix="Use one of the listed type names (they are case-sensitive).",
        found=name,
    )


def _parse_object(body: dict[str, Any], path: str) -> Object:
    props_path = child(path, "properties")
    props = expect_dict(require_key(body, "properties", path, "object type"), props_path, "the object's properties")
    if not props:
        raise format_error(
            props_path,
            "Creating Object with empty properties is not allowed.",
            fix='Declare at least one property, or use {"type": "any"} / a map type.',
        )
    return Object([parse_property(name, prop, child(props_path, name)) for name, prop in props.items()])


def parse_property(name: str, body: Any, path: str) -> Property:
    """Parse one property body ``{"type": ..., "required": bool}``; ``required`` defaults to True."""
    body = expect_dict(body, path, f"the definition of property '{name}'")
    required = body.get("required", True)
    if not isinstance(required, bool):
        raise format_error(
            child(path, "required"),
            f"expected true or false, got {describe(required)}",
            fix='Write "required": true or "required": false (JSON booleans, not strings).',
            found=required,
        )
    return Property(name, parse_type(body, path), required=required)
