"""One way to run an enforcement case through each engine, and assertions whose failure is a diff table.

A case is Spark DDL + rows + a signature + a compat mode. It runs through

* ``split``: the rows as a Spark DataFrame, repartitioned (empty and multi-row partitions), with a
  trailing row id column ``_rid`` (an extra column: ignored by the signature, kept in quarantine rows and,
  through ``keep_columns``, in the valid output) so every row can be traced to its output;
* ``check`` (counts only) and ``fail_fast`` on the same frame;
* ``local``: the same rows as an Arrow-backed pandas DataFrame (what a local user has: naive timestamps).

Each run returns an :class:`Outcome`: the (row, path, rule) set where the engine knows rows, the
violation details, and the counts (rows, valid, quarantined, per (column, rule)). :func:`expected_counts`
derives the counts a case must have from its expected violation set, never from an engine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from spark_signature import Schema, SchemaEnforcementError
from spark_signature.enforcement.local import find_violations
from spark_signature.enforcement.spark import enforce, spark_arrow_schema
from spark_signature.violations import Counts

Key = tuple[int, str, str]  # (row, path, rule)
Detail = tuple[str, str, str | None]  # (expected, found, value)
ROW_ID = "_rid"
ENGINES = ("split", "check", "fail_fast", "local")


def each_with_each_engine(values: Sequence[str], engines: Sequence[str]) -> list[Any]:
    """``(value, engine)`` parameters for every combination, ids ``value-engine``. Half of them, alternating,
    are marked ``exhaustive``: the matrix pairs (make test-matrix) still run every value and every engine, the
    default pair runs every combination."""
    return [pytest.param(value, engine, id=f"{value}-{engine}",
                         marks=[pytest.mark.exhaustive] if (i + j) % 2 else [])
            for i, value in enumerate(values) for j, engine in enumerate(engines)]


# ---- inputs ------------------------------------------------------------------------------------------


def _naive(t: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(t):
        return pa.timestamp(t.unit)
    if pa.types.is_list(t):
        return pa.list_(_naive(t.value_type))
    if pa.types.is_map(t):
        return pa.map_(t.key_type, _naive(t.item_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _naive(f.type), f.nullable) for f in t])
    return t


def local_arrow_schema(spark_schema: Any) -> pa.Schema:
    """The Arrow schema a local (pandas) user has for rows of a Spark schema: Spark hands timestamps to
    Arrow tz-aware (the session zone, UTC in tests), a local user has naive ones."""
    return pa.schema([pa.field(f.name, _naive(f.type)) for f in spark_arrow_schema(spark_schema)])


_LAST_FRAME: list = []  # [(key, frame)]: the last case's frame, reused by every engine and mode of that case


def spark_frame(spark: Any, ddl: str, rows: Sequence[tuple], *, partitions: int = 3) -> Any:
    """The rows with a trailing row id, repartitioned so that some partitions are empty and some hold
    several rows. Computed once per case (``localCheckpoint``): the split, check and fail_fast runs of
    both Spark engines read the same partitions, and the shuffle is not redone for each of them."""
    key = (id(spark), ddl, repr(rows), partitions)
    if _LAST_FRAME and _LAST_FRAME[0][0] == key:
        return _LAST_FRAME[0][1]
    df = spark.createDataFrame([(*r, i) for i, r in enumerate(rows)], f"{ddl}, {ROW_ID} int")
    frame = df.repartition(partitions).localCheckpoint()
    _LAST_FRAME[:] = [(key, frame)]
    return frame


def arrow_table(spark: Any, ddl: str, rows: Sequence[tuple]) -> pa.Table:
    schema = local_arrow_schema(spark.createDataFrame([], ddl).schema)
    return pa.Table.from_pylist([dict(zip(schema.names, r, strict=True)) for r in rows], schema=schema)


def pandas_frame(spark: Any, ddl: str, rows: Sequence[tuple]) -> pd.DataFrame:
    """The rows as an Arrow-backed pandas DataFrame: the local engine sees the same Arrow types as Spark."""
    return arrow_table(spark, ddl, rows).to_pandas(types_mapper=pd.ArrowDtype)


# ---- outcomes ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    engine: str
    counts: Counts
    violations: set[Key] | None = None  # None where the engine reports no rows (check, fail_fast)
    details: dict[Key, Detail] = field(default_factory=dict)
    firsts: list[dict] = field(default_factory=list)  # check mode: the first example per (column, rule)
    error: SchemaEnforcementError | None = None  # fail_fast
    warnings: list[str] = field(default_factory=list)
    outputs: dict[str, tuple[Any, list]] = field(default_factory=dict)  # split: name -> (schema, rows by _rid)


def _counts_of(rows: int, keys: Iterable[Key], columns: dict[Key, str]) -> Counts:
    keys = list(keys)
    bad_rows = {k[0] for k in keys}
    by_rule = Counter((columns[k], k[2]) for k in keys)
    return Counts(rows, rows - len(bad_rows), len(bad_rows), dict(by_rule))


def run_split(spark: Any, ddl: str, rows: Sequence[tuple], schema: Schema, compat: str = "strict", *,
              counts_first: bool = False, engine: str = "auto", **options: Any) -> Outcome:
    """``mode="split"``; also checks the engine against its own outputs (every row in exactly one output).

    ``counts`` are read after the outputs were collected (from the observation), or with ``counts_first``
    before any action (from the counting pass).
    """
    df = spark_frame(spark, ddl, rows)
    result = enforce(df, schema, mode="split", compat=compat, keep_columns=[ROW_ID], engine=engine, **options)
    counts = result.counts if counts_first else None  # before any action: the counting pass
    column = result.violations_column
    quarantine = result.quarantine.collect()  # a full pass: fills the observation
    valid = result.valid.collect()
    valid_ids = [r[ROW_ID] for r in valid]
    counts = counts or result.counts
    quarantined_ids = [r[ROW_ID] for r in quarantine]
    assert sorted(valid_ids + quarantined_ids) == list(range(len(rows))), "a row is lost or in both outputs"
    assert (counts.valid, counts.quarantined) == (len(valid_ids), len(quarantined_ids)), counts
    details, columns = {}, {}
    for r in quarantine:
        assert r[column], f"quarantined row {r[ROW_ID]} has no violation"
        for v in r[column]:
            key = (r[ROW_ID], v["path"], v["rule"])
            assert key not in details, f"violation reported twice: {key}"
            details[key] = (v["expected"], v["found"], v["value"])
            columns[key] = v["column"]
    assert dict(Counter((columns[k], k[2]) for k in details)) == counts.by_rule, "counts.by_rule != quarantine rows"
    outputs = {name: (df_.schema, sorted(got, key=lambda r: r[ROW_ID]))
               for name, df_, got in (("valid", result.valid, valid), ("quarantine", result.quarantine, quarantine))}
    return Outcome("split", counts, set(details), details, warnings=result.warnings, outputs=outputs)


def run_check(spark: Any, ddl: str, rows: Sequence[tuple], schema: Schema, compat: str = "strict", *,
              engine: str = "auto") -> Outcome:
    result = enforce(spark_frame(spark, ddl, rows), schema, mode="check", compat=compat, engine=engine)
    return Outcome("check", result.counts, firsts=result.violations, warnings=result.warnings)


def run_fail_fast(spark: Any, ddl: str, rows: Sequence[tuple], schema: Schema, compat: str = "strict", *,
                  engine: str = "auto") -> Outcome:
    """``mode="fail_fast"``: the error raised, or the result's counts (every row valid)."""
    df = spark_frame(spark, ddl, rows)
    try:
        result = enforce(df, schema, mode="fail_fast", compat=compat, engine=engine)
    except SchemaEnforcementError as err:
        return Outcome("fail_fast", Counts(len(rows), 0, 0), error=err)
    assert result.ok and result.rows == len(rows) and result.valid is not None
    return Outcome("fail_fast", result.counts, warnings=result.warnings)


