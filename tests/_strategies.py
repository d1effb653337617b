"""The one hypothesis strategy module for signature types, the Spark columns that carry them, and their values.

:func:`signature_types` / :func:`named_schemas` draw declared types alone (for the mapping round trips).

A drawn column is a tree of nodes. Each node pairs a declared type (``spec``) with the Spark type that
carries it (``ddl``), which is not always the same type: the strategy draws widening sources (``int`` for
``long``, ``float`` for ``double``, ``date`` for ``datetime``...), bigint for float/double (accepted per
value when 0 or 1), wide decimals for double (accepted per value when the nearest double keeps the
value), maps, ``AnyType`` over any Spark type, and tensors (``TensorSpec`` on nested arrays, fixed and
-1 dimensions).

The test's own oracle lives here too, written from MLflow's documented semantics rather than from the
library: which nulls violate the signature (:func:`null_violates`), which values a per-value check
refuses (:meth:`Scalar.bad`), the expected path of every position (the one path syntax, restated), and
the positions where a single defect can be put (:func:`defect_targets`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from _spark_lines import HAS_VARIANT
from hypothesis import strategies as st

from spark_signature import (
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


def spark_examples(default: int) -> int:
    """Examples per Spark property test: ``default``, or at most ``SPARK_SIGNATURE_EXAMPLES`` (make test-matrix
    sets it: the other Spark lines run each property on a few examples, the default pair explores)."""
    cap = os.environ.get("SPARK_SIGNATURE_EXAMPLES")
    return min(default, int(cap)) if cap else default


D = DataType
_EXACT = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_EVEN)


def survives(d: Decimal, scale: int) -> bool:
    """A decimal value survives the conversion to double: the nearest double (Python's correctly rounded
    ``float``), rounded back to the column's scale half-even (as a decimal column stores it), is ``d``."""
    return _EXACT.quantize(Decimal(float(d)), Decimal(1).scaleb(-scale)) == d


def null_violates(spec: Any, required: bool, compat: str, position: str) -> bool:
    """Does a null at this position violate the signature? (MLflow semantics, restated for the oracle.)

    Strict: exactly when the position is required (elements and map values inherit the flag of their
    column or property). MLflow: ``Any`` never; properties, map values and composite values follow
    ``required``; scalar columns and elements only refuse a null as integer/long (pandas cannot hold it).
    """
    if isinstance(spec, AnyType):
        return False
    if compat == "mlflow" and isinstance(getattr(spec, "dtype", getattr(spec, "value_type", None)), AnyType) \
            and isinstance(spec, (Array, Map)):
        return False  # MLflow's _enforce_array / _enforce_map take None for Array(Any) / Map(Any), even required
    if compat == "strict" or position in ("property", "map_value") or not isinstance(spec, DataType):
        return required
    return spec in (D.integer, D.long)


def null_rule(required: bool) -> str:
    """The rule of a null that violates: a required position's, or (compat="mlflow" only) an optional
    integer/long's, which MLflow refuses because pandas cannot hold it (``null_in_integer``)."""
    return "null_in_required" if required else "null_in_integer"


def key_path(parent: str, key: str) -> str:
    return parent + "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']"


