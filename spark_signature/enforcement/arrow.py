"""Batch kernels: execute a :class:`Plan` on Arrow arrays with ``pyarrow.compute`` and numpy.

Work is vectorized per column and per nesting level; Python loops run over the plan (columns, struct
fields), never over rows. Violations are gathered as (row, column, path, rule, expected, found, value)
chunks and assembled into one ``list<struct>`` column (fields :data:`~spark_signature.violations.VIOLATION_FIELDS`),
null for valid rows. :func:`convert` turns accepted arrays into the declared types (the local engine's
output; the Spark engine converts with native expressions instead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from spark_signature import paths
from spark_signature.arrow_types import DATATYPE_TO_ARROW, classify, to_arrow_type
from spark_signature.enforcement.plan import (
    AnyNode,
    ColumnPlan,
    ListNode,
    MapNode,
    Node,
    NullNode,
    Plan,
    ScalarNode,
    StructNode,
    TensorNode,
)
from spark_signature.errors import Rule
from spark_signature.rules import (
    PANDAS_CHECKS,
    ZERO_OR_ONE_VALUES,
    Compat,
    Conversion,
    Decision,
    ValueCheck,
    describe_expected,
    null_violation,
    range_checks,
)
from spark_signature.types import DataType
from spark_signature.violations import VIOLATION_FIELDS, RuleCount, Violation, merge_rule_counts

VIOLATION_TYPE = pa.struct([(name, pa.string()) for name in VIOLATION_FIELDS])
VIOLATIONS_TYPE = pa.list_(VIOLATION_TYPE)


class _Locator:
    """Maps positions in the array being checked to batch rows and paths (computed lazily)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def locate(self, pos: np.ndarray) -> tuple[np.ndarray, pa.Array]:
        return pos, _const(self.path, len(pos))


class _ChildLocator(_Locator):
    def __init__(self, parent: _Locator, parent_pos: np.ndarray | None, suffix: str | None = None,
                 index: np.ndarray | None = None, keys: pa.Array | None = None) -> None:
        self.parent = parent
        self.parent_pos = parent_pos
        self.suffix = suffix
        self.index = index
        self.keys = keys

    def locate(self, pos: np.ndarray) -> tuple[np.ndarray, pa.Array]:
        up = pos if self.parent_pos is None else self.parent_pos[pos]
        rows, where = self.parent.locate(up)
        if self.index is not None:
            idx = pc.cast(pa.array(self.index[pos]), pa.string())
            return rows, pc.binary_join_element_wise(where, paths.INDEX_OPEN, idx, paths.INDEX_CLOSE, "")
        if self.keys is not None:
            keys = pc.cast(self.keys.take(pa.array(pos)), pa.string())
            keys = pc.replace_substring(pc.replace_substring(keys, "\\", "\\\\"), "'", "\\'")
            return rows, pc.binary_join_element_wise(where, paths.KEY_OPEN, keys, paths.KEY_CLOSE, "")
        return rows, pc.binary_join_element_wise(where, self.suffix or "", "")


def _const(value: str, n: int) -> pa.Array:
    return pc.fill_null(pa.nulls(n, pa.string()), value)


@dataclass
class _Chunk:
    rows: np.ndarray
    column: str
    paths: pa.Array
    rule: Rule
    expected: str
    found: str
    values: pa.Array | None


