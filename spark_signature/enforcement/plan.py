"""Driver side: signature x input (Arrow) schema -> an enforcement plan; no data is touched.

Everything the schema alone decides is decided here: column matching (by name, or by position for
unnamed schemas), missing required vs optional columns, extra columns, and every type conversion (through
:mod:`spark_signature.rules`). What is left for the batch kernels is only what depends on values: nulls,
0/1 values, tensor shapes, nested elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from spark_signature.errors import Rule, SchemaEnforcementError
from spark_signature.rules import (
    Compat,
    Conversion,
    Decision,
    Found,
    classify,
    decide,
    describe_expected,
)
from spark_signature.types import AnyType, Array, ColSpec, DataType, Map, Object, Schema, TensorSpec


@dataclass
class Node:
    """One position in the declared type tree, matched against the found Arrow type."""

    spec: object
    arrow_type: pa.DataType
    found: Found


@dataclass
class ScalarNode(Node):
    conversion: Conversion = field(default_factory=lambda: Conversion(Decision.ACCEPT))


@dataclass
class AnyNode(Node):
    pass


@dataclass
class ListNode(Node):
    element: Node | None = None


@dataclass
class FieldPlan:
    name: str
    required: bool
    node: Node | None  # None: an optional property absent from the found struct
    index: int | None  # position in the found struct


@dataclass
class StructNode(Node):
    fields: list[FieldPlan] = field(default_factory=list)


@dataclass
class MapNode(Node):
    value: Node | None = None


@dataclass
class TensorNode(Node):
    """A TensorSpec on a (nested) list column: exact dtype, fixed dims checked per row."""

    dims: tuple[int, ...] = ()  # dims after the batch axis; -1 = variable


@dataclass
class VectorNode(Node):
    """A ``pyspark.ml`` vector column (Arrow: its UDT struct) against ``Array(double)``/``SparkMLVector``.

    Elements of an ML vector are never null, so only the column's own nulls are checked; the valid
    output converts it with ``vector_to_array``.
    """


@dataclass
class ColumnPlan:
    name: str  # the signature's name (or positional index as str)
    source: str  # the input column it reads
    required: bool
    node: Node

    @property
    def expected(self) -> str:
        return describe_expected(self.node.spec, self.required)


@dataclass
class Plan:
    columns: list[ColumnPlan]
    missing_optional: list[str]
    extras: list[str]
    compat: Compat
    warnings: list[str] = field(default_factory=list)

    def rules_by_column(self) -> list[tuple[str, Rule]]:
        """Every (column, rule) pair a batch can report: the keys of the per-column counts."""
        pairs: list[tuple[str, Rule]] = []
        for col in self.columns:
            for rule in _possible_rules(col.node):
                pairs.append((col.name, rule))
        return pairs


def _possible_rules(node: Node | None) -> list[Rule]:
    rules = [Rule.NULL_IN_REQUIRED]
    if isinstance(node, ScalarNode) and node.conversion.decision is Decision.VALUE_CHECK:
        rules.append(Rule.UNSAFE_CAST)
    if isinstance(node, TensorNode):
        rules.append(Rule.SHAPE_MISMATCH)
    children: list[Node | None] = []
    if isinstance(node, ListNode):
        children = [node.element]
    elif isinstance(node, MapNode):
        children = [node.value]
    elif isinstance(node, StructNode):
        children = [f.node for f in node.fields]
    for child in children:
        rules.extend(r for r in _possible_rules(child) if r not in rules)
    return rules


class _Problems:
    """Static refusals, collected so that one error lists them all."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Rule, str, str, str]] = []

    def add(self, path: str, rule: Rule, expected: str, found: str, fix: str) -> None:
        self.items.append((path, rule, expected, found, fix))


def _arrow_name(t: pa.DataType) -> str:
    return str(t)


def _tensor_found(dtype: np.dtype) -> Found | None:
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


