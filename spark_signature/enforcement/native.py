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

Only DataFrame / Column APIs are used here (no SparkContext, no JVM handles): Spark Connect builds the
same expressions.
"""

from __future__ import annotations

import operator
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
from spark_signature.spark_columns import col

__all__ = [
    "ENGINES",
    "NATIVE_VALUE_CHECKS",
    "CheckSite",
    "ConversionSite",
    "ExplainedPlan",
    "NativeCheck",
    "NativeValueCheck",
    "RuleOccurrences",
    "compile_plan",
    "explain_plan",
]

#: ``auto``: the native flag first, the Arrow kernels on flagged rows only; ``arrow``: every row through the
#: kernels (the oracle the native path is tested against).
ENGINES = ("auto", "arrow")

Column = Any  # pyspark.sql.Column (imported lazily: this module loads without pyspark)
Builder = Callable[[Column], Column]  # one positional parameter: PySpark reads a lambda's arity


# ---- per-value rules: the native forms, next to the kernels' table --------------------------------


@dataclass(frozen=True)
class NativeValueCheck:
    """The Catalyst form of one :class:`ValueCheck`.

    ``may_fail(value, arrow_type)`` is true for every non-null value the Arrow kernel refuses; ``exact``
    says it is true for no other value (else the flagged values are decided by the kernel).
    """

    may_fail: Callable[[Column, pa.DataType, Conversion], Column]
    condition: Callable[[pa.DataType, Conversion], str]  # the same condition as text, for explain()
    exact: bool


def _outside_zero_or_one(c: Column, _t: pa.DataType, _conversion: Conversion) -> Column:
    return ~c.isin(*ZERO_OR_ONE_VALUES)


def _range_sides(t: pa.DataType, conversion: Conversion) -> tuple[int | None, int | None]:
    assert conversion.bounds is not None
    return range_checks(conversion.bounds, classify(t))


def _outside_range(c: Column, t: pa.DataType, conversion: Conversion) -> Column:
    from pyspark.sql import functions as F

    lo, hi = _range_sides(t, conversion)
    parts = [c < F.lit(lo)] if lo is not None else []
    if hi is not None:
        parts.append(c > F.lit(hi))
    return _or_all(parts)


def _range_condition(t: pa.DataType, conversion: Conversion) -> str:
    lo, hi = _range_sides(t, conversion)
    return " OR ".join([*([f"< {lo}"] if lo is not None else []), *([f"> {hi}"] if hi is not None else [])])


def _exact_bound(t: pa.DataType) -> str:
    """The smallest magnitude with more than MAX_EXACT_DECIMAL_PRECISION digits before the scale's last one."""
    return format(Decimal(10) ** (MAX_EXACT_DECIMAL_PRECISION - t.scale), "f")


def _beyond_exact_digits(c: Column, t: pa.DataType, _conversion: Conversion) -> Column:
    # A decimal whose unscaled value has at most 15 digits survives double and back (DBL_DIG): never
    # refused by the kernel. Larger ones may or may not survive: flagged, the kernel decides.
    from pyspark.sql import functions as F
    from pyspark.sql.types import DecimalType

    return F.abs(c) >= F.lit(_exact_bound(t)).cast(DecimalType(t.precision, t.scale))


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
    #: per site (same order as ``sites``): how many positions of the row violate it (int, never null), the
    #: kernels' count of that site where the site is exact; ``check`` sums them natively.
    occurrences: list[Column] = field(default_factory=list)

    def by_rule(self) -> list[RuleOccurrences]:
        """Per (column, rule), in plan order: its sites' occurrences summed per row, and whether an example
        of it needs the column's value (not when every site is a null check of the column itself)."""
        groups: dict[tuple[str, Rule], list[int]] = {}
        for i, s in enumerate(self.sites):
            groups.setdefault((s.column, s.rule), []).append(i)
        return [RuleOccurrences(column, rule, _balanced(operator.add, [self.occurrences[i] for i in idx]),
                                any(self.sites[i].path != column or self.sites[i].condition != "IS NULL"
                                    for i in idx))
                for (column, rule), idx in groups.items()]


@dataclass
class RuleOccurrences:
    """One (column, rule) of a compiled plan: how many of its violations a row has (int, never null)."""

    column: str
    rule: Rule
    occurrences: Column
    needs_value: bool