def ddl_name(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


# ---- nodes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scalar:
    spec: DataType
    ddl: str
    check: str | None = None  # "zero_one" (bigint for float/double) or "exact_double" (wide decimal)

    def bad(self, value: Any, compat: str) -> bool:
        """Is this non-null value refused by a per-value rule (unsafe_cast)?"""
        if self.check == "zero_one":
            return value not in (0, 1)
        if self.check == "exact_double":
            return compat == "strict" and not survives(value, 3)
        return False


@dataclass(frozen=True)
class ArrayOf:
    element: Any

    @property
    def spec(self) -> Any:
        return Array(self.element.spec)

    @property
    def ddl(self) -> str:
        return f"array<{self.element.ddl}>"


@dataclass(frozen=True)
class MapOf:
    value: Any

    @property
    def spec(self) -> Any:
        return Map(self.value.spec)

    @property
    def ddl(self) -> str:
        return f"map<string, {self.value.ddl}>"


@dataclass(frozen=True)
class StructOf:
    fields: tuple[tuple[str, Any, bool], ...]  # (name, node, required)

    @property
    def spec(self) -> Any:
        return Object([Property(n, node.spec, required=r) for n, node, r in self.fields])

    @property
    def ddl(self) -> str:
        return "struct<" + ", ".join(f"{ddl_name(n)}: {node.ddl}" for n, node, _ in self.fields) + ">"


@dataclass(frozen=True)
class AnyOf:
    """``AnyType`` declared; ``inner`` is what the Spark column really holds (never checked)."""

    inner: Any

    @property
    def spec(self) -> Any:
        return AnyType()

    @property
    def ddl(self) -> str:
        return self.inner.ddl


@dataclass(frozen=True)
class Tensor:
    """A TensorSpec column: ``shape`` after the batch axis (-1 = variable), elements of ``dtype``."""

    dtype: str
    dims: tuple[int, ...]

    @property
    def leaf_ddl(self) -> str:
        return {"float32": "float", "float64": "double", "int32": "int", "int64": "bigint"}[self.dtype]

    @property
    def ddl(self) -> str:
        out = self.leaf_ddl
        for _ in self.dims:
            out = f"array<{out}>"
        return out


@dataclass(frozen=True)
class Column:
    name: str  # the input column's name
    node: Any
    required: bool = True


@dataclass(frozen=True)
class Case:
    """A drawn signature, its Spark DDL, the rows, and the compat mode."""

    columns: tuple[Column, ...]
    named: bool
    compat: str
    rows: list[tuple]

    @property
    def schema(self) -> Schema:
        if self.columns and isinstance(self.columns[0].node, Tensor):
            return Schema([TensorSpec(np.dtype(c.node.dtype), (-1, *c.node.dims), c.name) for c in self.columns])
        return Schema([ColSpec(c.node.spec, c.name if self.named else None, required=c.required)
                       for c in self.columns])

    @property
    def ddl(self) -> str:
        return ", ".join(f"{ddl_name(c.name)} {c.node.ddl}" for c in self.columns)

    def path(self, index: int) -> str:
        """The path of column ``index``: its name, or its position for an unnamed schema."""
        return self.columns[index].name if self.named else str(index)

    def expected(self) -> set[tuple[int, str, str]]:
        """Every (row, path, rule) the data holds, computed by walking the values (see :func:`violations`)."""
        return {(i, path, rule) for i, row in enumerate(self.rows) for c, (col, v) in enumerate(
            zip(self.columns, row, strict=True)) for path, rule in violations(col.node, v, self.path(c),
                                                                              col.required, self.compat, "column")}

    def with_row(self, i: int, row: tuple) -> Case:
        return Case(self.columns, self.named, self.compat, [*self.rows[:i], row, *self.rows[i + 1:]])


# ---- signature types alone (mapping round trips) ----------------------------------------------------

FIELD_NAMES = st.text(alphabet="abcdxyz_ .09", min_size=1, max_size=5)  # spaces and dots included


def _object(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Object]:
    props = st.lists(st.tuples(FIELD_NAMES, children, st.booleans()), min_size=1, max_size=4,
                     unique_by=lambda p: p[0])
    return props.map(lambda ps: Object([Property(n, t, required=r) for n, t, r in ps]))


def signature_types(vector: bool = False) -> st.SearchStrategy[Any]:
    """Any declared type: every DataType, AnyType (where Spark has VARIANT, its Spark image) and
    SparkMLVector, nested in Array, Map and Object."""
    leaves = st.sampled_from(list(DataType))
    if HAS_VARIANT:  # AnyType maps to VARIANT; Spark 3.5 refuses it (test_any_type_needs_variant)
        leaves = leaves | st.just(AnyType())
    if vector:
        leaves = leaves | st.just(SparkMLVector())
    return st.recursive(leaves, lambda c: st.builds(Array, c) | st.builds(Map, c) | _object(c), max_leaves=12)


def named_schemas(types: st.SearchStrategy[Any]) -> st.SearchStrategy[Schema]:
    cols = st.lists(st.tuples(FIELD_NAMES, types, st.booleans()), min_size=1, max_size=5, unique_by=lambda c: c[0])
    return cols.map(lambda cs: Schema([ColSpec(t, name=n, required=r) for n, t, r in cs]))


# ---- types with the Spark columns that carry them --------------------------------------------------

#: declared scalar type -> the Spark types that may carry it (the first is the type itself)
SOURCES: dict[DataType, list[Scalar]] = {
    D.boolean: [Scalar(D.boolean, "boolean")],
    D.integer: [Scalar(D.integer, "int"), Scalar(D.integer, "smallint"), Scalar(D.integer, "tinyint")],
    D.long: [Scalar(D.long, "bigint"), Scalar(D.long, "int"), Scalar(D.long, "smallint"), Scalar(D.long, "tinyint")],
    D.float: [Scalar(D.float, "float"), Scalar(D.float, "bigint", "zero_one")],
    D.double: [Scalar(D.double, "double"), Scalar(D.double, "float"), Scalar(D.double, "int"),
               Scalar(D.double, "smallint"), Scalar(D.double, "bigint", "zero_one"),
               Scalar(D.double, "decimal(10,2)"), Scalar(D.double, "decimal(38,3)", "exact_double")],
    D.string: [Scalar(D.string, "string")],
    D.binary: [Scalar(D.binary, "binary"), Scalar(D.binary, "string")],
    D.datetime: [Scalar(D.datetime, "timestamp"), Scalar(D.datetime, "date"), Scalar(D.datetime, "timestamp_ntz")],
}

_INT_RANGES = {"tinyint": 7, "smallint": 15, "int": 31, "bigint": 63}

NAMES = st.sampled_from(["a", "b", "c", "d", "e"])
MAP_KEYS = st.text(max_size=3)  # quotes and backslashes included: map paths escape them


def scalars() -> st.SearchStrategy[Scalar]:
    return st.sampled_from([s for sources in SOURCES.values() for s in sources])


CHECKED = st.sampled_from([s for sources in SOURCES.values() for s in sources if s.check])  # drawn more often


def nodes(depth: int = 2) -> st.SearchStrategy[Any]:
    """Any node: scalars (with their widening sources), arrays, maps, structs and Any, nested ``depth`` deep."""
    if depth == 0:
        return scalars()
    inner = nodes(depth - 1)
    fields = st.lists(st.tuples(NAMES, inner, st.booleans()), min_size=1, max_size=3, unique_by=lambda f: f[0])
    return st.one_of(
        scalars(), scalars(), CHECKED,
        inner.map(ArrayOf),
        inner.map(MapOf),
        fields.map(lambda fs: StructOf(tuple(fs))),
        inner.map(AnyOf),
    )


tensors = st.builds(
    Tensor,
    st.sampled_from(["float32", "float64", "int32", "int64"]),
    st.lists(st.sampled_from([-1, 1, 2, 3]), min_size=0, max_size=2).map(tuple),
)

COLUMN_NAMES = ["c{}", "c {}", "c.{}"]  # a space and a dot: names are quoted everywhere


@st.composite
def cases(draw, max_rows: int = 5, min_rows: int = 0, defects: bool = False) -> Case:
    """A Case with valid rows; with ``defects``, rows that may violate anything a value can (see :func:`values`)."""
    compat = draw(st.sampled_from(["strict", "mlflow"]))
    if draw(st.integers(0, 4)) == 0:
        nodes_ = draw(st.lists(tensors, min_size=1, max_size=2))
        columns = tuple(Column(f"t{i}", n) for i, n in enumerate(nodes_))
        named = True
    else:
        drawn = draw(st.lists(st.tuples(nodes(), st.booleans()), min_size=1, max_size=4))
        named = draw(st.integers(0, 5)) > 0
        columns = tuple(Column(draw(st.sampled_from(COLUMN_NAMES)).format(i), n, r or not named)  # unnamed: required
                        for i, (n, r) in enumerate(drawn))
    row = st.tuples(*[values(c.node, c.required, compat, "column", defects) for c in columns])
    rows = draw(st.lists(row, min_size=min_rows, max_size=max_rows))
    return Case(columns, named, compat, rows)


# ---- values -----------------------------------------------------------------------------------------


def _scalar_values(node: Scalar, defects: bool) -> st.SearchStrategy[Any]:
    ddl = node.ddl
    if node.check == "zero_one":
        if defects:
            return st.one_of(st.sampled_from([0, 1]), st.integers(2, 2**63 - 1), st.integers(-(2**63), -1))
        return st.sampled_from([0, 1])
    if node.check == "exact_double":  # up to 15 significant digits always survive; 16 to 20 mostly not
        small = st.integers(-(10**15) + 1, 10**15 - 1)
        unscaled = st.one_of(small, st.integers(10**15, 10**20 - 1), st.integers(-(10**20) + 1, -(10**15))) \
            if defects else small
        return unscaled.map(lambda i: Decimal(i).scaleb(-3))
    if ddl in _INT_RANGES:
        bits = _INT_RANGES[ddl]
        return st.integers(-(2**bits), 2**bits - 1)
    return {
        "boolean": st.booleans(),
        "float": st.floats(width=32),
        "double": st.floats(),
        "decimal(10,2)": st.decimals(min_value=-(10**8) + 1, max_value=10**8 - 1, places=2, allow_nan=False),
        "string": st.text(max_size=5),
        "binary": st.binary(max_size=5),
        "timestamp": st.datetimes(dt.datetime(1970, 1, 2), dt.datetime(2100, 1, 1)),
        "timestamp_ntz": st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1)),
        "date": st.dates(dt.date(1970, 1, 2), dt.date(2100, 1, 1)),
    }[ddl]


