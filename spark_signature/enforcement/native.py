"""The plan compiled to Catalyst: a native ``suspect`` flag, so that rows Spark can clear never enter Python.

:func:`compile_plan` walks the same :class:`~spark_signature.enforcement.plan.Plan` the Arrow kernels
execute and builds one boolean Spark Column that is true for **every** row the kernels
(:mod:`spark_signature.enforcement.arrow`) would quarantine:

* exact where the rule is expressible in Catalyst: nulls at any depth (``rules.null_violation`` per
  position, ``exists`` over array elements and map values, struct fields guarded by their parent), the
  0/1 rule, tensor dimensions (``size``) and tensor nulls at every level;
* conservative where it is not: a value check whose native form is only a superset (a wide decimal is
  flagged unless it has at most ``MAX_EXACT_DECIMAL_PRECISION`` significant digits, the kernel decides).

The kernels stay the authority for reasons and paths: the engine sends the flagged rows through them.
Per-value rules get their native form from :data:`NATIVE_VALUE_CHECKS`, keyed by
:class:`~spark_signature.rules.ValueCheck` like the kernels' :data:`~spark_signature.enforcement.arrow.VALUE_KERNELS`
(a test keeps the two tables' keys equal to the enum). Every check is also described
(:class:`CheckSite`) so that :class:`ExplainedPlan` can say, per column and path, where it runs.

The flag is SQL text parsed once by ``F.expr`` (no SparkContext, no JVM handles): Spark Connect parses the
same text on its server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa

from spark_signature import paths
from spark_signature.arrow_types import classify
from spark_signature.enforcement.plan import (
    AnyNode,
    ColumnPlan,
    ListNode,
    MapNode,
    Node,
    Plan,
    ScalarNode,
    StructNode,
    TensorNode,
    VectorNode,
)
from spark_signature.errors import Rule
from spark_signature.rules import (
    MAX_EXACT_DECIMAL_PRECISION,
    ZERO_OR_ONE_VALUES,
    Conversion,
    Decision,
    ValueCheck,
    describe_expected,
    null_violation,
    range_checks,
)
from spark_signature.spark_columns import quote

__all__ = [
    "ENGINES",
    "NATIVE_VALUE_CHECKS",
    "CheckSite",
    "ConversionSite",
    "ExplainedPlan",
    "NativeCheck",
    "NativeValueCheck",
    "compile_plan",
    "explain_plan",
]

#: ``auto``: the native flag first, the Arrow kernels on flagged rows only; ``arrow``: every row through the
#: kernels (the oracle the native path is tested against).
ENGINES = ("auto", "arrow")

Column = Any  # pyspark.sql.Column (imported lazily: this module loads without pyspark)
Sql = str  # a Spark SQL expression
Builder = Callable[[Sql], Sql]  # the SQL of a value -> the SQL of "this value may violate the plan"

# The flag is built as SQL text and parsed by Spark once (``F.expr``): built from Column objects, every
# ``isNull`` / ``|`` / ``getField`` is several driver round trips (PySpark records each call's origin), which
# at hundreds of columns cost seconds per ``enforce`` before any row was read.


# ---- per-value rules: the native forms, next to the kernels' table --------------------------------


@dataclass(frozen=True)
class NativeValueCheck:
    """The Catalyst form of one :class:`ValueCheck`, as SQL.

    ``may_fail(value_sql, arrow_type, conversion)`` is true for every non-null value the Arrow kernel
    refuses; ``exact`` says it is true for no other value (else the flagged values are decided by the kernel).
    """

    may_fail: Callable[[Sql, pa.DataType, Conversion], Sql]
    condition: Callable[[pa.DataType, Conversion], str]  # the same condition as text, for explain()
    exact: bool


def _outside_zero_or_one(c: Sql, _t: pa.DataType, _conversion: Conversion) -> Sql:
    return f"(NOT ({c} IN ({', '.join(str(v) for v in ZERO_OR_ONE_VALUES)})))"


def _range_sides(t: pa.DataType, conversion: Conversion) -> tuple[int | None, int | None]:
    assert conversion.bounds is not None
    return range_checks(conversion.bounds, classify(t))


def _outside_range(c: Sql, t: pa.DataType, conversion: Conversion) -> Sql:
    lo, hi = _range_sides(t, conversion)
    parts = [f"({c} < {lo})"] if lo is not None else []
    if hi is not None:
        parts.append(f"({c} > {hi})")
    return _or_all(parts)


def _range_condition(t: pa.DataType, conversion: Conversion) -> str:
    lo, hi = _range_sides(t, conversion)
    return " OR ".join([*([f"< {lo}"] if lo is not None else []), *([f"> {hi}"] if hi is not None else [])])


def _exact_bound(t: pa.DataType) -> str:
    """The smallest magnitude with more than MAX_EXACT_DECIMAL_PRECISION digits before the scale's last one."""
    return format(Decimal(10) ** (MAX_EXACT_DECIMAL_PRECISION - t.scale), "f")