def run_local(spark: Any, ddl: str, rows: Sequence[tuple], schema: Schema, compat: str = "strict") -> Outcome:
    records = find_violations(pandas_frame(spark, ddl, rows), schema, compat=compat)
    details = {(v["row"], v["path"], v["rule"]): (v["expected"], v["found"], v["value"]) for v in records}
    assert len(details) == len(records), "a violation reported twice"
    columns = {(v["row"], v["path"], v["rule"]): v["column"] for v in records}
    return Outcome("local", _counts_of(len(rows), details, columns), set(details), details)


RUNNERS = {"split": run_split, "check": run_check, "fail_fast": run_fail_fast, "local": run_local}


# ---- expectations ------------------------------------------------------------------------------------


def column_of(path: str, schema: Schema) -> str:
    """The signature column a path starts in (its name, or its position for an unnamed schema)."""
    names = [str(s.name) for s in schema.inputs] if schema.has_input_names() else [
        str(i) for i in range(len(schema.inputs))]
    hits = [n for n in names if path == n or path.startswith((n + ".", n + "["))]
    assert hits, f"path {path!r} starts in no column of {names}"
    return max(hits, key=len)


def expected_counts(rows: int, expected: Iterable[Key], schema: Schema) -> Counts:
    """The counts a case must report, derived from its expected violation set."""
    expected = list(expected)
    return _counts_of(rows, expected, {k: column_of(k[1], schema) for k in expected})


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    return "\n".join([*lines, *(fmt.format(*map(str, r)) for r in rows)])