def values(node: Any, required: bool, compat: str, position: str, defects: bool = False,
           anything: bool = False) -> st.SearchStrategy[Any]:
    """Values for ``node`` that violate nothing, or with ``defects`` values that may violate anything a
    value can: nulls anywhere, 0/1 and exact-double checks, tensor lengths.

    Without ``defects`` a null is drawn only where it violates nothing; under ``Any`` (``anything``)
    nulls go anywhere.
    """
    if isinstance(node, Tensor):
        return _tensor_values(node, node.dims, defects)
    if isinstance(node, AnyOf):
        base = values(node.inner, True, compat, position, defects, anything=True)
        return st.one_of(st.none(), base)
    if isinstance(node, Scalar):
        base = _scalar_values(node, defects)
    elif isinstance(node, ArrayOf):
        base = st.lists(values(node.element, required, compat, "element", defects, anything), max_size=3)
    elif isinstance(node, MapOf):
        base = st.dictionaries(MAP_KEYS, values(node.value, required, compat, "map_value", defects, anything),
                               max_size=3)
    else:
        base = st.fixed_dictionaries({n: values(f, r, compat, "property", defects, anything)
                                      for n, f, r in node.fields})
    if anything or not null_violates(node.spec, required, compat, position):
        return st.one_of(st.none(), base)
    return _rarely_null(base) if defects else base


