"""Driver side: signature x input (Arrow) schema -> an enforcement plan; no data is touched.

Everything the schema alone decides is decided here: column matching (by name, or by position for
unnamed schemas), missing required vs optional columns, extra columns, and every type conversion (through
:mod:`spark_signature.rules`). What is left for the batch kernels is only what depends on values: nulls,
0/1 and exact-decimal values, tensor shapes, nested elements. Paths use :mod:`spark_signature.paths`
(``[]`` / ``{}`` for "any element / map value": a plan speaks of the signature, not of a row).
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from spark_signature import paths
from spark_signature.arrow_types import classify, classify_numpy
from spark_signature.errors import PlanWarning, Rule, SchemaEnforcementError, describe, fix_for
from spark_signature.rules import (
    COMPOSITE_KINDS,
    Compat,
    Conversion,
    Decision,
    Found,
    decide,
    decide_tensor,
    describe_expected,
    null_violation,
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
class NullNode(Node):
    """An all-null column (or field, element) against a composite type: it has no type of its own, so only
    the null policy judges it (``lit(None)`` in Spark, ``[None]`` in pandas). Scalars take the table's
    ``(null, type)`` entry instead."""


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
    """A TensorSpec on a (nested) list column: fixed dims checked per row, elements by
    :func:`~spark_signature.rules.decide_tensor` (the dtype itself, or integers range-checked)."""

    dims: tuple[int, ...] = ()  # dims after the batch axis; -1 = variable
    element_type: pa.DataType | None = None  # the innermost (element) Arrow type found
    element_found: Found | None = None
    conversion: Conversion = field(default_factory=lambda: Conversion(Decision.ACCEPT))


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
        return [(col.name, rule) for col in self.columns
                for rule in possible_rules(col.node, self.compat, col.required)]


def possible_rules(node: Node | None, compat: Compat = Compat.STRICT, required: bool = True,
                   position: str = "column") -> list[Rule]:
    """The rules the kernels can report at ``node`` or below it (``required``/``position`` as the
    kernels pass them down: elements and map values inherit the column's flag, properties have their own)."""
    rules = [Rule.NULL_IN_REQUIRED]
    if node is not None and not isinstance(node, TensorNode):
        verdict = null_violation(node.spec, required, compat, position=position)
        if verdict is not None and verdict.rule not in rules:
            rules.append(verdict.rule)
    if isinstance(node, ScalarNode) and node.conversion.decision is Decision.VALUE_CHECK:
        rules.append(Rule.UNSAFE_CAST)
    if isinstance(node, TensorNode):
        rules.append(Rule.SHAPE_MISMATCH)
        if node.conversion.decision is Decision.VALUE_CHECK:
            rules.append(Rule.UNSAFE_CAST)
    if isinstance(node, StructNode):
        below = [(f.node, f.required, "property") for f in node.fields]
    else:
        below = [(child, required, "map_value" if isinstance(node, MapNode) else "element") for child in children(node)]
    for child, flag, where in below:
        rules.extend(r for r in possible_rules(child, compat, flag, where) if r not in rules)
    return rules


def children(node: Node | None) -> list[Node | None]:
    """The planned child nodes of a composite node (none for scalars, Any, tensors, vectors)."""
    if isinstance(node, ListNode):
        return [node.element]
    if isinstance(node, MapNode):
        return [node.value]
    if isinstance(node, StructNode):
        return [f.node for f in node.fields]
    return []


@dataclass
class _Problem:
    path: str
    rule: Rule
    expected: str
    found: str
    fix: str


class _Planner:
    """Walks the declared types against the found Arrow types, collecting every static refusal."""

    def __init__(self, compat: Compat, spark: bool, found_names: Mapping[str, str]) -> None:
        self.compat = compat
        self.spark = spark
        self.found_names = found_names
        self.problems: list[_Problem] = []
        self.warnings: list[str] = []

    def refuse(self, path: str, rule: Rule, expected: str, arrow_type: pa.DataType | str,
               fix: str | None = None) -> None:
        found = arrow_type if isinstance(arrow_type, str) else self.found_names.get(path, str(arrow_type))
        self.problems.append(_Problem(path, rule, expected, found, fix or fix_for(rule) or ""))

    def node(self, spec: object, arrow_type: pa.DataType, path: str, found: Found | None = None) -> Node | None:
        """The plan of ``spec`` at ``path``; ``found`` overrides the kind read from ``arrow_type`` (the local
        engine's pandas object columns, which Arrow cannot type)."""
        found = found or classify(arrow_type, spark=self.spark)
        if isinstance(spec, AnyType):
            return AnyNode(spec, arrow_type, found)
        if isinstance(spec, DataType):
            return self._scalar(spec, arrow_type, found, path)
        if found is Found.NULL:
            return NullNode(spec, arrow_type, found)
        if isinstance(spec, Array):  # SparkMLVector is an Array(double) too
            if found is not Found.LIST:
                self.refuse(path, Rule.WRONG_TYPE, repr(spec), arrow_type, "provide an array column")
                return None
            element = self.node(spec.dtype, arrow_type.value_type, paths.any_element(path))
            return ListNode(spec, arrow_type, found, element)
        if isinstance(spec, Map):
            if found is not Found.MAP:
                self.refuse(path, Rule.WRONG_TYPE, repr(spec), arrow_type, "provide a map column")
                return None
            if classify(arrow_type.key_type, spark=self.spark) is not Found.STRING:
                self.refuse(path, Rule.BAD_MAP_KEY, "string keys", str(arrow_type.key_type))
                return None
            value = self.node(spec.value_type, arrow_type.item_type, paths.any_value(path))
            return MapNode(spec, arrow_type, found, value)
        if isinstance(spec, Object):
            return self._struct(spec, arrow_type, found, path)
        self.refuse(path, Rule.WRONG_TYPE, repr(spec), arrow_type, "unsupported signature type")
        return None

    def _scalar(self, spec: DataType, arrow_type: pa.DataType, found: Found, path: str) -> Node | None:
        conversion = decide(found, spec, self.compat)
        if not conversion.accepted:
            rule = Rule.WRONG_TYPE if found in COMPOSITE_KINDS else Rule.UNSAFE_CAST
            self.refuse(path, rule, spec.name, arrow_type, conversion.hint or (
                f"cast the column to {spec.name} in Spark if that is lossless for your data, or change the signature"))
            return None
        if conversion.warning:
            self.warnings.append(f"column '{path}': " + conversion.warning.format(type=arrow_type))
        return ScalarNode(spec, arrow_type, found, conversion)

    def _struct(self, spec: Object, arrow_type: pa.DataType, found: Found, path: str) -> Node | None:
        if found is not Found.STRUCT:
            self.refuse(path, Rule.WRONG_TYPE, repr(spec), arrow_type, "provide a struct column")
            return None
        by_name = {arrow_type.field(i).name: i for i in range(arrow_type.num_fields)}
        declared = {p.name for p in spec.properties}
        extra = [n for n in by_name if n not in declared]
        if extra:
            self.refuse(path, Rule.EXTRA_PROPERTY, repr(spec), f"extra fields {extra}")
        fields: list[FieldPlan] = []
        for prop in spec.properties:
            idx = by_name.get(prop.name)
            if idx is None:
                if prop.required:
                    self.refuse(paths.field(path, prop.name), Rule.MISSING_PROPERTY,
                                describe_expected(prop.dtype, True), "absent")
                fields.append(FieldPlan(prop.name, bool(prop.required), None, None))
                continue
            child = self.node(prop.dtype, arrow_type.field(idx).type, paths.field(path, prop.name))
            fields.append(FieldPlan(prop.name, bool(prop.required), child, idx))
        return StructNode(spec, arrow_type, found, fields)

    def vector(self, spec: ColSpec, arrow_type: pa.DataType, path: str) -> Node | None:
        if isinstance(spec.type, Array) and spec.type.dtype == DataType.double:
            return VectorNode(spec.type, arrow_type, Found.STRUCT)
        self.refuse(path, Rule.WRONG_TYPE, repr(spec.type), "pyspark.ml vector",
                    "declare the column as Array(double) (or SparkMLVector), or convert it with vector_to_array")
        return None

    def tensor(self, spec: TensorSpec, arrow_type: pa.DataType, path: str) -> Node | None:
        dims = tuple(int(d) for d in spec.shape[1:]) if len(spec.shape) else ()
        expected = f"tensor {spec.type} {list(spec.shape)}"
        t = arrow_type
        for _ in dims:
            if classify(t) is not Found.LIST:
                self.refuse(path, Rule.SHAPE_MISMATCH, expected, arrow_type,
                            f"provide {len(dims)} levels of nested arrays")
                return None
            t = t.value_type
        want = classify_numpy(np.dtype(spec.type))
        found = classify(t, spark=self.spark)
        conversion = decide_tensor(found, want, str(spec.type))
        if not conversion.accepted:
            self.refuse(path, Rule.DTYPE_MISMATCH, expected, arrow_type, conversion.hint)
            return None
        return TensorNode(spec, arrow_type, classify(arrow_type, spark=self.spark), dims, t, found, conversion)

    def raise_problems(self) -> None:
        if not self.problems:
            return
        lines = [f"- {describe(p.path, p.path, p.expected, p.found, p.rule)}. Fix: {p.fix.rstrip('.')}."
                 for p in self.problems]
        first = self.problems[0]
        raise SchemaEnforcementError(
            "The input's types do not satisfy the signature (decided from the schema, no data read):\n"
            + "\n".join(lines),
            rule=first.rule, path=first.path, expected=first.expected, found=first.found, fix=first.fix,
        )


def _match_columns(schema: Schema, names: list[str]) -> tuple[list[tuple[ColSpec | TensorSpec, str, str]],
                                                                list[str], list[str]]:
    """(spec, input column, name) pairs, missing optional names and extra input columns; refuses missing
    required columns, duplicates and (unnamed) too few columns."""
    specs = list(schema.inputs)
    if len(set(names)) != len(names):  # both kinds of schema: the engines read columns by name
        dup = sorted({n for n in names if names.count(n) > 1})
        raise SchemaEnforcementError(
            f"The input has duplicate column names {dup}; a signature matches columns by name.",
            rule=Rule.DUPLICATE_COLUMN, path=str(dup[0]), expected="unique column names", found=str(dup),
            fix=fix_for(Rule.DUPLICATE_COLUMN),
        )
    if not schema.has_input_names():
        if len(names) < len(specs):
            raise SchemaEnforcementError(
                f"Model inference is missing inputs. The model signature declares {len(specs)} inputs but the "
                f"provided value only has {len(names)} inputs. Note: the inputs were not named in the "
                "signature so we can only verify their count.",
                rule=Rule.COLUMN_COUNT, path=str(len(names)), expected=f"{len(specs)} columns",
                found=f"{len(names)} columns", fix=fix_for(Rule.COLUMN_COUNT),
            )
        return [(s, names[i], str(i)) for i, s in enumerate(specs)], [], names[len(specs):]
    declared = [str(s.name) for s in specs]
    extras = [n for n in names if n not in declared]
    missing = [str(s.name) for s in specs if str(s.name) not in names and s.required]
    if missing:
        note = f" Note that there were extra inputs: {extras}." if extras else ""
        raise SchemaEnforcementError(
            f"Model is missing inputs {missing}.{note}",
            rule=Rule.MISSING_COLUMN, path=missing[0], expected=f"columns {missing}", found=f"columns {names}",
            fix=fix_for(Rule.MISSING_COLUMN),
        )
    pairs = [(s, str(s.name), str(s.name)) for s in specs if str(s.name) in names]
    missing_optional = [str(s.name) for s in specs if str(s.name) not in names]
    return pairs, missing_optional, extras


def build_plan(
    schema: Schema,
    arrow_schema: pa.Schema,
    *,
    compat: Compat | str = Compat.STRICT,
    spark: bool = False,
    vectors: frozenset[str] = frozenset(),
    found_names: Mapping[str, str] | None = None,
    found_kinds: Mapping[str, Found] | None = None,
) -> Plan:
    """Match ``schema`` against the input's Arrow schema; raise one error listing every static refusal.

    ``found_names`` gives the user's own type names for top-level columns (Spark's ``bigint`` rather
    than Arrow's ``int64``) in messages; ``found_kinds`` the kind of top-level columns whose Arrow type
    does not tell it (:attr:`Found.OBJECT`). Each plan warning is also issued as a :class:`PlanWarning`.
    """
    compat = Compat.parse(compat)
    pairs, missing_optional, extras = _match_columns(schema, list(arrow_schema.names))
    planner = _Planner(compat, spark, found_names or {})
    columns: list[ColumnPlan] = []
    for spec, source, name in pairs:
        arrow_type = arrow_schema.field(source).type
        if isinstance(spec, TensorSpec):
            node = planner.tensor(spec, arrow_type, name)
        elif source in vectors:
            node = planner.vector(spec, arrow_type, name)
        else:
            node = planner.node(spec.type, arrow_type, name, (found_kinds or {}).get(source))
        if node is not None:
            columns.append(ColumnPlan(name, source, spec.required, node))
    planner.raise_problems()
    for message in planner.warnings:
        _warnings.warn(message, PlanWarning, stacklevel=3)
    return Plan(columns, missing_optional, extras, compat, planner.warnings)
