"""Tables in and out of the pre-scoring step: which version was read, and Delta writes that happen once.

* :func:`read_input` pins the version it reads: the latest version (or the one ``version`` /
  ``timestamp`` names) is resolved from the table's history first and then read with ``versionAsOf``,
  so the report's ``delta_version`` is exactly the snapshot the rows came from, even if a writer
  commits meanwhile.
* :func:`write_once` writes with Delta's idempotent-write options ``txnAppId`` / ``txnVersion``: Delta
  skips a write whose pair a commit of the table already holds, checked atomically with the commit, so
  a rerun (or a second process) cannot add the rows twice. Each commit carries ``userMetadata`` naming
  the run and the output, so the commit that holds a run's rows is found again in the history, with
  Delta's own count of the rows it wrote (``operationMetrics.numOutputRows``): the count the pipeline
  checks against the enforcement's.
* :func:`check_output` refuses, before anything is written, an output path that holds something else
  than a Delta table, or a Delta table whose columns differ from what would be written.

Needs a classic SparkSession (the Hadoop file system is reached through the JVM).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from spark_signature.errors import ConfigError, PipelineError, Rule, bad_option

INPUT_FORMATS = ("delta", "parquet", "table")
WRITE_MODES = ("append", "overwrite")
#: Characters Delta refuses in column names unless column mapping is on (DeltaErrors, Delta 4.0).
_COLUMN_MAPPING_CHARS = frozenset(" ,;{}()\n\t=")
_METADATA_KEY = "spark_signature"

T = TypeVar("T")


@dataclass(frozen=True)
class InputTable:
    """What was read: the DataFrame (lazy) and where it came from."""

    df: Any
    path: str
    format: str
    delta_version: int | None = None
    timestamp: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "delta_version": self.delta_version,
                "timestamp": self.timestamp}


@dataclass(frozen=True)
class WriteResult:
    """One output commit: where, which version, how many rows Delta says it wrote.

    ``already_written``: an earlier attempt of the same run had committed these rows; Delta skipped the
    write (the rows were not written twice) and the numbers are that earlier commit's.
    """

    path: str
    delta_version: int
    rows: int
    already_written: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "delta_version": self.delta_version, "rows": self.rows,
                "already_written": self.already_written}


# ---- errors from Spark, as ours ----------------------------------------------------------------------


def _condition(exc: BaseException) -> str | None:
    getter = getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", None)
    try:
        return getter() if getter else None
    except Exception:  # py4j: the JVM side may be gone
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _spark_call(what: str, path: str, call: Callable[[], T], fix: str) -> T:
    """Run a Spark call; a Spark error becomes a PipelineError naming ``what`` and ``path``."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    try:
        return call()
    except (PySparkException, Py4JJavaError) as exc:
        condition = _condition(exc)
        if condition == "PATH_NOT_FOUND":
            raise PipelineError(f"{what} {path!r} does not exist.", path=path, found="no such path",
                                fix=fix) from None
        raise PipelineError(f"{what} {path!r}: {_first_line(exc)}", path=path, fix=fix) from None


# ---- file system -------------------------------------------------------------------------------------


def _fs_status(spark: Any, path: str) -> str:
    """``missing``, ``file``, ``empty_dir``, ``delta``, ``uncommitted`` (only the leftovers of a first Delta
    write that never committed) or ``other_dir`` (through Hadoop: any file system)."""
    from delta.tables import DeltaTable

    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(hpath):
        return "missing"
    if not fs.getFileStatus(hpath).isDirectory():
        return "file"
    if DeltaTable.isDeltaTable(spark, path):
        return "delta"
    names = [status.getPath().getName() for status in fs.listStatus(hpath)]
    if not names:
        return "empty_dir"
    if all(_uncommitted_delta_leftover(name) for name in names):
        log = jvm.org.apache.hadoop.fs.Path(hpath, "_delta_log")
        if not fs.exists(log) or not any(s.getPath().getName().endswith(".json") for s in fs.listStatus(log)):
            return "uncommitted"
    return "other_dir"