def _beyond_exact_digits(c: Sql, t: pa.DataType, _conversion: Conversion) -> Sql:
    # A decimal whose unscaled value has at most 15 digits survives double and back (DBL_DIG): never
    # refused by the kernel. Larger ones may or may not survive: flagged, the kernel decides.
    return f"(abs({c}) >= CAST('{_exact_bound(t)}' AS DECIMAL({t.precision}, {t.scale})))"


#: ValueCheck -> its native form. Keys: every ValueCheck but rules.PANDAS_CHECKS (no Spark column holds Python
#: objects; tests/test_native.py), like arrow.VALUE_KERNELS.
NATIVE_VALUE_CHECKS: dict[ValueCheck, NativeValueCheck] = {
    ValueCheck.ZERO_OR_ONE: NativeValueCheck(
        _outside_zero_or_one, lambda _t, _c: f"NOT IN {tuple(ZERO_OR_ONE_VALUES)}", exact=True),
    ValueCheck.EXACT_DOUBLE: NativeValueCheck(
        _beyond_exact_digits, lambda t, _c: f"abs >= {_exact_bound(t)} (then exact in Arrow)", exact=False),
    ValueCheck.INTEGER_RANGE: NativeValueCheck(_outside_range, _range_condition, exact=True),
}


# ---- what the compiler found: check sites and conversions -----------------------------------------


@dataclass(frozen=True)
class CheckSite:
    """One check of the plan at one position: what Catalyst tests there, and whether that is the rule itself."""

    column: str
    path: str  # plan-level path (``a[]``, ``m{}``: any element / map value)
    rule: Rule
    expected: str
    condition: str  # the native condition on the value at ``path``
    exact: bool  # True: the condition is the rule; False: a superset, the Arrow kernels decide

    def runs(self, engine: str) -> str:
        """``native`` (Catalyst decides), ``native+arrow`` (Catalyst pre-filters, Arrow decides) or ``arrow``."""
        if engine == "arrow":
            return "arrow"
        return "native" if self.exact else "native+arrow"

    def to_dict(self, engine: str) -> dict[str, Any]:
        return {"column": self.column, "path": self.path, "rule": self.rule.value, "expected": self.expected,
                "runs": self.runs(engine), "native_condition": self.condition, "exact": self.exact}


@dataclass(frozen=True)
class ConversionSite:
    """A position whose valid values are converted (natively, by ``spark_conversion``) to the declared type."""

    column: str
    path: str
    found: str
    declared: str
    how: str  # widen / value_check (the rule table's decision), vector_to_array, absent (filled with null)

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "path": self.path, "found": self.found, "declared": self.declared,
                "how": self.how}


@dataclass
class NativeCheck:
    """The compiled plan: the suspect flag plus what it is made of."""

    suspect: Column  # boolean, never null: true for every row the kernels may quarantine
    exact: bool  # True: true for exactly those rows
    sites: list[CheckSite]
    conversions: list[ConversionSite]
    suspect_sql: Sql = "false"  # the flag as the SQL expression ``suspect`` was parsed from


