"""THE rule table: which found type converts to which declared DataType, and what `required` means.

Every engine executes this table: the local engine (pandas/numpy/dicts converted to Arrow), the Arrow
kernels inside ``mapInArrow``, and the native Spark expressions. Found types are classified into
:class:`Found` kinds (:func:`spark_signature.arrow_types.classify`), and every decision that depends only
on the types is taken here, on the driver, before any data moves. The only per-value rules are listed
in :class:`ValueCheck` and the null policy in :func:`null_is_violation`.

The table is derived from MLflow's ``_enforce_mlflow_datatype`` (mlflow 3.17): upcasts within a kind,
(u)int up to 32 bits to double, int64 to float/double only when every value is 0 or 1, decimal to
double, date/timestamp to datetime. Where MLflow accepts a column only because pandas stores it as
``object`` (decimals, dates or bytes passing a ``string``/``boolean`` spec) we refuse; and a decimal
wider than 15 digits converts to double only value by value, where the value survives (MLflow converts
it whatever it loses). :data:`MLFLOW_CONVERSIONS` holds what ``compat="mlflow"`` decides otherwise:
MLflow's object-column rules (:attr:`Found.OBJECT`) and its lossy decimals. See ``docs/deviations.md``.

Pure Python: no Spark, no Arrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from spark_signature.errors import Rule
from spark_signature.types import AnyType, Array, Compat, DataType, Map

__all__ = [
    "CONVERSIONS",
    "MAX_EXACT_DECIMAL_PRECISION",
    "MLFLOW_CONVERSIONS",
    "PANDAS_CHECKS",
    "VALUE_CHECK_TEXT",
    "ZERO_OR_ONE_VALUES",
    "Compat",
    "Conversion",
    "Decision",
    "Found",
    "NullViolation",
    "ValueCheck",
    "decide",
    "decide_tensor",
    "describe_expected",
    "describe_range",
    "integer_bounds",
    "markdown_table",
    "null_is_violation",
    "null_violation",
    "range_checks",
    "tensor_markdown_table",
]

#: A decimal with at most this many significant digits survives a round trip through a double
#: (IEEE 754 binary64 guarantees 15 decimal digits, C's ``DBL_DIG``).
MAX_EXACT_DECIMAL_PRECISION = 15


class Found(StrEnum):
    """The kind of a found column, independent of engine (derived from its Arrow type)."""

    BOOL = "bool"
    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    UINT8 = "uint8"
    UINT16 = "uint16"
    UINT32 = "uint32"
    UINT64 = "uint64"
    FLOAT16 = "float16"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    DECIMAL = "decimal"  # precision <= 15: every value survives a conversion to double
    DECIMAL_WIDE = "decimal_wide"  # precision > 15: some values may not
    STRING = "string"
    BINARY = "binary"
    DATE = "date"
    TIMESTAMP = "timestamp"  # naive (pandas), or Spark's TimestampType
    TIMESTAMP_NTZ = "timestamp_ntz"  # Spark's TimestampNTZType
    TIMESTAMP_TZ = "timestamp_tz"  # a tz-aware pandas column
    NULL = "null"  # an all-null column (Arrow's null type, Spark's NullType): no type of its own
    #: a pandas ``object`` column as MLflow sees it: Python values of any (mixed) types. Only the local
    #: engine produces it (under compat="mlflow" for every object column MLflow's ``infer_objects`` leaves
    #: as object; in strict mode for object columns Arrow cannot give one type). Spark columns never are.
    OBJECT = "object"
    LIST = "list"
    STRUCT = "struct"
    MAP = "map"
    OTHER = "other"


COMPOSITE_KINDS = frozenset({Found.LIST, Found.STRUCT, Found.MAP})


class Decision(StrEnum):
    ACCEPT = "accept"  # same type: no conversion
    WIDEN = "widen"  # lossless cast to the declared type
    VALUE_CHECK = "value_check"  # accepted per value, see ValueCheck
    REFUSE = "refuse"  # refused for the whole column, on the driver


class ValueCheck(StrEnum):
    """The per-value rules. Each has a kernel (``enforcement/arrow.py`` VALUE_KERNELS) and a native form
    (``enforcement/native.py`` NATIVE_VALUE_CHECKS), both derived from the data below."""

    ZERO_OR_ONE = "zero_or_one"  # MLflow: int64 -> float/double only for 0/1 values (PR #13036)
    EXACT_DOUBLE = "exact_double"  # a decimal value must survive the conversion to double
    NUMERIC = "numeric"  # MLflow: an object column -> double through pandas.to_numeric, which must succeed
    DATETIME = "datetime"  # MLflow: an object column -> datetime through astype('datetime64[ns]')
    #: a tensor element fed from a wider (or differently signed) integer type must lie in the dtype's range
    INTEGER_RANGE = "integer_range"


#: Checks of Python objects (:attr:`Found.OBJECT`): Arrow cannot hold the values, so the local engine
#: runs them with pandas when it reads the column, and the kernels see the converted column.
PANDAS_CHECKS = frozenset({ValueCheck.NUMERIC, ValueCheck.DATETIME})


#: Each per-value rule in words: (the rule table's cell, what a value must be to pass). The docs table and
#: the signature diff's reasons read it, so a new ValueCheck is described once.
VALUE_CHECK_TEXT: dict[ValueCheck, tuple[str, str]] = {
    ValueCheck.ZERO_OR_ONE: ("0/1 only", "only when every value is 0 or 1"),
    ValueCheck.EXACT_DOUBLE: ("exact values only", "only values a double holds exactly"),
    ValueCheck.NUMERIC: ("if to_numeric converts", "only values pandas.to_numeric converts"),
    ValueCheck.DATETIME: ("if astype converts", "only values astype('datetime64[ns]') converts"),
    ValueCheck.INTEGER_RANGE: ("in range only", "only integers inside the declared dtype's range"),
}


#: The int64 values MLflow converts to float/double (ValueCheck.ZERO_OR_ONE).
ZERO_OR_ONE_VALUES: tuple[int, ...] = (0, 1)


@dataclass(frozen=True)
class Conversion:
    decision: Decision
    check: ValueCheck | None = None
    hint: str | None = None  # why a refusal, and what to do
    warning: str | None = None  # what the user should know when the plan takes this conversion
    bounds: tuple[int, int] | None = None  # ValueCheck.INTEGER_RANGE: the inclusive range of accepted values

    @property
    def accepted(self) -> bool:
        return self.decision is not Decision.REFUSE


MISSING_VALUES_HINT = (
    "the type mismatch is likely caused by missing values. Integer columns in python can not represent "
    "missing values and are therefore encoded as floats. Declare the column as double, or make it optional "
    "and keep it integer in Spark (spark_signature checks nulls per row)."
)
TZ_HINT = "Please ensure that the input data of datetime column only contains timezone-naive datetime objects."
DECIMAL_CHECKED = (
    "{type} has more than 15 significant digits: values that do not survive the conversion to double are "
    "refused per row (rule unsafe_cast); cast the column to double in Spark to accept the rounding"
)
OBJECT_HINT = (
    "the column holds Python objects (of several types, or only missing values) that do not convert to "
    "the declared type; give the column one type matching the signature (e.g. df[col].astype(...))"
)
DECIMAL_LOSSY = (
    "{type} has more than 15 significant digits: converted to double as MLflow does, values may lose "
    "precision (compat='mlflow'; the default mode refuses such values per row)"
)

_ACCEPT = Conversion(Decision.ACCEPT)
_WIDEN = Conversion(Decision.WIDEN)
_ZERO_ONE = Conversion(Decision.VALUE_CHECK, ValueCheck.ZERO_OR_ONE)

D = DataType
_SMALL_INTS = (Found.INT8, Found.INT16, Found.INT32, Found.UINT8, Found.UINT16)

#: (found kind, declared type) -> conversion. Anything absent is refused.
CONVERSIONS: dict[tuple[Found, DataType], Conversion] = {
    (Found.BOOL, D.boolean): _ACCEPT,
    **{(f, D.integer): (_ACCEPT if f is Found.INT32 else _WIDEN) for f in _SMALL_INTS},
    **{(f, D.long): _WIDEN for f in (*_SMALL_INTS, Found.UINT32)},
    **{(f, D.double): _WIDEN for f in (*_SMALL_INTS, Found.UINT32)},
    (Found.INT64, D.long): _ACCEPT,
    (Found.INT64, D.float): _ZERO_ONE,
    (Found.INT64, D.double): _ZERO_ONE,
    (Found.FLOAT16, D.float): _WIDEN,
    (Found.FLOAT16, D.double): _WIDEN,
    (Found.FLOAT32, D.float): _ACCEPT,
    (Found.FLOAT32, D.double): _WIDEN,
    (Found.FLOAT64, D.double): _ACCEPT,
    (Found.DECIMAL, D.double): _WIDEN,
    (Found.DECIMAL_WIDE, D.double): Conversion(Decision.VALUE_CHECK, ValueCheck.EXACT_DOUBLE,
                                               warning=DECIMAL_CHECKED),
    (Found.STRING, D.string): _ACCEPT,
    (Found.STRING, D.binary): _WIDEN,
    (Found.BINARY, D.binary): _ACCEPT,
    (Found.DATE, D.datetime): _WIDEN,
    (Found.TIMESTAMP, D.datetime): _ACCEPT,
    (Found.TIMESTAMP_NTZ, D.datetime): _WIDEN,
    (Found.TIMESTAMP_TZ, D.datetime): Conversion(Decision.REFUSE, hint=TZ_HINT),
    # An all-null column has no type of its own: it is accepted, and the null policy decides per row.
    **{(Found.NULL, t): _WIDEN for t in DataType},
}

#: Where ``compat="mlflow"`` decides otherwise (MLflow 3.17's ``_enforce_mlflow_datatype``):
#:
#: * any decimal converts to double, whatever it loses;
#: * a pandas object column (what ``infer_objects`` leaves as object) passes ``string``, ``binary`` and
#:   ``boolean`` unchanged, becomes ``double`` if ``pandas.to_numeric`` converts it and ``datetime`` if
#:   ``astype('datetime64[ns]')`` does; every other type refuses it.
MLFLOW_CONVERSIONS: dict[tuple[Found, DataType], Conversion] = {
    (Found.DECIMAL_WIDE, D.double): Conversion(Decision.WIDEN, warning=DECIMAL_LOSSY),
    **{(Found.OBJECT, t): _ACCEPT for t in (D.string, D.binary, D.boolean)},
    (Found.OBJECT, D.double): Conversion(Decision.VALUE_CHECK, ValueCheck.NUMERIC),
    (Found.OBJECT, D.datetime): Conversion(Decision.VALUE_CHECK, ValueCheck.DATETIME),
}

MLFLOW_MISSING_VALUES_HINT = (
    "if the column holds integers with missing values: pandas can not hold those in an integer column and "
    "stores them as floats (or objects), which compat='mlflow' refuses whatever `required` says, as MLflow "
    "does. Declare the column as double, or use the default compat='strict', where an optional integer "
    "column may hold nulls."
)

#: Extra hints for refusals, keyed like CONVERSIONS (MLFLOW_REFUSAL_HINTS first under compat="mlflow").
REFUSAL_HINTS: dict[tuple[Found, DataType], str] = {
    **{(Found.FLOAT64, t): MISSING_VALUES_HINT for t in (D.integer, D.long)},
    (Found.INT64, D.integer): "a long column can not be narrowed to integer; declare the column as long.",
    (Found.FLOAT64, D.float): "a double column can not be narrowed to float; declare the column as double.",
    **{(Found.OBJECT, t): OBJECT_HINT for t in DataType},
}
MLFLOW_REFUSAL_HINTS: dict[tuple[Found, DataType], str] = {
    (f, t): MLFLOW_MISSING_VALUES_HINT for f in (Found.FLOAT64, Found.OBJECT) for t in (D.integer, D.long)
}


def decide(found: Found, target: DataType, compat: Compat | str = Compat.STRICT) -> Conversion:
    """The table lookup; a refusal carries the most helpful hint we have."""
    conversion = hint = None
    if Compat(compat) is Compat.MLFLOW:
        conversion = MLFLOW_CONVERSIONS.get((found, target))
        hint = MLFLOW_REFUSAL_HINTS.get((found, target))
    if conversion is None:
        conversion = CONVERSIONS.get((found, target))
    if conversion is not None:
        return conversion
    return Conversion(Decision.REFUSE, hint=hint or REFUSAL_HINTS.get((found, target)))


#: The integer kinds a tensor element may be found as, with the numpy dtype whose range each holds.
INTEGER_KINDS: dict[Found, np.dtype] = {
    Found(str(np.dtype(name))): np.dtype(name)
    for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
}


def integer_bounds(dtype: np.dtype) -> tuple[int, int]:
    """The inclusive value range of an integer dtype: ``uint8`` -> (0, 255), ``int16`` -> (-32768, 32767)."""
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def range_checks(bounds: tuple[int, int], found: Found) -> tuple[int | None, int | None]:
    """The sides of ``bounds`` a value of kind ``found`` can break: (lower, upper), None where it cannot
    (an int8 value is never above 255). Each bound given lies in the found kind's own range."""
    lo, hi = bounds
    have_lo, have_hi = integer_bounds(INTEGER_KINDS[found])
    return (lo if lo > have_lo else None), (hi if hi < have_hi else None)