def _uncommitted_delta_leftover(name: str) -> bool:
    """What a first Delta write killed before its commit leaves: data files (and their checksums), maybe an
    empty ``_delta_log``. A plain Spark write marks itself with ``_SUCCESS``; anything else is not ours."""
    data_file = name.startswith(("part-", ".part-")) and name.endswith((".parquet", ".parquet.crc"))
    return name == "_delta_log" or data_file


def table_version(spark: Any, path: str) -> int | None:
    """The latest version of the Delta table at ``path``, None if there is none."""
    from delta.tables import DeltaTable

    if _fs_status(spark, path) != "delta":
        return None
    row = DeltaTable.forPath(spark, path).history(1).select("version").collect()
    return int(row[0][0]) if row else None


# ---- reading -------------------------------------------------------------------------------------------


def _version_at(table: Any, timestamp: str) -> int:
    """Delta's ``timestampAsOf`` rule: the last commit at or before ``timestamp``."""
    from pyspark.sql import functions as F

    row = table.history().where(F.col("timestamp") <= F.lit(timestamp).cast("timestamp")).agg(
        F.max("version")).collect()[0][0]
    if row is None:
        raise PipelineError(f"the Delta table has no version at or before {timestamp!r}.", path="--timestamp",
                            found=timestamp, fix="pass a later --timestamp (see DESCRIBE HISTORY)")
    return int(row)


def _check_not_after_last_commit(table: Any, timestamp: str) -> None:
    """Delta refuses a ``timestampAsOf`` after the last commit too, but words it differently in every
    release (3.3, 4.0 and 4.4 each their own): say it once, ours, with the last commit to pick instead."""
    from pyspark.sql import functions as F

    last = table.history(1).select("version", F.col("timestamp").cast("string").alias("at"),
                                   (F.lit(timestamp).cast("timestamp") > F.col("timestamp")).alias("after")
                                   ).collect()[0]
    if last["after"]:
        raise PipelineError(f"the Delta table has no version at {timestamp!r}: that is after its last commit "
                            f"(version {last['version']} at {last['at']}).", path="--timestamp", found=timestamp,
                            expected=f"a timestamp at or before {last['at']}",
                            fix="pass a --timestamp between the table's first and last commit (DESCRIBE HISTORY)")


def _check_timestamp(spark: Any, timestamp: str) -> None:
    from pyspark.sql import functions as F

    if spark.range(1).select(F.lit(timestamp).cast("timestamp")).collect()[0][0] is None:
        raise ConfigError(f"--timestamp {timestamp!r} is not a timestamp.", rule=Rule.INVALID_OPTION,
                          path="timestamp", found=timestamp, expected="e.g. 2024-05-01 12:00:00 (UTC)",
                          fix="pass a timestamp such as '2024-05-01 12:00:00'")