def _plan_node(
    spec: object, arrow_type: pa.DataType, path: str, problems: _Problems, *, spark: bool, warnings: list[str]
) -> Node | None:
    found = classify(arrow_type, spark=spark)
    if isinstance(spec, AnyType):
        return AnyNode(spec, arrow_type, found)
    if isinstance(spec, DataType):
        conversion = decide(found, spec)
        if not conversion.accepted:
            fix = conversion.hint or (
                f"cast the column to {spec.name} in Spark if that is lossless for your data, "
                "or change the signature"
            )
            problems.add(
                path,
                Rule.UNSAFE_CAST if found not in (Found.LIST, Found.STRUCT, Found.MAP) else Rule.WRONG_TYPE,
                spec.name,
                _arrow_name(arrow_type),
                fix,
            )
            return None
        if found is Found.DECIMAL and getattr(arrow_type, "precision", 0) > 15:
            warnings.append(
                f"{path}: {arrow_type} converted to double may lose precision beyond 15 significant digits"
            )
        return ScalarNode(spec, arrow_type, found, conversion)
    if isinstance(spec, Array):  # SparkMLVector is an Array(double) too
        if found is not Found.LIST:
            problems.add(path, Rule.WRONG_TYPE, repr(spec), _arrow_name(arrow_type), "provide an array column")
            return None
        element = _plan_node(spec.dtype, arrow_type.value_type, f"{path}[]", problems, spark=spark,
                             warnings=warnings)
        return ListNode(spec, arrow_type, found, element)
    if isinstance(spec, Map):
        if found is not Found.MAP:
            problems.add(path, Rule.WRONG_TYPE, repr(spec), _arrow_name(arrow_type), "provide a map column")
            return None
        key_found = classify(arrow_type.key_type, spark=spark)
        if key_found is not Found.STRING:
            problems.add(path, Rule.BAD_MAP_KEY, "string keys", _arrow_name(arrow_type.key_type),
                         "cast the map keys to string")
            return None
        value = _plan_node(spec.value_type, arrow_type.item_type, f"{path}[]", problems, spark=spark,
                           warnings=warnings)
        return MapNode(spec, arrow_type, found, value)
    if isinstance(spec, Object):
        if found is not Found.STRUCT:
            problems.add(path, Rule.WRONG_TYPE, repr(spec), _arrow_name(arrow_type), "provide a struct column")
            return None
        by_name = {arrow_type.field(i).name: i for i in range(arrow_type.num_fields)}
        declared = {p.name for p in spec.properties}
        extra = [n for n in by_name if n not in declared]
        if extra:
            problems.add(path, Rule.EXTRA_PROPERTY, repr(spec), f"extra fields {extra}",
                         "drop the fields (e.g. Column.dropFields) or declare them in the signature")
        fields: list[FieldPlan] = []
        for prop in spec.properties:
            idx = by_name.get(prop.name)
            if idx is None:
                if prop.required:
                    problems.add(f"{path}.{prop.name}", Rule.MISSING_PROPERTY, describe_expected(prop.dtype, True),
                                 "absent", "add the field to the struct or mark the property optional")
                fields.append(FieldPlan(prop.name, bool(prop.required), None, None))
                continue
            child = _plan_node(prop.dtype, arrow_type.field(idx).type, f"{path}.{prop.name}", problems,
                               spark=spark, warnings=warnings)
            fields.append(FieldPlan(prop.name, bool(prop.required), child, idx))
        return StructNode(spec, arrow_type, found, fields)
    problems.add(path, Rule.WRONG_TYPE, repr(spec), _arrow_name(arrow_type), "unsupported signature type")
    return None


def _plan_vector(spec: ColSpec, arrow_type: pa.DataType, path: str, problems: _Problems) -> Node | None:
    if isinstance(spec.type, Array) and spec.type.dtype == DataType.double:
        return VectorNode(spec.type, arrow_type, Found.STRUCT)
    problems.add(path, Rule.WRONG_TYPE, repr(spec.type), "pyspark.ml vector",
                 "declare the column as Array(double) (or SparkMLVector), or convert it with vector_to_array")
    return None


