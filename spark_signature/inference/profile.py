"""Per-batch Arrow profiles of a DataFrame's columns, and their merge.

This module is the executor side of ``full`` / ``sample`` inference (see :mod:`.spark`). It is pure
pyarrow + numpy: no pyspark import, so it is cheap to load in a Python worker and testable without a
JVM.

A :class:`Kind` tree (built on the driver from the Spark schema) tells the profiler what each column is;
a :class:`NodeProfile` tree of the same shape accumulates, per position:

* ``count`` / ``nulls``: values seen and nulls among them. A struct field counts only rows whose struct
  is non-null, a list element only elements of non-null lists (the enforcement engine's view).
* ``min_len`` / ``max_len``: list lengths (lists, maps) or vector sizes, over non-null values.
* ``keys``: for maps, ``key -> [maps containing it, null values under it]``, up to ``key_cap`` distinct
  keys; beyond the cap ``keys`` is None for good (``overflow``).

Every batch is profiled with vectorized ``pyarrow.compute`` calls per column and nesting level; Python
loops run over the kind tree, never over rows. A partition's profile is a few hundred bytes of JSON
whatever its row count (plus at most ``key_cap`` keys per map), so the driver merges one small record
per partition and its memory stays flat as data grows.

Path grammar (shared with :mod:`spark_signature.spark_types`): struct field ``a.b``, array element
``a[]``, map value ``a{}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "PROFILE_COLUMN",
    "Kind",
    "NodeProfile",
    "TableProfile",
    "profile_batches",
]

#: Name of the single string column each partition yields (one JSON document per partition).
PROFILE_COLUMN = "profile"

LEAF, NULL, LIST, STRUCT, MAP, VECTOR = "leaf", "null", "list", "struct", "map", "vector"


@dataclass(frozen=True)
class Kind:
    """What a position holds, as far as profiling cares.

    ``kind`` is one of ``leaf`` (any scalar, variant included: only nulls are counted), ``null``
    (Spark ``NullType``), ``list``, ``struct``, ``map`` or ``vector`` (``pyspark.ml`` VectorUDT, which
    reaches Arrow as ``struct<type, size, indices, values>``). ``dtype`` is the numpy dtype name of a
    numeric leaf (a tensor candidate's element), else None. ``children``: ``(element,)`` for a list,
    ``(value,)`` for a map, the fields' kinds for a struct; ``names`` the struct's field names.
    """

    kind: str
    dtype: str | None = None
    children: tuple[Kind, ...] = ()
    names: tuple[str, ...] = ()

    def to_json(self) -> Any:
        return [self.kind, self.dtype, [c.to_json() for c in self.children], list(self.names)]

    @classmethod
    def from_json(cls, data: Any) -> Kind:
        kind, dtype, children, names = data
        return cls(kind, dtype, tuple(cls.from_json(c) for c in children), tuple(names))


@dataclass
class NodeProfile:
    """Counts at one position of one column (see the module docstring)."""

    kind: str
    count: int = 0
    nulls: int = 0
    min_len: int | None = None
    max_len: int | None = None
    children: list[NodeProfile] = field(default_factory=list)
    keys: dict[str, list[int]] | None = field(default_factory=dict)

    @classmethod
    def empty(cls, kind: Kind) -> NodeProfile:
        return cls(kind.kind, children=[cls.empty(c) for c in kind.children], keys={} if kind.kind == MAP else None)

    @property
    def overflow(self) -> bool:
        """A map whose distinct keys exceeded the cap (its key set is unknown)."""
        return self.kind == MAP and self.keys is None

    # -- merge ------------------------------------------------------------------------------------

    def merge(self, other: NodeProfile, key_cap: int) -> None:
        """Add ``other`` (a profile of the same kind tree) into this one, in place."""
        self.count += other.count
        self.nulls += other.nulls
        self._lengths(other.min_len, other.max_len)
        for mine, theirs in zip(self.children, other.children, strict=True):
            mine.merge(theirs, key_cap)
        if self.kind == MAP:
            if self.keys is None or other.keys is None:
                self.keys = None
            else:
                for key, (present, nulls) in other.keys.items():
                    slot = self.keys.setdefault(key, [0, 0])
                    slot[0] += present
                    slot[1] += nulls
                if len(self.keys) > key_cap:
                    self.keys = None

    def _lengths(self, lo: int | None, hi: int | None) -> None:
        if lo is not None:
            self.min_len = lo if self.min_len is None else min(self.min_len, lo)
        if hi is not None:
            self.max_len = hi if self.max_len is None else max(self.max_len, hi)

    # -- JSON -------------------------------------------------------------------------------------

    def to_json(self) -> Any:
        return [
            self.kind,
            self.count,
            self.nulls,
            self.min_len,
            self.max_len,
            [c.to_json() for c in self.children],
            self.keys,
        ]

    @classmethod
    def from_json(cls, data: Any) -> NodeProfile:
        kind, count, nulls, lo, hi, children, keys = data
        return cls(kind, count, nulls, lo, hi, [cls.from_json(c) for c in children], keys)

    # -- per batch --------------------------------------------------------------------------------

    def add(self, kind: Kind, arr: pa.Array, key_cap: int) -> None:
        """Profile one Arrow array (a column, or the values at a nested position)."""
        n = len(arr)
        if n == 0:
            return
        nulls = arr.null_count
        self.count += n
        self.nulls += nulls
        k = kind.kind
        if k == LIST:
            self._add_lengths(pc.list_value_length(arr))
            self.children[0].add(kind.children[0], arr.flatten(), key_cap)
        elif k == STRUCT:
            valid = arr.is_valid() if nulls else None
            for i, (child_kind, child) in enumerate(zip(kind.children, self.children, strict=True)):
                values = arr.field(i)
                if valid is not None:
                    values = values.filter(valid)
                child.add(child_kind, values, key_cap)
        elif k == MAP:
            keys, items, lengths = _map_entries(arr)
            if len(lengths):
                self._lengths(int(lengths.min()), int(lengths.max()))
            self.children[0].add(kind.children[0], items, key_cap)
            if self.keys is not None:
                self._add_keys(keys, items, key_cap)
        elif k == VECTOR:
            self._add_vector_sizes(arr)

    def _add_lengths(self, lengths: pa.Array) -> None:
        mm = pc.min_max(lengths)
        self._lengths(mm["min"].as_py(), mm["max"].as_py())

    def _add_keys(self, keys: pa.Array, items: pa.Array, key_cap: int) -> None:
        assert self.keys is not None
        counts = pc.value_counts(keys)
        if len(counts) > key_cap:
            self.keys = None
            return
        for key, present in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True):
            self.keys.setdefault(key, [0, 0])[0] += present
        if items.null_count:
            null_counts = pc.value_counts(keys.filter(items.is_null()))
            for key, nulls in zip(
                null_counts.field("values").to_pylist(), null_counts.field("counts").to_pylist(), strict=True
            ):
                self.keys[key][1] += nulls
        if len(self.keys) > key_cap:
            self.keys = None

    def _add_vector_sizes(self, arr: pa.Array) -> None:
        # VectorUDT's SQL type: type 1 = dense (size = len(values)), 0 = sparse (size field).
        dense = pc.equal(arr.field("type"), 1)
        sizes = pc.if_else(dense, pc.list_value_length(arr.field("values")), arr.field("size"))
        if arr.null_count:
            sizes = sizes.filter(arr.is_valid())
        self._add_lengths(sizes)


def _map_entries(arr: pa.MapArray) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """Keys and values of the non-null maps of ``arr``, and those maps' sizes.

    ``list_value_length`` and ``flatten`` have no map kernels, so this reads the offsets (slice
    offsets and null slots handled).
    """
    offsets = arr.offsets.to_numpy(zero_copy_only=False)
    start, stop = int(offsets[0]), int(offsets[-1])
    entries = arr.values.slice(start, stop - start)
    lengths = np.diff(offsets)
    if arr.null_count:
        valid = arr.is_valid().to_numpy(zero_copy_only=False)
        if lengths[~valid].any():  # null maps backed by entries: legal Arrow, never written by Spark
            entries = entries.filter(pa.array(np.repeat(valid, lengths)))
        lengths = lengths[valid]
    return entries.field(0), entries.field(1), lengths


@dataclass
class TableProfile:
    """The profile of a whole table: rows seen and one :class:`NodeProfile` per column (by position)."""

    rows: int
    columns: list[NodeProfile]

    @classmethod
    def empty(cls, kinds: list[Kind]) -> TableProfile:
        return cls(0, [NodeProfile.empty(k) for k in kinds])

    def add_batch(self, kinds: list[Kind], batch: pa.RecordBatch, key_cap: int) -> None:
        self.rows += batch.num_rows
        for i, (kind, node) in enumerate(zip(kinds, self.columns, strict=True)):
            node.add(kind, batch.column(i), key_cap)

    def merge(self, other: TableProfile, key_cap: int) -> None:
        self.rows += other.rows
        for mine, theirs in zip(self.columns, other.columns, strict=True):
            mine.merge(theirs, key_cap)

    def to_json(self) -> str:
        return json.dumps([self.rows, [c.to_json() for c in self.columns]], separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> TableProfile:
        rows, columns = json.loads(text)
        return cls(rows, [NodeProfile.from_json(c) for c in columns])

    @classmethod
    def merge_all(cls, kinds: list[Kind], documents: Iterator[str], key_cap: int) -> TableProfile:
        """Merge partition profiles one at a time (never all in memory at once)."""
        total = cls.empty(kinds)
        for doc in documents:
            total.merge(cls.from_json(doc), key_cap)
        return total


def profile_batches(kinds: list[Kind], key_cap: int):
    """The ``mapInArrow`` function: profile every batch of a partition, yield one JSON row at the end.

    Columns are read by position, so the input must be projected to exactly the profiled columns.
    """
    schema = pa.schema([(PROFILE_COLUMN, pa.string())])

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        profile = TableProfile.empty(kinds)
        for batch in batches:
            profile.add_batch(kinds, batch, key_cap)
        yield pa.RecordBatch.from_arrays([pa.array([profile.to_json()], pa.string())], schema=schema)

    return run