def describe_range(bounds: tuple[int, int], found: Found) -> str:
    """``>= 0``, ``<= 127`` or ``0..255``: the range check as a found kind's values meet it."""
    lo, hi = range_checks(bounds, found)
    if lo is not None and hi is not None:
        return f"{lo}..{hi}"
    return f">= {lo}" if lo is not None else f"<= {hi}"


def decide_tensor(found: Found, want: Found | None, dtype_name: str | None = None) -> Conversion:
    """How a tensor's elements, found as ``found``, become the dtype whose kind is ``want``.

    Tensor data is never converted (MLflow's rule), with one exception Spark forces: it has no unsigned
    types and users hold narrow integers in wider columns, so an integer dtype accepts elements of any
    integer kind. Elements of the dtype itself are accepted; of a kind whose range fits in the dtype's,
    widened; of any other integer kind, converted value by value, a value outside the dtype's range
    (:func:`integer_bounds`) being refused (rule ``unsafe_cast``). ``want=None`` (an ``object`` dtype:
    anything goes) accepts every kind.
    """
    if want is None or found is want:
        return _ACCEPT
    if want in INTEGER_KINDS and found in INTEGER_KINDS:
        lo, hi = integer_bounds(INTEGER_KINDS[want])
        if range_checks((lo, hi), found) == (None, None):
            return _WIDEN
        return Conversion(Decision.VALUE_CHECK, ValueCheck.INTEGER_RANGE, bounds=(lo, hi))
    name = dtype_name or want.value
    extra = ", except integers to an integer dtype" if want in INTEGER_KINDS else ""
    return Conversion(Decision.REFUSE, hint=f"cast the elements to {name} (tensor dtypes are never converted{extra})")


