"""THE rule table: which found (Arrow) type converts to which declared DataType, and what `required` means.

Both engines execute this table: the local engine (pandas/numpy/dicts converted to Arrow) and the Spark
engine (Arrow record batches inside ``mapInArrow``). Spark columns are typed, so every decision that
depends only on the types is taken here, on the driver, before any data moves. The only per-value
rules are listed in :class:`ValueCheck` and the null policy in :func:`null_is_violation`.

The table is derived from MLflow's ``_enforce_mlflow_datatype`` (mlflow 3.17): upcasts within a kind,
(u)int up to 32 bits to double, int64 to float/double only when every value is 0 or 1, decimal to
double, date/timestamp to datetime. Where MLflow accepts a column only because pandas stores it as
``object`` (decimals, dates or bytes passing a ``string``/``boolean`` spec) we refuse; see
``docs/deviations.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pyarrow as pa

from spark_signature.types import DataType


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
    DECIMAL = "decimal"
    STRING = "string"
    BINARY = "binary"
    DATE = "date"
    TIMESTAMP = "timestamp"
    TIMESTAMP_TZ = "timestamp_tz"
    NULL = "null"
    LIST = "list"
    STRUCT = "struct"
    MAP = "map"
    OTHER = "other"


class Decision(StrEnum):
    ACCEPT = "accept"  # same type: no conversion
    WIDEN = "widen"  # lossless cast to the declared type
    VALUE_CHECK = "value_check"  # accepted per value, see ValueCheck
    REFUSE = "refuse"  # refused for the whole column, on the driver


class ValueCheck(StrEnum):
    ZERO_OR_ONE = "zero_or_one"  # MLflow: int64 -> float/double only for 0/1 values (PR #13036)


@dataclass(frozen=True)
class Conversion:
    decision: Decision
    check: ValueCheck | None = None
    hint: str | None = None

    @property
    def accepted(self) -> bool:
        return self.decision is not Decision.REFUSE


MISSING_VALUES_HINT = (
    "the type mismatch is likely caused by missing values. Integer columns in python can not represent "
    "missing values and are therefore encoded as floats. Declare the column as double, or make it optional "
    "and keep it integer in Spark (spark_signature checks nulls per row)."
)
TZ_HINT = "Please ensure that the input data of datetime column only contains timezone-naive datetime objects."

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
    (Found.STRING, D.string): _ACCEPT,
    (Found.STRING, D.binary): _WIDEN,
    (Found.BINARY, D.binary): _ACCEPT,
    (Found.DATE, D.datetime): _WIDEN,
    (Found.TIMESTAMP, D.datetime): _ACCEPT,
    (Found.TIMESTAMP_TZ, D.datetime): Conversion(Decision.REFUSE, hint=TZ_HINT),
    # An all-null column has no type of its own: it is accepted, and the null policy decides per row.
    **{(Found.NULL, t): _WIDEN for t in DataType},
}

#: Extra hints for refusals, keyed like CONVERSIONS.
REFUSAL_HINTS: dict[tuple[Found, DataType], str] = {
    **{(Found.FLOAT64, t): MISSING_VALUES_HINT for t in (D.integer, D.long)},
    (Found.INT64, D.integer): "a long column can not be narrowed to integer; declare the column as long.",
    (Found.FLOAT64, D.float): "a double column can not be narrowed to float; declare the column as double.",
}


def decide(found: Found, target: DataType) -> Conversion:
    """The table lookup; a refusal carries the most helpful hint we have."""
    conversion = CONVERSIONS.get((found, target))
    if conversion is not None:
        return conversion
    return Conversion(Decision.REFUSE, hint=REFUSAL_HINTS.get((found, target)))


def classify(arrow_type: pa.DataType, *, spark: bool = False) -> Found:
    """Map an Arrow type to its :class:`Found` kind.

    ``spark=True``: Spark's TimestampType reaches Arrow tz-aware (the session time zone); MLflow sees it
    as naive local time after ``toPandas``, so it counts as a plain timestamp there.
    """
    t = arrow_type
    if pa.types.is_dictionary(t):
        return Found.OTHER  # pandas categoricals: MLflow refuses them for every type
    simple = {
        pa.bool_(): Found.BOOL,
        pa.int8(): Found.INT8,
        pa.int16(): Found.INT16,
        pa.int32(): Found.INT32,
        pa.int64(): Found.INT64,
        pa.uint8(): Found.UINT8,
        pa.uint16(): Found.UINT16,
        pa.uint32(): Found.UINT32,
        pa.uint64(): Found.UINT64,
        pa.float16(): Found.FLOAT16,
        pa.float32(): Found.FLOAT32,
        pa.float64(): Found.FLOAT64,
        pa.null(): Found.NULL,
    }
    if t in simple:
        return simple[t]
    if pa.types.is_decimal(t):
        return Found.DECIMAL
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return Found.STRING
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return Found.BINARY
    if pa.types.is_date(t):
        return Found.DATE
    if pa.types.is_timestamp(t):
        return Found.TIMESTAMP if (t.tz is None or spark) else Found.TIMESTAMP_TZ
    if pa.types.is_map(t):
        return Found.MAP
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return Found.LIST
    if pa.types.is_struct(t):
        return Found.STRUCT
    return Found.OTHER


class Compat(StrEnum):
    """How `required` is read. STRICT is ours; MLFLOW reproduces MLflow's decisions."""

    STRICT = "strict"
    MLFLOW = "mlflow"


def null_is_violation(target: object, required: bool, compat: Compat, *, position: str = "column") -> bool:
    """Does a null value at this position violate the signature?

    ``target`` is the declared type at the position. ``position`` is ``column`` (a top-level column),
    ``element`` (an array element) or ``map_value`` (both inherit the column's ``required``, as MLflow
    checks composite elements with the column's flag) or ``property`` (an Object property, own flag).

    * STRICT: a null violates exactly when the position is required.
    * MLFLOW: MLflow never checks nulls in scalar columns or elements (NaN/None pass), except that
      integer/long values cannot hold them in pandas (float64 + NaN is refused with the missing-values
      hint), whatever `required` says. Properties, map values (MLflow checks each value as a scalar with
      the map's flag) and composite values follow `required`.
    """
    from spark_signature.types import AnyType

    if isinstance(target, AnyType):
        return False
    if compat is Compat.STRICT or position in ("property", "map_value") or not isinstance(target, DataType):
        return bool(required)
    return target in (DataType.integer, DataType.long)


def describe_expected(target: object, required: bool) -> str:
    """`long (required)`, `Array(double) (optional)`: the `expected` text of errors and quarantine rows."""
    name = target.name if isinstance(target, DataType) else repr(target)
    return f"{name} ({'required' if required else 'optional'})"


def markdown_table() -> str:
    """The conversion table as Markdown (docs/enforcement.md embeds it; a test keeps the two equal)."""
    marks = {Decision.ACCEPT: "ok", Decision.WIDEN: "widen", Decision.VALUE_CHECK: "0/1 only", Decision.REFUSE: "✗"}
    targets = list(DataType)
    lines = [
        "| found \\ declared | " + " | ".join(t.name for t in targets) + " |",
        "|---" * (len(targets) + 1) + "|",
    ]
    for found in Found:
        if found in (Found.LIST, Found.STRUCT, Found.MAP, Found.OTHER):
            continue
        cells = [marks[decide(found, t).decision] for t in targets]
        lines.append(f"| {found.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