class ViolationLog:
    """Violations of one batch, gathered per check and assembled once."""

    def __init__(self, num_rows: int) -> None:
        self.num_rows = num_rows
        self.chunks: list[_Chunk] = []

    def add(self, loc: _Locator, pos: np.ndarray, column: str, rule: Rule, expected: str, found: str,
            values: pa.Array | None) -> None:
        if len(pos) == 0:
            return
        rows, where = loc.locate(pos)
        self.chunks.append(_Chunk(rows, column, where, rule, expected, found, values))

    def __bool__(self) -> bool:
        return bool(self.chunks)

    def invalid_rows(self) -> np.ndarray:
        """Boolean mask of rows with at least one violation."""
        mask = np.zeros(self.num_rows, dtype=bool)
        for c in self.chunks:
            mask[c.rows] = True
        return mask

    def _ordered(self) -> tuple[np.ndarray, list[pa.Array]]:
        rows = np.concatenate([c.rows for c in self.chunks]).astype(np.int64)
        order = pa.array(np.argsort(rows, kind="stable"))
        return rows[order.to_numpy()], [f.take(order) for f in self._fields()]

    def to_arrow(self) -> pa.Array:
        """A ``list<struct>`` column: all violations of each row, null for valid rows."""
        n = self.num_rows
        if not self.chunks:
            return pa.nulls(n, VIOLATIONS_TYPE)
        rows, fields = self._ordered()
        struct = pa.StructArray.from_arrays(fields, fields=list(VIOLATION_TYPE))
        counts = np.bincount(rows, minlength=n)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(counts, out=offsets[1:])
        return pa.ListArray.from_arrays(pa.array(offsets), struct, mask=pa.array(counts == 0))

    def _fields(self) -> list[pa.Array]:
        """One array per violation field (in VIOLATION_FIELDS order), chunks concatenated."""
        def cat(arrays: list[pa.Array]) -> pa.Array:
            return pa.concat_arrays([a.cast(pa.string()) for a in arrays])

        k = [len(c.rows) for c in self.chunks]
        pairs = list(zip(self.chunks, k, strict=True))
        by_field = {
            "column": [_const(c.column, m) for c, m in pairs],
            "path": [c.paths for c in self.chunks],
            "rule": [_const(c.rule.value, m) for c, m in pairs],
            "expected": [_const(c.expected, m) for c, m in pairs],
            "found": [_const(c.found, m) for c, m in pairs],
            "value": [c.values if c.values is not None else pa.nulls(m, pa.string()) for c, m in pairs],
        }
        return [cat(by_field[name]) for name in VIOLATION_FIELDS]

    def violations(self) -> list[Violation]:
        """Every violation with its batch row, ordered by row (for the local engine, reports and tests)."""
        if not self.chunks:
            return []
        rows, fields = self._ordered()
        columns = [f.to_pylist() for f in fields]
        return [Violation.from_dict({**dict(zip(VIOLATION_FIELDS, values, strict=True)), "row": int(r)})
                for r, *values in zip(rows, *columns, strict=True)]

    def records(self) -> list[dict]:
        """:meth:`violations` as dicts (``row`` first)."""
        return [{"row": v.row, **{k: x for k, x in v.to_dict().items() if k != "row"}} for v in self.violations()]

    def rule_counts(self) -> list[RuleCount]:
        """Per (column, rule): violation count and the example in the earliest row (for fail-fast and
        counts-only): the same example whatever batches the rows came in."""
        parts = []
        for c in self.chunks:
            i = int(np.argmin(c.rows))  # the first of the earliest row's violations in this chunk
            value = None
            if c.values is not None and len(c.values):
                value = c.values[i].as_py()
            first = Violation(c.column, c.paths[i].as_py(), c.rule, c.expected, c.found,
                              None if value is None else str(value), int(c.rows[i]))
            parts.append(RuleCount(c.column, c.rule, len(c.rows), first))
        return merge_rule_counts(parts, earliest=True)