def null_is_violation(target: object, required: bool, compat: Compat, *, position: str = "column") -> bool:
    """Does a null value at this position violate the signature?

    ``target`` is the declared type at the position. ``position`` is ``column`` (a top-level column),
    ``element`` (an array element) or ``map_value`` (both inherit the column's ``required``, as MLflow
    checks composite elements with the column's flag) or ``property`` (an Object property, own flag).

    * STRICT: a null violates exactly when the position is required.
    * MLFLOW: MLflow never checks nulls in scalar columns or elements (NaN/None pass), except that
      integer/long values cannot hold them in pandas (float64 + NaN is refused with the missing-values
      hint), whatever `required` says. Properties, map values (MLflow checks each value as a scalar with
      the map's flag) and composite values follow `required`, except that an Array or Map of Any takes
      None even when required (MLflow's ``_enforce_array`` / ``_enforce_map``).
    """
    if isinstance(target, AnyType):
        return False
    if compat is Compat.MLFLOW and _of_any(target):
        return False
    if compat is Compat.STRICT or position in ("property", "map_value") or not isinstance(target, DataType):
        return bool(required)
    return target in (DataType.integer, DataType.long)


#: The `found` text of a null that compat="mlflow" refuses in an optional integer column or element.
MLFLOW_NULL_IN_INTEGER = (
    "null (compat='mlflow' refuses nulls in {type} values even when optional, as MLflow does: pandas holds "
    "integers with missing values as float64, which MLflow does not convert to {type})"
)