def _rarely_null(base: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A null one time in four: a violating null in every other position would hide the other defects."""
    return st.integers(0, 3).flatmap(lambda i: st.none() if i == 0 else base)


def _tensor_values(node: Tensor, dims: tuple[int, ...], defects: bool) -> st.SearchStrategy[Any]:
    if not dims:
        bits = {"int32": 31, "int64": 63}.get(node.dtype)
        if bits is not None:
            leaf = st.integers(-(2**bits), 2**bits - 1)
        else:
            leaf = st.floats(width=32 if node.dtype == "float32" else 64)
        return _rarely_null(leaf) if defects else leaf
    inner = _tensor_values(node, dims[1:], defects)
    n = dims[0]
    if n == -1:
        lists = st.lists(inner, max_size=3)
    else:  # with defects, one too short or too long
        lists = st.lists(inner, min_size=n - 1 if defects else n, max_size=n + 1 if defects else n)
    return _rarely_null(lists) if defects else lists


# ---- the oracle: what the data holds ----------------------------------------------------------------


def violations(node: Any, value: Any, path: str, required: bool, compat: str,
               position: str) -> Iterator[tuple[str, str]]:
    """(path, rule) of every violation in ``value`` (nulls and per-value checks; tensors: nulls, lengths)."""
    if isinstance(node, AnyOf):
        return
    if isinstance(node, Tensor):
        yield from _tensor_violations(node.dims, value, path)
        return
    if value is None:
        if null_violates(node.spec, required, compat, position):
            yield path, null_rule(required)
        return
    if isinstance(node, Scalar):
        if node.bad(value, compat):
            yield path, "unsafe_cast"
    elif isinstance(node, ArrayOf):
        for i, v in enumerate(value):
            yield from violations(node.element, v, f"{path}[{i}]", required, compat, "element")
    elif isinstance(node, MapOf):
        for k, v in value.items():
            yield from violations(node.value, v, key_path(path, k), required, compat, "map_value")
    else:
        for n, f, r in node.fields:
            yield from violations(f, value.get(n), f"{path}.{n}", r, compat, "property")


def _tensor_violations(dims: tuple[int, ...], value: Any, path: str) -> Iterator[tuple[str, str]]:
    if value is None:
        yield path, "null_in_required"
        return
    if not dims:
        return
    if dims[0] != -1 and len(value) != dims[0]:
        yield path, "shape_mismatch"
    for i, v in enumerate(value):
        yield from _tensor_violations(dims[1:], v, f"{path}[{i}]")


@dataclass(frozen=True)
class Target:
    """Where one defect can be put: the column, the steps into its value, the path and the rule."""

    column: int
    steps: tuple[Any, ...]
    path: str
    rule: str
    replacement: Any  # the value the position gets (None for a null)


def defect_targets(case: Case, row: int) -> list[Target]:
    """Every position of ``row`` where one change makes exactly one violation: a null where a null
    violates, a 0/1 value replaced by 7, a fixed tensor dimension one element short."""
    out: list[Target] = []
    for c, (col, v) in enumerate(zip(case.columns, case.rows[row], strict=True)):
        out.extend(_targets(c, col.node, v, case.path(c), (), col.required, case.compat, "column"))
    return out


def _targets(c: int, node: Any, value: Any, path: str, steps: tuple, required: bool, compat: str,
             position: str) -> Iterator[Target]:
    if value is None or isinstance(node, AnyOf):
        return
    if isinstance(node, Tensor):
        yield from _tensor_targets(c, node.dims, value, path, steps)
        return
    if null_violates(node.spec, required, compat, position):
        yield Target(c, steps, path, null_rule(required), None)
    if isinstance(node, Scalar):
        if node.check == "zero_one":
            yield Target(c, steps, path, "unsafe_cast", 7)
    elif isinstance(node, ArrayOf):
        for i, v in enumerate(value):
            yield from _targets(c, node.element, v, f"{path}[{i}]", (*steps, i), required, compat, "element")
    elif isinstance(node, MapOf):
        for k, v in value.items():
            yield from _targets(c, node.value, v, key_path(path, k), (*steps, k), required, compat, "map_value")
    elif isinstance(node, StructOf):
        for n, f, r in node.fields:
            yield from _targets(c, f, value.get(n), f"{path}.{n}", (*steps, n), r, compat, "property")


def _tensor_targets(c: int, dims: tuple[int, ...], value: Any, path: str, steps: tuple) -> Iterator[Target]:
    yield Target(c, steps, path, "null_in_required", None)
    if not dims:
        return
    if dims[0] != -1:  # one element short (fixed dims are >= 1, so the list has one to drop)
        yield Target(c, steps, path, "shape_mismatch", list(value[:-1]))
    for i, v in enumerate(value):
        yield from _tensor_targets(c, dims[1:], v, f"{path}[{i}]", (*steps, i))


def apply(case: Case, row: int, target: Target) -> Case:
    """``case`` with ``target``'s replacement put into ``row``."""
    values_ = list(case.rows[row])
    values_[target.column] = _replace(values_[target.column], target.steps, target.replacement)
    return case.with_row(row, tuple(values_))


def _replace(value: Any, steps: tuple, replacement: Any) -> Any:
    if not steps:
        return replacement
    head, *rest = steps
    out = list(value) if isinstance(value, list) else dict(value)
    out[head] = _replace(out[head], tuple(rest), replacement)
    return out


SENTINEL = Column("sentinel", Scalar(D.long, "bigint"), True)  # a null in it violates in both compat modes


def with_sentinel(case: Case) -> Case:
    """``case`` plus a required long column (appended, never null), so that a defect target always exists."""
    if case.columns and isinstance(case.columns[0].node, Tensor):
        return case  # every non-null tensor value is a target already
    return Case((*case.columns, SENTINEL), case.named, case.compat, [(*r, 1) for r in case.rows])