def _or_all(parts: list[Sql]) -> Sql:
    """``parts[0] OR parts[1] OR ...`` as a balanced tree rather than a left-deep chain of hundreds of terms
    (a wide feature table): the parser's and the generated code's depth stay logarithmic."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return f"({_or_all(parts[:middle])} OR {_or_all(parts[middle:])})"


def _is_null(c: Sql) -> Sql:
    return f"({c} IS NULL)"


def _any_of(parts: list[Builder]) -> Builder | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]

    def build(c: Sql) -> Sql:
        return _or_all([p(c) for p in parts])

    return build


def _value_check(native: NativeValueCheck, t: pa.DataType, conversion: Conversion) -> Builder:
    def build(c: Sql) -> Sql:
        return f"({c} IS NOT NULL AND {native.may_fail(c, t, conversion)})"

    return build


def _in_elements(child: Builder, var: str) -> Builder:
    def build(c: Sql) -> Sql:
        return f"({c} IS NOT NULL AND exists({c}, {var} -> {child(var)}))"

    return build


def _in_map_values(child: Builder, var: str) -> Builder:
    def build(c: Sql) -> Sql:
        return f"({c} IS NOT NULL AND exists(map_values({c}), {var} -> {child(var)}))"

    return build


def _in_field(name: str, child: Builder) -> Builder:
    def build(c: Sql) -> Sql:
        # ``(c).`name```: a struct field of the value, never a table qualifier; a null struct's fields are not
        # checked (as in Arrow)
        return f"({c} IS NOT NULL AND {child(f'({c}).{quote(name)}')})"

    return build


def _tensor_level(dims: tuple[int, ...], depth: int, fresh: Callable[[], str], leaf: Builder = _is_null) -> Builder:
    """Nulls at every level, and ``size`` at each fixed dimension, of a tensor's nested arrays; ``leaf``
    judges each element (null, or a value its check refuses)."""
    if depth == len(dims):
        return leaf
    inner = _tensor_level(dims, depth + 1, fresh, leaf)
    dim = dims[depth]
    var = fresh()

    def build(x: Sql) -> Sql:
        checks = [f"exists({x}, {var} -> {inner(var)})"]
        if dim != -1:
            checks.insert(0, f"(size({x}) != {dim})")
        return f"({x} IS NULL OR ({x} IS NOT NULL AND {_or_all(checks)}))"

    return build


class _Compiler:
    """One walk of the plan: the suspect builder of each node, its check sites and conversions."""

    def __init__(self, plan: Plan) -> None:
        self.compat = plan.compat
        self.sites: list[CheckSite] = []
        self.conversions: list[ConversionSite] = []
        self._vars = 0

    def fresh(self) -> str:
        """A lambda variable name of its own (``_x0``, ``_x1``...): no nested lambda shadows another's."""
        self._vars += 1
        return f"_x{self._vars - 1}"

    def site(self, col: ColumnPlan, path: str, rule: Rule, expected: str, condition: str, exact: bool) -> None:
        self.sites.append(CheckSite(col.name, path, rule, expected, condition, exact))

    def node(self, col: ColumnPlan, node: Node | None, required: bool, position: str, path: str) -> Builder | None:
        if node is None or isinstance(node, AnyNode):
            return None
        if isinstance(node, TensorNode):
            return self.tensor(col, node, path)
        expected = describe_expected(node.spec, required)
        parts: list[Builder] = []
        verdict = null_violation(node.spec, required, self.compat, position=position)
        if verdict is not None:  # the kernels' rule: null_in_integer for an optional integer under compat=mlflow
            self.site(col, path, verdict.rule, expected, "IS NULL", True)
            parts.append(_is_null)
        if isinstance(node, ScalarNode):
            conversion = node.conversion
            if conversion.decision is not Decision.ACCEPT:
                self.conversions.append(ConversionSite(col.name, path, str(node.arrow_type), node.spec.name,
                                                       conversion.decision.value))
            if conversion.decision is Decision.VALUE_CHECK and conversion.check is not None:
                native = NATIVE_VALUE_CHECKS[conversion.check]
                self.site(col, path, Rule.UNSAFE_CAST, expected, native.condition(node.arrow_type, conversion),
                          native.exact)
                parts.append(_value_check(native, node.arrow_type, conversion))
        elif isinstance(node, VectorNode):
            self.conversions.append(ConversionSite(col.name, path, "pyspark.ml vector", repr(node.spec),
                                                   "vector_to_array"))
        elif isinstance(node, ListNode):
            child = self.node(col, node.element, required, "element", paths.any_element(path))
            if child is not None:
                parts.append(_in_elements(child, self.fresh()))
        elif isinstance(node, MapNode):
            child = self.node(col, node.value, required, "map_value", paths.any_value(path))
            if child is not None:
                parts.append(_in_map_values(child, self.fresh()))
        elif isinstance(node, StructNode):
            props = {p.name: p for p in node.spec.properties}
            for f in node.fields:
                where = paths.field(path, f.name)
                if f.node is None:  # an optional property the input lacks: null in the valid output
                    self.conversions.append(ConversionSite(col.name, where, "absent",
                                                           describe_expected(props[f.name].dtype, False), "absent"))
                    continue
                child = self.node(col, f.node, f.required, "property", where)
                if child is not None:
                    parts.append(_in_field(f.name, child))
        return _any_of(parts)

    def tensor(self, col: ColumnPlan, node: TensorNode, path: str) -> Builder:
        expected = describe_expected(node.spec, True)
        self.site(col, path, Rule.NULL_IN_REQUIRED, expected, "IS NULL", True)
        level = path
        for depth, dim in enumerate(node.dims):
            if depth:
                self.site(col, level, Rule.NULL_IN_REQUIRED, expected, "IS NULL", True)
            if dim != -1:
                self.site(col, level, Rule.SHAPE_MISMATCH, expected, f"size != {dim}", True)
            level = paths.any_element(level)
        if node.dims:
            self.site(col, level, Rule.NULL_IN_REQUIRED, expected, "IS NULL", True)
        leaf: Builder = _is_null
        conversion = node.conversion
        if conversion.decision is not Decision.ACCEPT:
            self.conversions.append(ConversionSite(col.name, level, str(node.element_type), str(node.spec.type),
                                                   conversion.decision.value))
        if conversion.decision is Decision.VALUE_CHECK and conversion.check is not None:
            native = NATIVE_VALUE_CHECKS[conversion.check]
            self.site(col, level, Rule.UNSAFE_CAST, expected, native.condition(node.element_type, conversion),
                      native.exact)
            leaf = _any_of([_is_null, _value_check(native, node.element_type, conversion)]) or _is_null
        return _tensor_level(node.dims, 0, self.fresh, leaf)