def _plan_tensor(spec: TensorSpec, arrow_type: pa.DataType, path: str, problems: _Problems,
                 *, spark: bool) -> Node | None:
    dims = tuple(int(d) for d in spec.shape[1:]) if len(spec.shape) else ()
    expected = f"tensor {spec.type} {list(spec.shape)}"
    t = arrow_type
    for _ in dims:
        if classify(t) is not Found.LIST:
            problems.add(path, Rule.SHAPE_MISMATCH, expected, _arrow_name(arrow_type),
                         f"provide {len(dims)} levels of nested arrays")
            return None
        t = t.value_type
    want = _tensor_found(np.dtype(spec.type))
    if want is not None and classify(t, spark=spark) is not want:
        problems.add(path, Rule.DTYPE_MISMATCH, expected, _arrow_name(arrow_type),
                     f"cast the elements to {spec.type} (tensor dtypes are never converted)")
        return None
    return TensorNode(spec, arrow_type, classify(arrow_type, spark=spark), dims)


def build_plan(
    schema: Schema,
    arrow_schema: pa.Schema,
    *,
    compat: Compat | str = Compat.STRICT,
    spark: bool = False,
    vectors: frozenset[str] = frozenset(),
) -> Plan:
    """Match ``schema`` against the input's Arrow schema; raise one error listing every static refusal."""
    compat = Compat(compat)
    names = list(arrow_schema.names)
    problems = _Problems()
    warnings: list[str] = []
    columns: list[ColumnPlan] = []
    missing_optional: list[str] = []
    specs = list(schema.inputs)
    if schema.has_input_names():
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise SchemaEnforcementError(
                f"The input has duplicate column names {dup}; column names must be unique to match a "
                "signature. Rename or drop the duplicates.",
                rule=Rule.WRONG_TYPE, path=str(dup[0]), expected="unique column names", found=str(dup),
            )
        declared = [str(s.name) for s in specs]
        extras = [n for n in names if n not in declared]
        missing = [str(s.name) for s in specs if str(s.name) not in names and _required(s)]
        if missing:
            note = f" Note that there were extra inputs: {extras}." if extras else ""
            raise SchemaEnforcementError(
                f"Model is missing inputs {missing}.{note} The signature requires them; add the columns "
                "(or mark them optional in the signature).",
                rule=Rule.MISSING_COLUMN, path=missing[0], expected=f"columns {missing}", found=f"columns {names}",
            )
        pairs = []
        for s in specs:
            if str(s.name) in names:
                pairs.append((s, str(s.name), str(s.name)))
            else:
                missing_optional.append(str(s.name))
    else:
        if len(names) < len(specs):
            raise SchemaEnforcementError(
                f"Model inference is missing inputs. The model signature declares {len(specs)} inputs but the "
                f"provided value only has {len(names)} inputs. Note: the inputs were not named in the "
                "signature so we can only verify their count. Provide the columns in signature order.",
                rule=Rule.COLUMN_COUNT, path="*", expected=f"{len(specs)} columns", found=f"{len(names)} columns",
            )
        pairs = [(s, names[i], str(i)) for i, s in enumerate(specs)]
        extras = names[len(specs):]
    for spec, source, name in pairs:
        arrow_type = arrow_schema.field(source).type
        if isinstance(spec, TensorSpec):
            node = _plan_tensor(spec, arrow_type, name, problems, spark=spark)
        elif source in vectors:
            node = _plan_vector(spec, arrow_type, name, problems)
        else:
            node = _plan_node(spec.type, arrow_type, name, problems, spark=spark, warnings=warnings)
        if node is not None:
            columns.append(ColumnPlan(name, source, _required(spec), node))
    if problems.items:
        lines = [
            f"- column '{p}': expected {e}, found {f} ({r.value}). Fix: {fix.rstrip('.')}."
            for p, r, e, f, fix in problems.items
        ]
        first = problems.items[0]
        raise SchemaEnforcementError(
            "The input's types do not satisfy the signature (decided from the schema, no data read):\n"
            + "\n".join(lines),
            rule=first[1], path=first[0], expected=first[2], found=first[3],
        )
    return Plan(columns, missing_optional, extras, compat, warnings)


def _required(spec: ColSpec | TensorSpec) -> bool:
    if isinstance(spec, TensorSpec):
        return True
    return spec.required is not False