def _to_string(values: pa.Array) -> pa.Array:
    try:
        return pc.cast(values, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([str(v) for v in values.to_pylist()], pa.string())  # only the few offending values


def _list_layout(arr: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The child values covered by ``arr`` and, for each of them, its parent position and list index.

    Values under null list slots (legal in Arrow, never written by Spark) are dropped. An empty array
    is answered without reading its offsets: Arrow Java may send a zero-length offsets buffer.
    """
    if len(arr) == 0:
        empty = np.zeros(0, dtype=np.int64)
        t = arr.type
        child = pa.struct([t.key_field, t.item_field]) if pa.types.is_map(t) else t.value_type
        return pa.array([], type=child), empty, empty
    offsets = arr.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
    lengths = np.diff(offsets)
    start, stop = int(offsets[0]), int(offsets[-1])
    values = arr.values.slice(start, stop - start)
    parent = np.repeat(np.arange(len(arr), dtype=np.int64), lengths)
    index = np.arange(stop - start, dtype=np.int64) - np.repeat(offsets[:-1] - start, lengths)
    if arr.null_count and len(parent):
        keep = arr.is_valid().to_numpy(zero_copy_only=False)[parent]
        if not keep.all():
            values, parent, index = values.filter(pa.array(keep)), parent[keep], index[keep]
    return values, parent, index


def decimal_to_double(arr: pa.Array) -> pa.Array:
    """The nearest double to each decimal value, as Spark's ``CAST(d AS double)`` and Python's ``float(d)``.

    Arrow's own decimal -> double cast is not correctly rounded (``0.036`` becomes ``0.036000000000000004``);
    its decimal -> string is exact and its string -> double is correctly rounded.
    """
    return pc.cast(pc.cast(arr, pa.string()), pa.float64())


def _exact_double_survivors(arr: pa.Array) -> pa.Array:
    """True where a decimal value comes back unchanged from double at the column's scale (null: null)."""
    t = arr.type
    as_double = decimal_to_double(arr)
    # one more digit than the column: a value rounded up to the next power of ten still fits
    back_type = pa.decimal128(t.precision + 1, t.scale) if t.precision < 38 else pa.decimal256(t.precision + 1, t.scale)
    back = pc.cast(as_double, back_type)
    return pc.equal(pc.cast(arr, back_type), back)


def _outside_zero_or_one(arr: pa.Array, _conversion: Conversion) -> tuple[pa.Array, str]:
    bad = pc.and_(pc.invert(pc.is_in(arr, value_set=pa.array(ZERO_OR_ONE_VALUES, arr.type))), pc.is_valid(arr))
    return bad, f"{arr.type} value outside {{{', '.join(map(str, ZERO_OR_ONE_VALUES))}}}"


def _not_exact_double(arr: pa.Array, _conversion: Conversion) -> tuple[pa.Array, str]:
    return pc.invert(_exact_double_survivors(arr)), f"{arr.type} value that double cannot hold exactly"


def _outside_range(arr: pa.Array, conversion: Conversion) -> tuple[pa.Array, str]:
    assert conversion.bounds is not None
    lo, hi = range_checks(conversion.bounds, classify(arr.type))
    parts = [pc.less(arr, pa.scalar(lo, arr.type))] if lo is not None else []
    if hi is not None:
        parts.append(pc.greater(arr, pa.scalar(hi, arr.type)))
    bad = parts[0] if len(parts) == 1 else pc.or_(*parts)
    return bad, f"{arr.type} value outside {conversion.bounds[0]}..{conversion.bounds[1]}"


#: ValueCheck -> kernel: (mask of bad values, the `found` text). Keys: every ValueCheck but PANDAS_CHECKS (the
#: local engine runs those while reading Python objects), like the native
#: forms in ``enforcement/native.py`` (NATIVE_VALUE_CHECKS); tests/test_native.py keeps both complete.
VALUE_KERNELS: dict[ValueCheck, Callable[[pa.Array, Conversion], tuple[pa.Array, str]]] = {
    ValueCheck.ZERO_OR_ONE: _outside_zero_or_one,
    ValueCheck.EXACT_DOUBLE: _not_exact_double,
    ValueCheck.INTEGER_RANGE: _outside_range,
}


class Checker:
    """Runs the value-dependent part of a plan on one batch."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.compat: Compat = plan.compat

    def check(self, batch: pa.RecordBatch | pa.Table) -> ViolationLog:
        log = ViolationLog(batch.num_rows)
        for col in self.plan.columns:
            arr = batch.column(col.source)
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            self._check(col, col.node, arr, _Locator(col.name), log, col.required, "column")
        return log

    def _check(self, col: ColumnPlan, node: Node, arr: pa.Array, loc: _Locator, log: ViolationLog,
               required: bool, position: str) -> None:
        if isinstance(node, AnyNode):
            return
        tensor = isinstance(node, TensorNode)
        if arr.null_count:
            verdict = null_violation(node.spec, True if tensor else required, self.compat, position=position)
            if verdict is not None:
                pos = np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))
                log.add(loc, pos, col.name, verdict.rule, describe_expected(node.spec, required), verdict.found, None)
        if isinstance(node, ScalarNode):
            check = node.conversion.check
            if node.conversion.decision is Decision.VALUE_CHECK and check is not None and check not in PANDAS_CHECKS:
                _value_check(node.conversion, arr, loc, log, col.name, describe_expected(node.spec, required))
        elif isinstance(node, ListNode) and node.element is not None:
            values, parent, index = _list_layout(arr)
            self._check(col, node.element, values, _ChildLocator(loc, parent, index=index), log, required,
                        "element")
        elif isinstance(node, MapNode) and node.value is not None:
            entries, parent, _ = _list_layout(arr)
            keys, items = entries.field(0), entries.field(1)
            self._check(col, node.value, items, _ChildLocator(loc, parent, keys=keys), log, required,
                        "map_value")
        elif isinstance(node, StructNode):
            base_pos: np.ndarray | None = None
            struct = arr
            if arr.null_count:
                base_pos = np.flatnonzero(arr.is_valid().to_numpy(zero_copy_only=False))
            for f in node.fields:
                if f.node is None:
                    continue
                child = struct.field(f.index)
                if base_pos is not None:
                    child = child.take(pa.array(base_pos))
                self._check(col, f.node, child, _ChildLocator(loc, base_pos, suffix=paths.FIELD_SEP + f.name),
                            log, f.required, "property")
        elif tensor:
            self._check_tensor(col, node, arr, loc, log)

    def _check_tensor(self, col: ColumnPlan, node: TensorNode, arr: pa.Array, loc: _Locator,
                      log: ViolationLog) -> None:
        expected = describe_expected(node.spec, True)
        level, level_loc = arr, loc
        for depth, dim in enumerate(node.dims):
            if level.null_count and depth:
                pos = np.flatnonzero(level.is_null().to_numpy(zero_copy_only=False))
                log.add(level_loc, pos, col.name, Rule.NULL_IN_REQUIRED, expected, "null", None)
            if dim != -1:
                lengths = pc.list_value_length(level)
                bad = pc.fill_null(pc.not_equal(lengths, dim), False)
                pos = np.flatnonzero(bad.to_numpy(zero_copy_only=False))
                if len(pos):
                    log.add(level_loc, pos, col.name, Rule.SHAPE_MISMATCH, expected,
                            f"length != {dim} at dimension {depth + 1}",
                            _to_string(lengths.take(pa.array(pos))))
            values, parent, index = _list_layout(level)
            level, level_loc = values, _ChildLocator(level_loc, parent, index=index)
        if node.dims and level.null_count:
            pos = np.flatnonzero(level.is_null().to_numpy(zero_copy_only=False))
            log.add(level_loc, pos, col.name, Rule.NULL_IN_REQUIRED, expected, "null", None)
        if node.conversion.decision is Decision.VALUE_CHECK:
            _value_check(node.conversion, level, level_loc, log, col.name, expected)


def _value_check(conversion: Conversion, arr: pa.Array, loc: _Locator, log: ViolationLog, column: str,
                 expected: str) -> None:
    """Run the conversion's per-value kernel on ``arr``; each bad value is an ``unsafe_cast`` at its path."""
    bad, found = VALUE_KERNELS[conversion.check](arr, conversion)
    pos = np.flatnonzero(pc.fill_null(bad, False).to_numpy(zero_copy_only=False))
    if len(pos):
        log.add(loc, pos, column, Rule.UNSAFE_CAST, expected, found, _to_string(arr.take(pa.array(pos))))


# ---- conversion of accepted arrays to the declared types (the local engine's output) --------------


def convert(node: Node | None, arr: pa.Array) -> pa.Array:
    """``arr`` converted to the declared type of ``node`` (lossless: the plan and the checks accepted it)."""
    if node is None or isinstance(node, AnyNode):
        return arr
    if isinstance(node, NullNode):
        return pa.nulls(len(arr), to_arrow_type(node.spec) or pa.null())
    if isinstance(node, ScalarNode):
        if pa.types.is_decimal(arr.type) and node.spec is DataType.double:
            return decimal_to_double(arr)
        return arr.cast(DATATYPE_TO_ARROW[node.spec], safe=False)
    if isinstance(node, ListNode):
        values = convert(node.element, arr.flatten())
        offsets = pa.array(np.concatenate([[0], np.cumsum(arr.value_lengths().fill_null(0).to_numpy())]),
                           pa.int32())
        return pa.ListArray.from_arrays(offsets, values, mask=arr.is_null())
    if isinstance(node, MapNode):
        return arr.cast(to_arrow_type(node.spec))
    if isinstance(node, StructNode):
        props = {p.name: p for p in node.spec.properties}
        children, fields = [], []
        for f in node.fields:
            t = to_arrow_type(props[f.name].dtype)
            child = pa.nulls(len(arr), t or pa.null()) if f.node is None else convert(f.node, arr.field(f.index))
            children.append(child)
            fields.append(pa.field(f.name, child.type))
        return pa.StructArray.from_arrays(children, fields=fields, mask=arr.is_null())
    return arr