def violation_diff(actual: set[Key], expected: set[Key]) -> str:
    missing, unexpected = sorted(expected - actual), sorted(actual - expected)
    rows = [("missing", *k) for k in missing] + [("unexpected", *k) for k in unexpected]
    return (f"{len(missing)} missing (expected, not reported), {len(unexpected)} unexpected (reported, not "
            f"expected), {len(actual & expected)} matching:\n" + _table(rows, ("", "row", "path", "rule")))


def assert_violations(actual: set[Key], expected: set[Key], engine: str = "") -> None:
    """chispa-style: equal sets, or a row/path/rule table of what is missing and what is unexpected."""
    if actual != expected:
        raise AssertionError(f"violations differ{f' ({engine})' if engine else ''}: "
                             + violation_diff(set(actual), set(expected)))


def assert_counts(actual: Counts, expected: Counts, engine: str = "") -> None:
    got = {"rows": actual.rows, "valid": actual.valid, "quarantined": actual.quarantined,
           **{f"{c}/{r}": n for (c, r), n in actual.by_rule.items()}}
    want = {"rows": expected.rows, "valid": expected.valid, "quarantined": expected.quarantined,
            **{f"{c}/{r}": n for (c, r), n in expected.by_rule.items()}}
    if got != want:
        keys = list(dict.fromkeys([*want, *got]))
        rows = [(k, want.get(k, "-"), got.get(k, "-"), "" if want.get(k) == got.get(k) else "<--") for k in keys]
        raise AssertionError(f"counts differ{f' ({engine})' if engine else ''}:\n"
                             + _table(rows, ("count", "expected", "actual", "")))


def assert_case(spark: Any, ddl: str, rows: Sequence[tuple], schema: Schema, compat: str, expected: set[Key],
                engines: Sequence[str] = ENGINES, spark_engine: str = "auto") -> dict[str, Outcome]:
    """Run a case through ``engines`` and assert each reports exactly ``expected``, with exact counts.

    * split and local: the violation set, the counts, and the same details (expected/found/value) per
      violation in both;
    * check: the counts, and each first example is one of the expected (path, rule) with split's details;
    * fail_fast: raises iff a violation is expected, with the rule, path, expected, found and value of one
      of them; else returns every row.

    ``spark_engine`` is the Spark engines' ``engine=`` option (``"auto"``: the native fast path first;
    ``"arrow"``: every row through the kernels).
    """
    want = expected_counts(len(rows), expected, schema)
    out: dict[str, Outcome] = {}
    for name in ("split", *(e for e in engines if e != "split")):
        out[name] = o = RUNNERS[name](spark, ddl, rows, schema, compat,
                                      **({} if name == "local" else {"engine": spark_engine}))
        if o.violations is not None:
            assert_violations(o.violations, expected, name)
        if name != "fail_fast":
            assert_counts(o.counts, want, name)
    split_details = {(p, r, *d) for (_, p, r), d in out["split"].details.items()}
    if "local" in out:
        assert out["local"].details == out["split"].details, "local and split engines describe violations differently"
    for first in out["check"].firsts if "check" in out else ():
        assert (first["path"], first["rule"], first["expected"], first["found"], first["value"]) in split_details
    if "fail_fast" in out:
        err = out["fail_fast"].error
        assert (err is not None) == bool(expected), f"fail_fast raised {err!r}, expected {sorted(expected)}"
        if err is not None:
            assert (err.path, str(err.rule), err.expected, err.found, err.value) in split_details, err
            assert err.fix, "a fail_fast error carries a fix"
    return out


def assert_same_outputs(a: Outcome, b: Outcome) -> None:
    """Two Spark engines' splits of the same case: the same valid rows (converted values included) and
    quarantine rows, with the same schemas (chispa's comparers: the diff is the message)."""
    from chispa.rows_comparer import assert_basic_rows_equality
    from chispa.schema_comparer import assert_schema_equality

    for name in ("valid", "quarantine"):
        (schema_a, rows_a), (schema_b, rows_b) = a.outputs[name], b.outputs[name]
        assert_schema_equality(schema_a, schema_b)
        assert_basic_rows_equality(rows_a, rows_b)