def read_input(
    spark: Any, path: str, input_format: str = "delta", *, version: int | None = None, timestamp: str | None = None
) -> InputTable:
    """Read the input table, pinning the Delta version read (see the module docstring).

    ``input_format``: ``delta`` (a path), ``parquet`` (a path) or ``table`` (a catalog name, or
    ``delta.`/path```; Delta tables get time travel and a version, others not). Only the schema and the
    Delta log are read here; no data. Errors: :class:`ConfigError` for options,
    :class:`PipelineError` for a table that cannot be read.
    """
    if input_format not in INPUT_FORMATS:
        raise bad_option("input_format", input_format, list(INPUT_FORMATS))
    if version is not None and timestamp is not None:
        raise ConfigError("--version and --timestamp both name a version; give one.", rule=Rule.INVALID_OPTION,
                          path="version", fix="drop --version or --timestamp")
    if version is not None and (not isinstance(version, int) or version < 0):
        raise bad_option("version", version, "a Delta version >= 0")
    fix = "check --input (and --input-format: delta, parquet or table)"
    if input_format == "parquet":
        if version is not None or timestamp is not None:
            raise ConfigError("--version/--timestamp need a Delta input; Parquet files have no versions.",
                              rule=Rule.INVALID_OPTION, path="version", fix="drop --version/--timestamp")
        df = _spark_call("cannot read the Parquet input", path, lambda: spark.read.parquet(path), fix)
        return InputTable(df, path, "parquet")

    from delta.tables import DeltaTable

    if input_format == "delta":
        status = _spark_call("cannot read the input", path, lambda: _fs_status(spark, path), fix)
        if status == "missing":
            raise PipelineError(f"the input {path!r} does not exist.", path=path, found="no such path", fix=fix)
        if status != "delta":
            raise PipelineError(
                f"the input {path!r} is not a Delta table (no _delta_log).", path=path, found=status,
                fix="pass --input-format parquet for Parquet files, or point --input at a Delta table",
            )
        table = DeltaTable.forPath(spark, path)

        def reader(key: str, value: Any) -> Any:
            return spark.read.format("delta").option(key, value).load(path)
    else:
        table = _delta_table_by_name(spark, path)
        if table is None:
            if version is not None or timestamp is not None:
                raise ConfigError(f"--version/--timestamp need a Delta table; {path!r} is not one.",
                                  rule=Rule.INVALID_OPTION, path="version", fix="drop --version/--timestamp")
            df = _spark_call("cannot read the table", path, lambda: spark.read.table(path), fix)
            return InputTable(df, path, "table")

        def reader(key: str, value: Any) -> Any:
            return spark.read.option(key, value).table(path)

    if timestamp is not None:
        _check_timestamp(spark, timestamp)
        _check_not_after_last_commit(table, timestamp)
        # Delta's own check of the other end (before the first commit, or the files behind it cleaned up).
        _spark_call("cannot read the input", path, lambda: reader("timestampAsOf", timestamp).schema,
                    "pass a --timestamp between the table's first and last commit (DESCRIBE HISTORY)")
        pinned = _version_at(table, timestamp)
    elif version is not None:
        pinned = version
    else:
        pinned = int(table.history(1).select("version").collect()[0][0])
    df = _spark_call("cannot read the input", path, lambda: reader("versionAsOf", pinned),
                     "pass a version listed by DESCRIBE HISTORY" if version is not None else fix)
    _spark_call("cannot read the input", path, lambda: df.schema, fix)
    return InputTable(df, path, "delta" if input_format == "delta" else "table", pinned, timestamp)


def _delta_table_by_name(spark: Any, name: str) -> Any:
    """The DeltaTable of a catalog name (or ``delta.`/path```), None if the table exists but is not Delta."""
    from delta.tables import DeltaTable

    try:
        return DeltaTable.forName(spark, name)
    except Exception:
        pass
    _spark_call("cannot read the table", name, lambda: spark.read.table(name).schema,
                "check the table name (catalog.schema.table, or delta.`/path`)")
    return None


# ---- writing -------------------------------------------------------------------------------------------


def needs_column_mapping(schema: Any) -> bool:
    """True if a (nested) field name has a character Delta refuses without column mapping."""
    from pyspark.sql import types as T

    def walk(t: Any) -> bool:
        if isinstance(t, T.StructType):
            return any(bool(_COLUMN_MAPPING_CHARS & set(f.name)) or walk(f.dataType) for f in t.fields)
        if isinstance(t, T.ArrayType):
            return walk(t.elementType)
        if isinstance(t, T.MapType):
            return walk(t.keyType) or walk(t.valueType)
        return False

    return walk(schema)


def _without_nullability(t: Any) -> Any:
    from pyspark.sql import types as T

    if isinstance(t, T.StructType):
        return T.StructType([T.StructField(f.name, _without_nullability(f.dataType), True) for f in t.fields])
    if isinstance(t, T.ArrayType):
        return T.ArrayType(_without_nullability(t.elementType), True)
    if isinstance(t, T.MapType):
        return T.MapType(_without_nullability(t.keyType), _without_nullability(t.valueType), True)
    return t