@dataclass(frozen=True)
class NullViolation:
    """How a refused null is reported: its rule and the `found` text."""

    rule: Rule
    found: str = "null"


def null_violation(target: object, required: bool, compat: Compat, *, position: str = "column") -> NullViolation | None:
    """None if a null is fine at this position (:func:`null_is_violation`), else how to report it.

    A null in a required position is ``null_in_required``. Under compat="mlflow" a null in an *optional*
    integer/long column or element is refused too (MLflow's pandas cannot hold it): that is reported as
    ``null_in_integer`` with MLflow's reason, never as a contradictory "null in required".
    """
    if not null_is_violation(target, required, compat, position=position):
        return None
    if not required:
        name = target.name if isinstance(target, DataType) else repr(target)
        return NullViolation(Rule.NULL_IN_INTEGER, MLFLOW_NULL_IN_INTEGER.format(type=name))
    return NullViolation(Rule.NULL_IN_REQUIRED)


def _of_any(target: object) -> bool:
    return (isinstance(target, Array) and isinstance(target.dtype, AnyType)) or (
        isinstance(target, Map) and isinstance(target.value_type, AnyType))


def describe_expected(target: object, required: bool) -> str:
    """`long (required)`, `Array(double) (optional)`: the `expected` text of errors and quarantine rows."""
    name = target.name if isinstance(target, DataType) else repr(target)
    return f"{name} ({'required' if required else 'optional'})"