def compile_plan(plan: Plan) -> NativeCheck:
    """The suspect flag of ``plan``: one boolean Column over the input's columns, never null.

    A position the compiler cannot express would make every row suspect (``coalesce(..., true)`` also
    turns an unexpected null into "suspect"): the flag may only err towards the Arrow kernels.
    """
    from pyspark.sql import functions as F

    compiler = _Compiler(plan)
    flags = []
    for c in plan.columns:
        build = compiler.node(c, c.node, c.required, "column", c.name)
        if build is not None:
            flags.append(build(quote(c.source)))
    sql = "false" if not flags else f"coalesce({_or_all(flags)}, true)"
    exact = all(s.exact for s in compiler.sites)
    return NativeCheck(F.expr(sql), exact, compiler.sites, compiler.conversions, sql)


# ---- explain(): where each check runs -------------------------------------------------------------


@dataclass
class ExplainedPlan:
    """Per column and path, which checks Catalyst decides and which the Arrow kernels decide.

    ``str()`` (and the REPL) shows a table; :meth:`to_dict` is the form a job report embeds.
    ``arrow_rows`` is the number of rows the kernels checked, once an action has told.
    """

    engine: str
    exact: bool
    columns: list[tuple[str, str, str]]  # (signature column, input column, expected)
    sites: list[CheckSite]
    conversions: list[ConversionSite]
    extras: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    arrow_rows: int | None = None

    @property
    def summary(self) -> str:
        if self.engine == "arrow":
            return "every row goes through the Arrow kernels (engine='arrow')"
        if not self.sites:
            return "nothing to check per row: every row is valid natively, no row enters Python"
        if self.exact:
            return ("the native flag is exact: rows it clears are converted natively and never enter Python; "
                    "flagged rows go through the Arrow kernels for their reasons and paths")
        return ("the native flag is a superset: rows it clears are converted natively and never enter Python; "
                "flagged rows go through the Arrow kernels, which decide the checks marked native+arrow")

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "exact": self.exact,
            "summary": self.summary,
            "arrow_rows": self.arrow_rows,
            "columns": [
                {"column": name, "source": source, "expected": expected,
                 "checks": [s.to_dict(self.engine) for s in self.sites if s.column == name],
                 "conversions": [c.to_dict() for c in self.conversions if c.column == name]}
                for name, source, expected in self.columns
            ],
            "extras": list(self.extras),
            "missing_optional": list(self.missing_optional),
        }

    def __str__(self) -> str:
        lines = [f"enforcement plan (engine={self.engine!r}): {self.summary}"]
        if self.arrow_rows is not None:
            lines.append(f"rows checked by the Arrow kernels: {self.arrow_rows:,}")
        width = max([len(s.path) for s in self.sites] + [4])
        for name, source, expected in self.columns:
            reads = "" if source == name else f" (input column '{source}')"
            lines.append(f"column '{name}'{reads}: {expected}")
            sites = [s for s in self.sites if s.column == name]
            for s in sites:
                condition = "" if self.engine == "arrow" else s.condition
                line = f"  {s.path:<{width}}  {s.rule.value:<16}  {s.runs(self.engine):<12}  {condition}"
                lines.append(line.rstrip())
            if not sites:
                lines.append("  no per-row check")
            for c in (c for c in self.conversions if c.column == name):
                lines.append(f"  {c.path:<{width}}  converted natively: {c.found} -> {c.declared} ({c.how})")
        if self.missing_optional:
            lines.append(f"optional columns absent from the input: {self.missing_optional}")
        if self.extras:
            lines.append(f"extra input columns (kept in quarantine rows only): {self.extras}")
        return "\n".join(lines)

    __repr__ = __str__


def explain_plan(plan: Plan, engine: str, native: NativeCheck | None = None,
                 arrow_rows: int | None = None) -> ExplainedPlan:
    """The description of ``plan`` run by ``engine`` (compiles it when ``native`` is not given)."""
    native = native if native is not None else compile_plan(plan)
    return ExplainedPlan(engine, native.exact, [(c.name, c.source, c.expected) for c in plan.columns],
                         native.sites, native.conversions, list(plan.extras), list(plan.missing_optional),
                         arrow_rows)