def check_output(spark: Any, path: str, schema: Any, role: str) -> None:
    """Refuse, before anything is written, an output ``path`` the write would fail on or damage.

    Accepted: no such path, an empty directory, the leftovers of a first write killed before its commit
    (data files no commit references: the rerun's commit ignores them), or a Delta table with the same
    columns and types (nullability aside). Anything else raises :class:`PipelineError` (a file, a directory of other
    files) or :class:`ConfigError` (a Delta table with other columns), naming the path.
    """
    from delta.tables import DeltaTable

    status = _spark_call(f"cannot check the {role} output", path, lambda: _fs_status(spark, path),
                         f"check --{role}-output")
    if status in ("missing", "empty_dir", "uncommitted"):
        return  # "uncommitted": a killed first write's data files, which no Delta commit references
    if status in ("file", "other_dir"):
        what = "a file" if status == "file" else "a directory that is not a Delta table (no _delta_log)"
        raise PipelineError(
            f"the {role} output {path!r} is {what}; nothing was written.", path=path, found=what,
            expected="a Delta table, an empty directory or a new path",
            fix=f"point --{role}-output at a new path or an existing Delta table",
        )
    existing = DeltaTable.forPath(spark, path).toDF().schema
    if _without_nullability(existing) != _without_nullability(schema):
        raise ConfigError(
            f"the {role} output {path!r} is a Delta table with other columns: it has "
            f"{existing.simpleString()}, this run writes {schema.simpleString()}; nothing was written.",
            rule=Rule.INVALID_OPTION, path=path, expected=schema.simpleString(), found=existing.simpleString(),
            fix=f"point --{role}-output at a new path, or at the table an earlier run of this signature wrote",
        )


@dataclass(frozen=True)
class _Commit:
    version: int
    rows: int


def find_commit(spark: Any, path: str, app_id: str, txn_version: int) -> _Commit | None:
    """The commit of ``path`` written with (``app_id``, ``txn_version``), from its ``userMetadata``.

    Looks at the last 20 commits first (the usual case: the write just happened), then the whole history.
    """
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    if _fs_status(spark, path) != "delta":
        return None
    table = DeltaTable.forPath(spark, path)
    marker = json.dumps(app_id)
    for limit in (20, None):
        history = table.history(limit) if limit else table.history()
        rows = (history.where(F.col("userMetadata").contains(marker))
                .select("version", "userMetadata", "operationMetrics").collect())
        for row in rows:
            try:
                tag = json.loads(row["userMetadata"]).get(_METADATA_KEY, {})
            except (ValueError, AttributeError):
                continue
            if tag.get("txn_app_id") == app_id and tag.get("txn_version") == txn_version:
                metrics = row["operationMetrics"] or {}
                return _Commit(int(row["version"]), int(metrics.get("numOutputRows", 0)))
    return None


def write_once(
    df: Any,
    path: str,
    *,
    app_id: str,
    txn_version: int,
    metadata: Mapping[str, Any] | None = None,
    mode: str = "append",
    role: str = "output",
) -> WriteResult:
    """Write ``df`` to the Delta table at ``path`` once per (``app_id``, ``txn_version``).

    A new table gets column mapping (``delta.columnMapping.mode=name``) when a column name needs it
    (MLflow's ``sepal length (cm)``). Returns the commit that holds the rows, this write's or the one of
    an earlier attempt with the same pair (``already_written``).
    """
    if mode not in WRITE_MODES:
        raise bad_option("write_mode", mode, list(WRITE_MODES))
    spark = df.sparkSession
    before = table_version(spark, path)
    tag = {_METADATA_KEY: {"txn_app_id": app_id, "txn_version": txn_version, "output": role, **(metadata or {})}}
    writer = (df.write.format("delta").mode(mode).option("txnAppId", app_id).option("txnVersion", txn_version)
              .option("userMetadata", json.dumps(tag, sort_keys=True)))
    if before is None and needs_column_mapping(df.schema):
        writer = writer.option("delta.columnMapping.mode", "name")
    _spark_call(f"cannot write the {role} output", path, lambda: writer.save(path), f"check --{role}-output")
    commit = find_commit(spark, path, app_id, txn_version)
    if commit is None:
        raise PipelineError(
            f"the {role} output {path!r} has no commit for {app_id} (txn {txn_version}) after the write.",
            path=path, fix="check that no other process rewrites the table's history, then rerun",
        )
    return WriteResult(path, commit.version, commit.rows, already_written=before is not None and
                       commit.version <= before)


__all__ = [
    "INPUT_FORMATS", "WRITE_MODES", "InputTable", "WriteResult", "check_output", "find_commit",
    "needs_column_mapping", "read_input", "table_version", "write_once",
]  # fmt: skip