def markdown_table() -> str:
    """The conversion table as Markdown (docs/enforcement.md embeds it; a test keeps the two equal)."""
    marks = {Decision.ACCEPT: "ok", Decision.WIDEN: "widen", Decision.REFUSE: "✗"}
    checks = {check: cell for check, (cell, _) in VALUE_CHECK_TEXT.items()}
    targets = list(DataType)
    lines = [
        "| found \\ declared | " + " | ".join(t.name for t in targets) + " |",
        "|---" * (len(targets) + 1) + "|",
    ]
    for found in Found:
        if found in (*COMPOSITE_KINDS, Found.OTHER):
            continue
        cells = []
        for t in targets:
            c = decide(found, t)
            cell = checks[c.check] if c.check is not None else marks[c.decision]
            mlflow = decide(found, t, Compat.MLFLOW)
            if (mlflow.decision, mlflow.check) != (c.decision, c.check):
                cell += f" (mlflow: {checks[mlflow.check] if mlflow.check else marks[mlflow.decision]})"
            cells.append(cell)
        lines.append(f"| {found.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tensor_markdown_table() -> str:
    """The integer tensor-element table as Markdown (:func:`decide_tensor`; docs/enforcement.md embeds it)."""
    kinds = list(INTEGER_KINDS)
    lines = ["| found element \\ tensor dtype | " + " | ".join(k.value for k in kinds) + " |",
             "|---" * (len(kinds) + 1) + "|"]
    for found in kinds:
        cells = []
        for target in kinds:
            c = decide_tensor(found, target)
            cells.append(f"{describe_range(c.bounds, found)} only" if c.bounds else
                         c.decision.value.replace("accept", "ok"))
        lines.append(f"| {found.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