def _balanced(op: Callable[[Column, Column], Column], parts: list[Column]) -> Column:
    """``parts[0] op parts[1] op ...`` as a balanced tree: a left-deep chain of hundreds of terms (a wide
    feature table) compiles to code the JVM runs markedly slower (measured in bench/README.md)."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return op(_balanced(op, parts[:middle]), _balanced(op, parts[middle:]))


def _or_all(parts: list[Column]) -> Column:
    return _balanced(operator.or_, parts)


def _is_null(c: Column) -> Column:
    return c.isNull()


def _any_of(parts: list[Builder]) -> Builder | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]

    def build(c: Column) -> Column:
        return _or_all([p(c) for p in parts])

    return build


def _value_check(native: NativeValueCheck, t: pa.DataType, conversion: Conversion) -> Builder:
    def build(c: Column) -> Column:
        return c.isNotNull() & native.may_fail(c, t, conversion)

    return build


def _in_elements(child: Builder) -> Builder:
    def build(c: Column) -> Column:
        from pyspark.sql import functions as F

        return c.isNotNull() & F.exists(c, child)

    return build


def _in_map_values(child: Builder) -> Builder:
    def build(c: Column) -> Column:
        from pyspark.sql import functions as F

        return c.isNotNull() & F.exists(F.map_values(c), child)

    return build


def _in_field(name: str, child: Builder) -> Builder:
    def build(c: Column) -> Column:
        return c.isNotNull() & child(c.getField(name))  # a null struct's fields are not checked (as in Arrow)

    return build


def _tensor_level(dims: tuple[int, ...], depth: int, leaf: Builder = _is_null) -> Builder:
    """Nulls at every level, and ``size`` at each fixed dimension, of a tensor's nested arrays; ``leaf``
    judges each element (null, or a value its check refuses)."""
    if depth == len(dims):
        return leaf
    inner = _tensor_level(dims, depth + 1, leaf)
    dim = dims[depth]

    def build(x: Column) -> Column:
        from pyspark.sql import functions as F

        checks = [F.exists(x, inner)]
        if dim != -1:
            checks.insert(0, F.size(x) != F.lit(dim))
        return x.isNull() | (x.isNotNull() & _or_all(checks))

    return build


Lift = Callable[[Builder], Builder]  # a count at one position -> the count at the column's root


def _at_root(count: Builder) -> Builder:
    return count


def _count_of(violates: Builder) -> Builder:
    """1 where ``violates`` holds at the position, else 0 (also where it is null)."""
    def build(c: Column) -> Column:
        from pyspark.sql import functions as F

        return F.when(violates(c), F.lit(1)).otherwise(F.lit(0))

    return build


def _lift_elements(outer: Lift, map_values: bool = False) -> Lift:
    """A count per element (or map value) summed over the collection: ``aggregate`` (0 for a null one)."""
    def lift(count: Builder) -> Builder:
        def at_parent(c: Column) -> Column:
            from pyspark.sql import functions as F

            items = F.map_values(c) if map_values else c
            return F.coalesce(F.aggregate(items, F.lit(0), lambda acc, x: acc + count(x)), F.lit(0))

        return outer(at_parent)

    return lift


def _lift_field(outer: Lift, name: str) -> Lift:
    """A count in a struct field, 0 where the struct is null (its fields are not checked, as in Arrow)."""
    def lift(count: Builder) -> Builder:
        def at_parent(c: Column) -> Column:
            from pyspark.sql import functions as F

            return F.when(c.isNotNull(), count(c.getField(name))).otherwise(F.lit(0))

        return outer(at_parent)

    return lift


def _wrong_size(dim: int) -> Builder:
    def build(x: Column) -> Column:
        from pyspark.sql import functions as F

        return x.isNotNull() & (F.size(x) != F.lit(dim))

    return build


class _Compiler:
    """One walk of the plan: the suspect builder of each node, its check sites (each with the builder of its
    occurrence count at the column's root) and conversions."""

    def __init__(self, plan: Plan) -> None:
        self.compat = plan.compat
        self.sites: list[CheckSite] = []
        self.counts: list[Builder] = []
        self.conversions: list[ConversionSite] = []

    def site(self, col: ColumnPlan, path: str, rule: Rule, expected: str, condition: str, exact: bool,
             count: Builder) -> None:
        self.sites.append(CheckSite(col.name, path, rule, expected, condition, exact))
        self.counts.append(count)

    def node(self, col: ColumnPlan, node: Node | None, required: bool, position: str, path: str,
             lift: Lift = _at_root) -> Builder | None:
        if node is None or isinstance(node, AnyNode):
            return None
        if isinstance(node, TensorNode):
            return self.tensor(col, node, path, lift)
        expected = describe_expected(node.spec, required)
        parts: list[Builder] = []
        verdict = null_violation(node.spec, required, self.compat, position=position)
        if verdict is not None:
            self.site(col, path, verdict.rule, expected, "IS NULL", True, lift(_count_of(_is_null)))
            parts.append(_is_null)
        if isinstance(node, ScalarNode):
            conversion = node.conversion
            if conversion.decision is not Decision.ACCEPT:
                self.conversions.append(ConversionSite(col.name, path, str(node.arrow_type), node.spec.name,
                                                       conversion.decision.value))
            if conversion.decision is Decision.VALUE_CHECK and conversion.check is not None:
                native = NATIVE_VALUE_CHECKS[conversion.check]
                check = _value_check(native, node.arrow_type, conversion)
                self.site(col, path, Rule.UNSAFE_CAST, expected, native.condition(node.arrow_type, conversion),
                          native.exact, lift(_count_of(check)))
                parts.append(check)
        elif isinstance(node, VectorNode):
            self.conversions.append(ConversionSite(col.name, path, "pyspark.ml vector", repr(node.spec),
                                                   "vector_to_array"))
        elif isinstance(node, ListNode):
            child = self.node(col, node.element, required, "element", paths.any_element(path),
                              _lift_elements(lift))
            if child is not None:
                parts.append(_in_elements(child))
        elif isinstance(node, MapNode):
            child = self.node(col, node.value, required, "map_value", paths.any_value(path),
                              _lift_elements(lift, map_values=True))
            if child is not None:
                parts.append(_in_map_values(child))
        elif isinstance(node, StructNode):
            props = {p.name: p for p in node.spec.properties}
            for f in node.fields:
                where = paths.field(path, f.name)
                if f.node is None:  # an optional property the input lacks: null in the valid output
                    self.conversions.append(ConversionSite(col.name, where, "absent",
                                                           describe_expected(props[f.name].dtype, False), "absent"))
                    continue
                child = self.node(col, f.node, f.required, "property", where, _lift_field(lift, f.name))
                if child is not None:
                    parts.append(_in_field(f.name, child))
        return _any_of(parts)

    def tensor(self, col: ColumnPlan, node: TensorNode, path: str, lift: Lift) -> Builder:
        expected = describe_expected(node.spec, True)
        self.site(col, path, Rule.NULL_IN_REQUIRED, expected, "IS NULL", True, lift(_count_of(_is_null)))
        level, level_lift = path, lift
        for depth, dim in enumerate(node.dims):
            if depth:
                self.site(col, level, Rule.NULL_IN_REQUIRED, expected, "IS NULL", True,
                          level_lift(_count_of(_is_null)))
            if dim != -1:
                self.site(col, level, Rule.SHAPE_MISMATCH, expected, f"size != {dim}", True,
                          level_lift(_count_of(_wrong_size(dim))))
            level, level_lift = paths.any_element(level), _lift_elements(level_lift)
        if node.dims:
            self.site(col, level, Rule.NULL_IN_REQUIRED, expected, "IS NULL", True, level_lift(_count_of(_is_null)))
        leaf: Builder = _is_null
        conversion = node.conversion
        if conversion.decision is not Decision.ACCEPT:
            self.conversions.append(ConversionSite(col.name, level, str(node.element_type), str(node.spec.type),
                                                   conversion.decision.value))
        if conversion.decision is Decision.VALUE_CHECK and conversion.check is not None:
            native = NATIVE_VALUE_CHECKS[conversion.check]
            check = _value_check(native, node.element_type, conversion)
            self.site(col, level, Rule.UNSAFE_CAST, expected, native.condition(node.element_type, conversion),
                      native.exact, level_lift(_count_of(check)))
            leaf = _any_of([_is_null, check]) or _is_null
        return _tensor_level(node.dims, 0, leaf)


def compile_plan(plan: Plan) -> NativeCheck:
    """The suspect flag of ``plan``: one boolean Column over the input's columns, never null.

    A position the compiler cannot express would make every row suspect (``coalesce(..., true)`` also
    turns an unexpected null into "suspect"): the flag may only err towards the Arrow kernels.
    """
    from pyspark.sql import functions as F

    compiler = _Compiler(plan)
    flags, occurrences = [], []
    for c in plan.columns:
        first_site = len(compiler.counts)
        build = compiler.node(c, c.node, c.required, "column", c.name)
        if build is not None:
            flags.append(build(col(c.source)))
        occurrences.extend(count(col(c.source)) for count in compiler.counts[first_site:])
    suspect = F.lit(False) if not flags else F.coalesce(_or_all(flags), F.lit(True))
    exact = all(s.exact for s in compiler.sites)
    return NativeCheck(suspect, exact, compiler.sites, compiler.conversions, occurrences)


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
