"""Enforcement benchmark: every variant in one run of one script, on local[2], warm-up then median of --runs.

    .venv/bin/python bench/bench_enforcement.py --rows 5000000 --runs 3
    .venv/bin/python bench/bench_enforcement.py --rows 20000000 --compare bench/results/enforcement-5000000.json
    .venv/bin/python bench/bench_enforcement.py --rows 5000000 --variants scan,identity_arrow,split_arrow,mlflow_full
    .venv/bin/python bench/bench_enforcement.py --rows 5000000 --profile      # cProfile of the batch kernel

Tables (generated once with ``bench/gen_data.py``, reused): the 14-column table at ``--rows`` with 0.1% bad
rows (``bench/data/enf-<rows>``), the same clean (``-bad0.0``) and with 10% bad rows (``-bad0.1``), and the
wide table (``--wide-rows`` 500,000 x ``--wide-cols`` 200 required doubles, 0.05% nulls per column). A
variant name ends in its table's suffix (``_clean``, ``_bad10``, ``_wide``; none: the main table). Every
variant ends in an action and checks its counts against the generator's exact counts (``ok`` in the JSON).

* ``scan``               ``df.write.format("noop")``: the floor.
* ``identity_arrow``     ``df.mapInArrow(lambda it: it, df.schema)`` to noop: the cost of the Arrow round trip.
* ``native_sql``         one ``agg`` of ``count_if`` (nulls in required columns, ``c_flag NOT IN (0, 1)``,
                         ``exists(c_arr, x -> x IS NULL)``, ``c_struct.a IS NULL``): the same checks in Catalyst.
* ``check``              ``enforce(df, schema, mode="check")`` (``engine="auto"``: native flag, Arrow on the
                         flagged rows); ``check_arrow``: ``engine="arrow"`` (every row through the kernels).
* ``fail_fast``          ``enforce(mode="fail_fast")`` on the clean table (``fail_fast_clean``; it must not raise).
* ``native_projection``  the valid rows written natively: ``where(NOT bad_row)`` + the engine's own casts
                         (``converted_columns``), to noop: the reference of ``split_valid``.
* ``split_valid``        ``enforce(mode="split")``, ``valid`` written to noop (``split_valid_arrow``: engine arrow).
* ``split``              ``enforce(mode="split")`` then ``result.run()`` (the counts; ``split_arrow``: engine arrow,
                         where that is one pass of the tagged frame through the kernels).
* ``split_both``         the pipeline: ``persist()``, write ``valid`` and ``quarantine``, read ``counts``.
* ``mlflow_full``        (not in the default run: minutes) ``mapInPandas`` calling ``mlflow.models.validate_schema``
                         on every batch, written to noop. MLflow raises on a batch with any bad row (nulls in int
                         columns, a long outside {0, 1} against double) and at 0.1% bad rows nearly every batch has
                         one, so it runs on the **clean subset** (``df.where(NOT bad)``); a batch error must be zero.
* ``identity_pandas`` (diagnostic) ``mapInPandas`` identity on the same clean subset.
* ``split_no_observe`` (diagnostic) the split ``mapInArrow`` without the ``observe`` metrics.
* ``proto_check_project`` prototype: only columns with a rule go to Python (engine arrow).

Ratios (``TARGETS``): issue 14's targets (``check / native_sql`` and ``fail_fast_clean / native_sql_clean``
<= 1.3, ``split_valid / native_projection`` <= 1.5, the same at 200 columns), measured ratios without a target
(10% bad rows, auto vs arrow) and issue 4's. ``--compare`` puts another run's ratios next to these (do
they grow from 5M to 20M rows?).

Variants run round-robin (warm-up round, then ``--runs`` timed rounds) so that load from other processes
hits all of them alike. Before each timed run the script waits (up to ``--load-wait`` s) for the 1-min load
average to drop to ``--max-load`` or below and for other processes to use at most ``--max-foreign`` cores; a run
during which other processes used more than ``--max-foreign`` cores is discarded and re-run (up to
``--retries`` times, runs longer than ``--retry-max-seconds`` are kept and flagged). Each timing records the
load average and the CPU cores used by processes *outside* this benchmark's process tree ("foreign cores").

Memory after each variant: the Python driver's peak RSS (``ru_maxrss``) and current RSS, the JVM's used heap
(``Runtime.totalMemory() - freeMemory()``) and the JVM process RSS, and the RSS of the Python workers.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_data  # bench/ is not a package: imported from the script's directory

BENCH = Path(__file__).resolve().parent
# What one run of the issue-14 benchmark measures (``--variants`` picks others; ``mlflow_full`` takes minutes).
DEFAULT_VARIANTS = [
    "scan", "identity_arrow", "native_sql", "check", "check_arrow", "native_sql_clean", "fail_fast_clean",
    "native_projection", "split_valid", "split_valid_arrow", "split", "split_both",
    "native_sql_bad10", "check_bad10", "check_arrow_bad10", "native_projection_bad10", "split_valid_bad10",
    "identity_arrow_wide", "native_sql_wide", "check_wide", "check_arrow_wide", "native_projection_wide",
    "split_valid_wide",
]
ALL_VARIANTS = [*DEFAULT_VARIANTS, "split_arrow", "mlflow_full", "identity_pandas", "split_no_observe",
                "proto_check_project"]
REQUIRED = ["c_byte", "c_short", "c_int", "c_long", "c_flag", "c_float", "c_bool", "c_ts", "c_date", "c_bin",
            "c_arr", "c_struct"]
# The native predicate of "this row violates the signature", shared by native_sql and the clean subset.
BAD_ROW = " OR ".join(
    [*(f"{c} IS NULL" for c in REQUIRED), "c_flag NOT IN (0, 1)", "exists(c_arr, x -> x IS NULL)",
     "c_struct.a IS NULL"]
)
# The tables (suffix of a variant name -> bad-row fraction of the 14-column table, or the wide table).
BAD_FRACTIONS = {"": 0.001, "_clean": 0.0, "_bad10": 0.1}
TARGETS = {  # ratio: (numerator, denominator, op, bound); op None: measured, no target
    # issue 14: the native fast path
    "check / native_sql": ("check", "native_sql", "<=", 1.3),
    "fail_fast_clean / native_sql_clean": ("fail_fast_clean", "native_sql_clean", "<=", 1.3),
    "split_valid / native_projection": ("split_valid", "native_projection", "<=", 1.5),
    "check_wide / native_sql_wide": ("check_wide", "native_sql_wide", "<=", 1.3),
    "split_valid_wide / native_projection_wide": ("split_valid_wide", "native_projection_wide", "<=", 1.5),
    # the cost of the suspect path (10% bad rows) and what the Arrow engine costs for comparison
    "check_bad10 / native_sql_bad10": ("check_bad10", "native_sql_bad10", None, None),
    "split_valid_bad10 / native_projection_bad10": ("split_valid_bad10", "native_projection_bad10", None, None),
    "check_arrow / check": ("check_arrow", "check", None, None),
    "split_valid_arrow / split_valid": ("split_valid_arrow", "split_valid", None, None),
    "check_arrow_bad10 / check_bad10": ("check_arrow_bad10", "check_bad10", None, None),
    "check_arrow_wide / check_wide": ("check_arrow_wide", "check_wide", None, None),
    "split_valid_wide / identity_arrow_wide": ("split_valid_wide", "identity_arrow_wide", None, None),
    "split_both / native_projection": ("split_both", "native_projection", None, None),
    # issue 4 (kept)
    "split / identity_arrow": ("split", "identity_arrow", "<=", 1.5),
    "check / scan": ("check", "scan", "<=", 2.0),
    "mlflow_full / split": ("mlflow_full", "split", ">=", 7.0),
    "mlflow_full / check": ("mlflow_full", "check", ">=", 7.0),
}
MB = 1024 * 1024


# --------------------------------------------------------------------------------------------------
# Machine, load and memory
# --------------------------------------------------------------------------------------------------


def machine(spark: Any) -> dict[str, Any]:
    import mlflow
    import numpy
    import pandas
    import pyarrow
    import pyspark

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    jvm = spark.sparkContext._jvm
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "mem_total_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "java": java[0] if java else None,
        "jvm_runtime": str(jvm.java.lang.System.getProperty("java.runtime.version")),
        "jvm_max_heap_mb": int(jvm.java.lang.Runtime.getRuntime().maxMemory()) // MB,
        "spark": spark.version,
        "pyspark": pyspark.__version__,
        "pyarrow": pyarrow.__version__,
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "mlflow": mlflow.__version__,
    }


def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, utime+stime+cutime+cstime in jiffies) of a process, None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _tree(roots: list[int]) -> dict[int, int]:
    """pid -> cpu jiffies, for the roots and all their descendants."""
    stats = {pid: s for pid in _all_pids() if (s := _stat(pid)) is not None}
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    out: dict[int, int] = {}
    todo = [r for r in roots if r in stats]
    while todo:
        pid = todo.pop()
        if pid in out:
            continue
        out[pid] = stats[pid][1]
        todo.extend(children.get(pid, []))
    return out


def _busy_jiffies() -> int:
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]  # idle + iowait
    return sum(parts[:8]) - idle


class CpuMeter:
    """CPU used by processes outside our tree (driver + JVM + Python workers), in cores, over an interval."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.hz = os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> CpuMeter:
        self.t0 = time.perf_counter()
        self.busy0 = _busy_jiffies()
        self.ours0 = _tree(self.roots)
        return self

    def __exit__(self, *exc: object) -> None:
        seconds = time.perf_counter() - self.t0
        busy = _busy_jiffies() - self.busy0
        ours1 = _tree(self.roots)
        # Processes that exited during the interval are accounted in their parent's cutime/cstime.
        ours = sum(v - self.ours0.get(pid, 0) for pid, v in ours1.items())
        self.foreign_cores = max(0.0, (busy - ours) / self.hz / seconds) if seconds > 0 else 0.0
        self.our_cores = ours / self.hz / seconds if seconds > 0 else 0.0


def foreign_cores(roots: list[int], seconds: float = 2.0) -> float:
    with CpuMeter(roots) as m:
        time.sleep(seconds)
    return m.foreign_cores


def wait_for_quiet(roots: list[int], max_load: float, max_foreign: float, max_wait: float) -> dict[str, Any]:
    """Wait until the 1-min load average and the foreign CPU are low; give up after max_wait seconds."""
    t0 = time.perf_counter()
    while True:
        load1 = os.getloadavg()[0]
        foreign = foreign_cores(roots)
        waited = time.perf_counter() - t0
        if (load1 <= max_load and foreign <= max_foreign) or waited >= max_wait:
            return {"load1_before": round(load1, 2), "foreign_before": round(foreign, 2),
                    "waited_s": round(waited, 1), "quiet": load1 <= max_load and foreign <= max_foreign}
        print(f"    load {load1:.2f}, foreign cores {foreign:.2f}: waiting ({waited:.0f}s)", flush=True)
        time.sleep(10)


def _rss_mb(pid: int) -> tuple[float | None, float | None]:
    """(VmRSS, VmHWM) of a process in MiB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None, None
    vals = {}
    for line in text.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            k, v = line.split(":", 1)
            vals[k] = int(v.split()[0]) / 1024
    return vals.get("VmRSS"), vals.get("VmHWM")


def memory(spark: Any, jvm_pid: int | None) -> dict[str, Any]:
    jvm = spark.sparkContext._jvm
    runtime = jvm.java.lang.Runtime.getRuntime()
    used = (int(runtime.totalMemory()) - int(runtime.freeMemory())) / MB
    gc_ms = gc_count = 0
    with contextlib.suppress(Exception):
        for bean in jvm.java.lang.management.ManagementFactory.getGarbageCollectorMXBeans():
            gc_ms += max(0, int(bean.getCollectionTime()))
            gc_count += max(0, int(bean.getCollectionCount()))
    py_rss, _ = _rss_mb(os.getpid())
    out: dict[str, Any] = {
        "driver_py_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "driver_py_rss_mb": round(py_rss or 0, 1),
        "jvm_heap_used_mb": round(used, 1),
        "jvm_heap_committed_mb": round(int(runtime.totalMemory()) / MB, 1),
        "jvm_gc_total_s": round(gc_ms / 1000, 2),  # cumulative since the JVM started
        "jvm_gc_count": gc_count,
    }
    if jvm_pid:
        rss, hwm = _rss_mb(jvm_pid)
        workers = [p for p in _tree([jvm_pid]) if p != jvm_pid]
        w = [_rss_mb(p) for p in workers]
        out.update(
            jvm_rss_mb=round(rss or 0, 1),
            jvm_hwm_mb=round(hwm or 0, 1),
            py_workers=len(workers),
            py_workers_rss_mb=round(sum(r or 0 for r, _ in w), 1),
            py_workers_max_hwm_mb=round(max((h or 0 for _, h in w), default=0), 1),
        )
    return out


# --------------------------------------------------------------------------------------------------
# Variants
# --------------------------------------------------------------------------------------------------


def _noop(df: Any) -> None:
    df.write.format("noop").mode("overwrite").save()


@dataclass
class Table:
    """One benchmark table: its frame, the generator's exact counts, the signature, the native bad-row test."""

    df: Any
    meta: dict[str, Any]
    schema: Any
    bad_row: str  # native predicate: the row violates the signature
    rule_aggs: dict[str, str]  # "column/rule" -> native count expression
    path: Path
    max_partition_bytes: int  # one Parquet file (one row group) per partition: even tasks for 2 cores

    def expect(self) -> dict[str, int]:
        return {k: v for k, v in sorted(self.meta["bad_by_kind"].items()) if v}

    def describe(self) -> dict[str, Any]:
        return {"rows": self.meta["rows"], "bad_rows": self.meta["bad_rows"], "cols": len(self.df.columns),
                "partitions": self.df.rdd.getNumPartitions(), "path": str(self.path), "meta": self.meta}


def _read(spark: Any, path: Path) -> tuple[Any, dict[str, Any], int]:
    biggest = max(f.stat().st_size for f in path.glob("*.parquet"))
    max_bytes = int(biggest * 1.3)
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(max_bytes))
    return spark.read.parquet(str(path)), gen_data.read_meta(path), max_bytes


def main_table(spark: Any, path: Path) -> Table:
    """The 14-column table (any bad-row fraction)."""
    df, meta, max_bytes = _read(spark, path)
    aggs = {f"{c}/null_in_required": f"count_if({c} IS NULL)" for c in REQUIRED}
    aggs.update({"c_flag/unsafe_cast": "count_if(c_flag NOT IN (0, 1))",
                 "c_arr/null_in_required": "count_if(exists(c_arr, x -> x IS NULL))",
                 "c_struct/null_in_required": "count_if(c_struct.a IS NULL)"})
    return Table(df, meta, gen_data.signature(), BAD_ROW, aggs, path, max_bytes)


def wide_table(spark: Any, path: Path) -> Table:
    df, meta, max_bytes = _read(spark, path)
    cols = [f"d{i}" for i in range(meta["cols"])]
    return Table(df, meta, gen_data.wide_signature(meta["cols"]), " OR ".join(f"{c} IS NULL" for c in cols),
                 {f"{c}/null_in_required": f"count_if({c} IS NULL)" for c in cols}, path, max_bytes)


def table_suffix(variant: str) -> str:
    """The table a variant reads: "" (the main table), "_clean", "_bad10" or "_wide"."""
    return next((t for t in ("_clean", "_bad10", "_wide") if variant.endswith(t)), "")


class Variants:
    """Every variant, by name; ``tables`` maps a name suffix ("", "_clean", "_bad10", "_wide") to its table."""

    def __init__(self, spark: Any, tables: dict[str, Table]) -> None:
        self.spark = spark
        self.tables = tables
        main = tables.get("")
        self.df = main.df if main else None
        self.meta = main.meta if main else None
        self.schema = gen_data.signature()
        self.mlflow_schema = gen_data.mlflow_signature()

    def get(self, name: str) -> Callable[[], dict[str, Any]]:
        """The variant ``name``: a method, or ``<generic>_<table suffix>`` (e.g. ``check_wide``), run with its
        table's partitioning (``spark.sql.files.maxPartitionBytes`` is read when a query is planned)."""
        suffix = table_suffix(name)
        table = self.tables[suffix]
        base = name[: len(name) - len(suffix)]

        def run() -> dict[str, Any]:
            self.spark.conf.set("spark.sql.files.maxPartitionBytes", str(table.max_partition_bytes))
            return getattr(self, f"_{base}")(table) if suffix else getattr(self, name)()

        return run

    # -- on the main table (0.1% bad rows) ---------------------------------------------------------

    def scan(self) -> dict[str, Any]:
        _noop(self.df)
        return {}

    def identity_arrow(self) -> dict[str, Any]:
        return self._identity_arrow(self.tables[""])

    def split(self, engine: str = "auto") -> dict[str, Any]:
        """``enforce(mode="split")`` then ``result.run()``: the counts (with ``auto``: one native counting pass
        plus the Arrow pass over the flagged rows; with ``arrow``: the tagged frame through the kernels)."""
        from spark_signature import enforce

        result = enforce(self.df, self.schema, mode="split", engine=engine)
        counts = result.run()
        by_rule = {f"{c}/{r}": n for (c, r), n in sorted(counts.by_rule.items())}
        ok = (counts.valid + counts.quarantined == counts.rows == self.meta["rows"]
              and counts.quarantined == self.meta["bad_rows"] and by_rule == self.tables[""].expect())
        return {"rows": counts.rows, "valid": counts.valid, "quarantined": counts.quarantined, "by_rule": by_rule,
                "ok": ok}

    def split_arrow(self) -> dict[str, Any]:
        return self.split("arrow")

    def split_both(self) -> dict[str, Any]:
        """The pipeline: persist, write valid and quarantine (noop), read the counts, unpersist."""
        from spark_signature import enforce

        result = enforce(self.df, self.schema, mode="split").persist()
        try:
            _noop(result.valid)
            _noop(result.quarantine)
            counts = result.counts
        finally:
            result.unpersist()
        ok = (counts.rows == self.meta["rows"] and counts.quarantined == self.meta["bad_rows"]
              and counts.valid == self.meta["rows"] - self.meta["bad_rows"])
        return {"rows": counts.rows, "valid": counts.valid, "quarantined": counts.quarantined, "ok": ok}

    def split_no_observe(self) -> dict[str, Any]:
        from pyspark.sql import types as T

        from spark_signature.enforcement.spark import _spark_violations_type, _tag_batches, plan_for

        plan = plan_for(self.df, self.schema)
        out = T.StructType([*self.df.schema.fields, T.StructField("_violations", _spark_violations_type(), True)])
        _noop(self.df.mapInArrow(_tag_batches(plan, "_violations"), out))
        return {}

    def check(self) -> dict[str, Any]:
        return self._check(self.tables[""])

    def check_arrow(self) -> dict[str, Any]:
        return self._check_arrow(self.tables[""])

    def native_sql(self) -> dict[str, Any]:
        return self._native_sql(self.tables[""])

    def native_projection(self) -> dict[str, Any]:
        return self._native_projection(self.tables[""])

    def split_valid(self) -> dict[str, Any]:
        return self._split_valid(self.tables[""])

    def split_valid_arrow(self) -> dict[str, Any]:
        return self._split_valid(self.tables[""], "arrow")

    def proto_check_project(self) -> dict[str, Any]:
        rows, invalid = check_projected(self.df, self.schema)
        return {"rows": rows, "invalid_rows": invalid,
                "ok": rows == self.meta["rows"] and invalid == self.meta["bad_rows"]}

    def _clean(self) -> Any:
        return self.df.where(f"NOT ({BAD_ROW})")

    def mlflow_full(self) -> dict[str, Any]:
        schema = self.mlflow_schema
        sc = self.spark.sparkContext
        rows_seen, errors = sc.accumulator(0), sc.accumulator(0)

        def validate(batches):
            import mlflow.models

            for pdf in batches:
                try:
                    mlflow.models.validate_schema(pdf, schema)
                except Exception:
                    errors.add(1)
                rows_seen.add(len(pdf))
                yield pdf

        df = self._clean()
        _noop(df.mapInPandas(validate, df.schema))
        expected_rows = self.meta["rows"] - self.meta["bad_rows"]
        return {"rows": rows_seen.value, "batch_errors": errors.value,
                "ok": errors.value == 0 and rows_seen.value == expected_rows}

    def identity_pandas(self) -> dict[str, Any]:
        df = self._clean()
        _noop(df.mapInPandas(lambda it: it, df.schema))
        return {}

    # -- generic, on any table (``<name>_<suffix>``) ---------------------------------------------------

    def _identity_arrow(self, t: Table) -> dict[str, Any]:
        _noop(t.df.mapInArrow(lambda it: it, t.df.schema))
        return {}

    def _native_sql(self, t: Table) -> dict[str, Any]:
        """The same checks as one native ``agg`` of ``count_if``: rows, bad rows, per column and rule."""
        from pyspark.sql import functions as F

        aggs = [F.count(F.lit(1)).alias("rows"), F.expr(f"count_if({t.bad_row})").alias("invalid_rows")]
        aggs += [F.expr(e).alias(k) for k, e in t.rule_aggs.items()]
        row = t.df.agg(*aggs).collect()[0].asDict()
        by_rule = {k: v for k, v in row.items() if "/" in k and v}
        return {"rows": row["rows"], "invalid_rows": row["invalid_rows"],
                "ok": row["rows"] == t.meta["rows"] and row["invalid_rows"] == t.meta["bad_rows"]
                and dict(sorted(by_rule.items())) == t.expect()}

    def _check(self, t: Table, engine: str = "auto", mode: str = "check") -> dict[str, Any]:
        from spark_signature import enforce

        result = enforce(t.df, t.schema, mode=mode, engine=engine)
        by_rule = {f"{v['column']}/{v['rule']}": v["count"] for v in result.violations}
        ok = (result.rows == t.meta["rows"] and result.invalid_rows == t.meta["bad_rows"]
              and dict(sorted(by_rule.items())) == t.expect())
        return {"rows": result.rows, "invalid_rows": result.invalid_rows, "arrow_rows": result.arrow_rows, "ok": ok}

    def _check_arrow(self, t: Table) -> dict[str, Any]:
        return self._check(t, "arrow")

    def _fail_fast(self, t: Table) -> dict[str, Any]:
        """``fail_fast`` on a clean table: it must not raise, and it checks every row."""
        return self._check(t, "auto", "fail_fast")

    def _native_projection(self, t: Table) -> dict[str, Any]:
        """The valid output written natively: the bad-row test as a filter, the engine's own casts."""
        from pyspark.sql import Observation
        from pyspark.sql import functions as F

        from spark_signature.enforcement.spark import converted_columns, plan_for

        obs = Observation()
        valid = (t.df.where(f"NOT ({t.bad_row})").observe(obs, F.count(F.lit(1)).alias("rows"))
                 .select(*converted_columns(plan_for(t.df, t.schema))))
        _noop(valid)
        rows = int(obs.get["rows"])
        return {"valid": rows, "ok": rows == t.meta["rows"] - t.meta["bad_rows"]}

    def _split_valid(self, t: Table, engine: str = "auto") -> dict[str, Any]:
        """``enforce(mode="split")``, only ``valid`` written (noop); verified from the write's own observation."""
        from pyspark.sql import Observation
        from pyspark.sql import functions as F

        from spark_signature import enforce

        result = enforce(t.df, t.schema, mode="split", engine=engine)
        obs = Observation()
        _noop(result.valid.observe(obs, F.count(F.lit(1)).alias("rows")))
        rows = int(obs.get["rows"])
        return {"valid": rows, "ok": rows == t.meta["rows"] - t.meta["bad_rows"]}


# --------------------------------------------------------------------------------------------------
# Prototypes of proposed engine changes (measured here; the engine itself is not changed by this script).
# The native pre-filter (``proto_check_prefilter``) and the guarded split metrics (``proto_split_guarded``)
# measured here before are in the engine now (``engine="auto"``, ``_metrics``).
# --------------------------------------------------------------------------------------------------


def check_projected(df: Any, schema: Any) -> tuple[int, int]:
    """Proposed smaller change: send only the columns that have a value-dependent rule to Python."""
    from spark_signature.enforcement.plan import AnyNode, Plan, ScalarNode
    from spark_signature.enforcement.spark import _summarize_batches, _summary_spark_schema, plan_for
    from spark_signature.rules import Decision, null_is_violation

    plan = plan_for(df, schema)

    def has_rules(col: Any) -> bool:
        node = col.node
        if isinstance(node, AnyNode):
            return False
        if isinstance(node, ScalarNode):
            return (node.conversion.decision is Decision.VALUE_CHECK
                    or null_is_violation(node.spec, col.required, plan.compat, position="column"))
        return True

    cols = [c for c in plan.columns if has_rules(c)]
    sub = Plan(cols, plan.missing_optional, plan.extras, plan.compat, plan.warnings)
    narrow = df.select(*[f"`{c.source}`" for c in cols])
    rows = narrow.mapInArrow(_summarize_batches(sub, False), _summary_spark_schema()).collect()
    return (sum(r["rows"] for r in rows if r["column"] is None),
            sum(r["invalid_rows"] for r in rows if r["column"] is None))


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------


def summarize(times: list[float]) -> dict[str, Any]:
    med = statistics.median(times)
    return {"median_s": round(med, 3), "min_s": round(min(times), 3), "max_s": round(max(times), 3),
            "spread_pct": round(100 * (max(times) - min(times)) / med, 1) if med else None}


def ratios(result: dict[str, Any]) -> dict[str, Any]:
    v = result["variants"]
    out = {}
    for name, (num, den, op, bound) in TARGETS.items():
        if "median_s" not in v.get(num, {}) or "median_s" not in v.get(den, {}):
            continue
        med = v[num]["median_s"] / v[den]["median_s"]
        # Per-round ratios (the two variants ran back to back in the same round): their range is the spread.
        per_round = [a / b for a, b in zip(v[num]["times_s"], v[den]["times_s"], strict=False)]
        met = None if op is None else (med <= bound if op == "<=" else med >= bound)
        out[name] = {"ratio": round(med, 2), "per_round_min": round(min(per_round), 2),
                     "per_round_max": round(max(per_round), 2),
                     "target": None if op is None else f"{op} {bound}", "met": met}
    return out


def compare(result: dict[str, Any], other: dict[str, Any]) -> list[dict[str, Any]]:
    """The ratios of this run next to another run's (e.g. 20M next to 5M rows), per batch size: does a ratio
    grow with the rows? ``grew`` is a ratio more than 10% above the other run's (single runs vary more than
    that on a shared machine: read the per-round ranges too)."""
    theirs = {c["maxRecordsPerBatch"]: c.get("ratios", {}) for c in other.get("configs", [])}
    out = []
    for cfg in result["configs"]:
        other_ratios = theirs.get(cfg["maxRecordsPerBatch"], {})
        for name, r in cfg["ratios"].items():
            o = other_ratios.get(name)
            if o is None:
                continue
            out.append({"maxRecordsPerBatch": cfg["maxRecordsPerBatch"], "ratio": name, "rows": result["rows"],
                        "value": r["ratio"], "other_rows": other["rows"], "other_value": o["ratio"],
                        "factor": round(r["ratio"] / o["ratio"], 2) if o["ratio"] else None,
                        "grew": bool(o["ratio"]) and r["ratio"] > 1.1 * o["ratio"]})
    return out


TCP_COUNTERS = ("TcpRetransSegs", "TcpExtTCPTimeouts", "TcpExtTCPLossProbes", "TcpExtTCPRcvCollapsed",
                "TcpExtRcvPruned")


def tcp_counters() -> dict[str, int]:
    """System-wide TCP counters (the JVM and its Python workers talk over loopback TCP)."""
    out: dict[str, int] = {}
    for path, prefix in (("/proc/net/snmp", "Tcp"), ("/proc/net/netstat", "TcpExt")):
        with contextlib.suppress(OSError):
            lines = Path(path).read_text().splitlines()
            for head, vals in zip(lines[::2], lines[1::2], strict=False):
                name = head.split(":", 1)[0]
                if name != prefix:
                    continue
                for k, v in zip(head.split()[1:], vals.split()[1:], strict=False):
                    key = f"{prefix}{k}" if prefix == "Tcp" else f"TcpExt{k}"
                    if key in TCP_COUNTERS:
                        out[key] = int(v)
    return out


class Watchdog:
    """Cancel every Spark job if an action takes longer than ``seconds`` (a hung Python worker must not
    stall the whole benchmark)."""

    def __init__(self, spark: Any, seconds: float) -> None:
        import threading

        self.fired = False
        self.seconds = seconds
        self._timer = threading.Timer(seconds, self._fire, args=(spark,))
        self._timer.daemon = True

    def _fire(self, spark: Any) -> None:
        self.fired = True
        print(f"    !! watchdog: no result after {self.seconds:.0f}s, cancelling all jobs", flush=True)
        spark.sparkContext.cancelAllJobs()

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _guarded(spark: Any, fn: Callable[[], dict[str, Any]], seconds: float) -> tuple[dict[str, Any] | None, float]:
    """Run one variant under the watchdog: (verification info, or None on a timeout; seconds)."""
    with Watchdog(spark, seconds) as dog:
        t0 = time.perf_counter()
        try:
            info = fn()
        except Exception:
            if not dog.fired:
                raise
            info = None
        return info, time.perf_counter() - t0


def run_config(spark: Any, variants: Variants, names: list[str], runs: int, args: argparse.Namespace,
               roots: list[int], jvm_pid: int | None, save: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    res: dict[str, Any] = {"variants": {n: {"times_s": [], "load1": [], "foreign_cores": [], "our_cores": [],
                                            "quiet": [], "tcp": []} for n in names}}
    fns: dict[str, Callable[[], dict[str, Any]]] = {n: variants.get(n) for n in names}
    print("  warm-up", flush=True)
    for n in names:
        info, dt = _guarded(spark, fns[n], args.warmup_timeout)
        entry = res["variants"][n]
        entry["warmup_s"] = round(dt, 3)
        entry["verify"] = info if info is not None else {"timeout": True}
        print(f"    {n:18s} {dt:8.2f}s  {entry['verify']}", flush=True)
        if info and not info.get("ok", True):
            print(f"    !! {n}: counts do not match the generated table: {info}", flush=True)
    save(res)
    for r in range(runs):
        print(f"  round {r + 1}/{runs}", flush=True)
        for n in names:
            entry = res["variants"][n]
            timeout = max(args.min_run_timeout, args.timeout_factor * entry["warmup_s"])
            for attempt in range(args.retries + 1):
                q = wait_for_quiet(roots, args.max_load, args.max_foreign, args.load_wait)
                tcp0 = tcp_counters()
                with CpuMeter(roots) as meter:
                    info, dt = _guarded(spark, fns[n], timeout)
                tcp = {k: v - tcp0.get(k, 0) for k, v in tcp_counters().items()}
                load1 = round(os.getloadavg()[0], 2)
                disturbed = meter.foreign_cores > args.max_foreign
                hung = info is None
                print(f"    {n:18s} {dt:8.2f}s  load1 {q['load1_before']:.2f}->{load1:.2f}  "
                      f"foreign {meter.foreign_cores:.2f} cores  ours {meter.our_cores:.2f}  "
                      f"tcp retrans {tcp.get('TcpRetransSegs', 0)} rto {tcp.get('TcpExtTCPTimeouts', 0)}"
                      + ("  DISTURBED" if disturbed else "") + ("  TIMEOUT" if hung else ""), flush=True)
                if hung:
                    entry.setdefault("timeouts", []).append(
                        {"after_s": round(dt, 1), "tcp": tcp, "foreign_cores": round(meter.foreign_cores, 2)})
                    continue
                if not disturbed or attempt == args.retries or dt > args.retry_max_seconds:
                    break
                entry.setdefault("discarded", []).append(
                    {"time_s": round(dt, 3), "foreign_cores": round(meter.foreign_cores, 2), "load1": load1})
                print("      ... retrying (other processes used the CPU during the run)", flush=True)
            if info is None:  # every attempt timed out: no time for this round
                continue
            entry["times_s"].append(round(dt, 3))
            entry["load1"].append(load1)
            entry["foreign_cores"].append(round(meter.foreign_cores, 2))
            entry["our_cores"].append(round(meter.our_cores, 2))
            entry["quiet"].append(q["quiet"] and not disturbed)
            entry["tcp"].append(tcp)
            if info and not info.get("ok", True):
                entry.setdefault("verify_failures", []).append(info)
            entry["memory"] = memory(spark, jvm_pid)
        save(res)
    for n in names:
        if res["variants"][n]["times_s"]:
            res["variants"][n].update(summarize(res["variants"][n]["times_s"]))
    res["ratios"] = ratios(res)
    return res


def markdown(result: dict[str, Any]) -> str:
    lines = []
    rows = result["rows"]
    tables = result.get("tables", {})
    if tables:
        lines.append("\n| table (variant suffix) | rows | bad rows | columns | partitions | path |")
        lines.append("|---|---:|---:|---:|---:|---|")
        for suffix, t in tables.items():
            lines.append(f"| {suffix or '(none)'} | {t['rows']:,} | {t['bad_rows']:,} | {t['cols']} | "
                         f"{t['partitions']} | {t['path']} |")
    for c in result.get("compared", []):
        if not lines:
            lines.append(f"\n#### ratios at {rows:,} rows next to {c['other_rows']:,} rows\n")
            lines.append("| batch | ratio | this run | other run | factor | grew > 10% |")
            lines.append("|---:|---|---:|---:|---:|---|")
        lines.append(f"| {c['maxRecordsPerBatch']:,} | {c['ratio']} | {c['value']:.2f} | {c['other_value']:.2f} | "
                     f"{c['factor']} | {'**yes**' if c['grew'] else 'no'} |")
    for cfg in result["configs"]:
        bs = cfg["maxRecordsPerBatch"]
        lines.append(f"\n#### {rows:,} rows, maxRecordsPerBatch={bs:,} (median of {result['runs']} runs)\n")
        lines.append("| variant | median s | min–max s | spread | Mrows/s | × scan | load1 (runs) | foreign cores |")
        lines.append("|---|---:|---:|---:|---:|---:|---|---|")
        scan = cfg["variants"].get("scan", {}).get("median_s")
        for n, v in cfg["variants"].items():
            if "median_s" not in v:
                lines.append(f"| {n} | no completed run | | | | | | |")
                continue
            x = f"{v['median_s'] / scan:.2f}" if scan else ""
            lines.append(
                f"| {n} | {v['median_s']:.2f} | {v['min_s']:.2f}–{v['max_s']:.2f} | {v['spread_pct']:.0f}% | "
                f"{rows / v['median_s'] / 1e6:.2f} | {x} | {', '.join(f'{t:.1f}' for t in v['load1'])} | "
                f"{', '.join(f'{t:.2f}' for t in v['foreign_cores'])} |"
            )
        if cfg["ratios"]:
            lines.append("\n| ratio | median | per-round range | target | met |")
            lines.append("|---|---:|---:|---|---|")
            for name, r in cfg["ratios"].items():
                met = "—" if r["met"] is None else ("yes" if r["met"] else "**no**")
                lines.append(f"| {name} | {r['ratio']:.2f} | {r['per_round_min']:.2f}–{r['per_round_max']:.2f} | "
                             f"{r['target'] or '(measured)'} | {met} |")
        lines.append("\n| variant | driver py maxrss MB | driver py rss MB | JVM heap used MB | JVM RSS MB | "
                     "py workers RSS MB |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for n, v in cfg["variants"].items():
            m = v.get("memory", {})
            lines.append(f"| {n} | {m.get('driver_py_maxrss_mb')} | {m.get('driver_py_rss_mb')} | "
                         f"{m.get('jvm_heap_used_mb')} | {m.get('jvm_rss_mb')} | {m.get('py_workers_rss_mb')} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Profile: the batch kernel in-process, on real batches of the table
# --------------------------------------------------------------------------------------------------


def profile(spark: Any, df: Any, batch_rows: list[int], repeat: int, top: int) -> dict[str, Any]:
    """cProfile ``Checker(plan).check(batch)`` (+ ``to_arrow`` / ``summary``) on batches taken from the table.

    The batch is the Arrow data ``mapInArrow`` would receive (``DataFrame.toArrow`` of the first rows of one
    partition, same types). Also times each column's check alone, to say where the time goes.
    """
    from spark_signature.enforcement.arrow import Checker
    from spark_signature.enforcement.spark import plan_for

    plan = plan_for(df, gen_data.signature())
    checker = Checker(plan)
    out: dict[str, Any] = {}
    for n in batch_rows:
        out[str(n)] = _profile_batch(checker, plan, df.limit(n).toArrow().combine_chunks().to_batches()[0],
                                     repeat, top)
    return out


def _profile_batch(checker: Any, plan: Any, batch: Any, repeat: int, top: int) -> dict[str, Any]:
    import pyarrow as pa

    from spark_signature.enforcement.arrow import Checker

    log = checker.check(batch)
    print(f"\n=== batch of {batch.num_rows} rows: {len(log.chunks)} violation chunks, "
          f"{int(log.invalid_rows().sum())} bad rows", flush=True)

    def timeit(fn: Callable[[], Any], k: int = repeat) -> float:
        fn()
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        return (time.perf_counter() - t0) / k * 1000

    def split_path() -> Any:  # what _tag_batches does per batch
        lg = checker.check(batch)
        return pa.RecordBatch.from_arrays([*batch.columns, lg.to_arrow()],
                                          names=[*batch.schema.names, "_violations"])

    def check_path() -> Any:  # what _summarize_batches does per batch
        lg = checker.check(batch)
        if lg:
            lg.invalid_rows()
            lg.summary()

    stats: dict[str, Any] = {
        "rows": batch.num_rows,
        "check_ms": round(timeit(lambda: checker.check(batch)), 3),
        "split_path_ms": round(timeit(split_path), 3),
        "check_path_ms": round(timeit(check_path), 3),
        "to_arrow_ms": round(timeit(log.to_arrow), 3),
        "serialize_ipc_ms": round(timeit(lambda: _ipc_roundtrip(batch)), 3),
    }
    per_col = {}
    for col in plan.columns:
        ch = Checker(type(plan)([col], [], [], plan.compat))
        per_col[col.name] = round(timeit(lambda ch=ch: ch.check(batch)), 3)
    stats["per_column_ms"] = per_col
    clean = batch.filter(pa.array(~log.invalid_rows()))
    stats["clean_batch_check_ms"] = round(timeit(lambda: checker.check(clean)), 3)
    stats["clean_batch_to_arrow_ms"] = round(timeit(lambda: checker.check(clean).to_arrow()), 3)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(repeat):
        split_path()
    prof.disable()
    for key in ("tottime", "cumulative"):
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats(key).print_stats(top)
        stats[f"cprofile_split_path_{key}"] = s.getvalue()
    print(json.dumps({k: v for k, v in stats.items() if not k.startswith("cprofile")}, indent=2))
    print(stats["cprofile_split_path_tottime"])
    return stats


def worker_breakdown(spark: Any, df: Any, batch_size: int) -> dict[str, Any]:
    """Where a Python worker's wall time goes, per mode, on the whole table: waiting for the next input batch
    (the JVM producing Arrow + the IPC read), our code (the kernel), and handing each output batch back
    (serialization + the JVM consuming it). Measured with timers around the iterator inside ``mapInArrow``
    and summed over tasks through accumulators; the job wall time is measured on the driver."""
    import pyarrow as pa
    from pyspark.sql import types as T

    from spark_signature.enforcement.spark import (
        _spark_violations_type,
        _summarize_batches,
        _summary_spark_schema,
        _tag_batches,
        plan_for,
    )

    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_size))
    sc = spark.sparkContext
    plan = plan_for(df, gen_data.signature())
    tagged_schema = T.StructType([*df.schema.fields, T.StructField("_violations", _spark_violations_type(), True)])
    sink_schema = T.StructType([T.StructField("rows", T.LongType())])

    def sink(batches: Any) -> Any:
        n = sum(b.num_rows for b in batches)
        yield pa.RecordBatch.from_pydict({"rows": [n]}, schema=pa.schema([("rows", pa.int64())]))

    modes = {
        "identity_arrow": (lambda it: it, df.schema, "noop"),
        "arrow_sink (input only)": (sink, sink_schema, "collect"),
        "check": (_summarize_batches(plan, False), _summary_spark_schema(), "collect"),
        "split (no observe)": (_tag_batches(plan, "_violations"), tagged_schema, "noop"),
    }
    out: dict[str, Any] = {}
    for name, (fn, schema, action) in modes.items():
        acc = {k: sc.accumulator(0.0) for k in ("input_s", "ours_s", "output_s", "batches")}

        def timed(batches: Any, fn: Any = fn, acc: Any = acc) -> Any:
            clock = time.perf_counter
            waited = 0.0
            nb = 0

            def source() -> Any:
                nonlocal waited, nb
                it = iter(batches)
                while True:
                    t0 = clock()
                    try:
                        b = next(it)
                    except StopIteration:
                        waited += clock() - t0
                        return
                    waited += clock() - t0
                    nb += 1
                    yield b

            inner = fn(source())
            busy = handed = 0.0
            while True:
                t0 = clock()
                try:
                    result = next(inner)
                except StopIteration:
                    busy += clock() - t0
                    break
                busy += clock() - t0
                t1 = clock()
                yield result
                handed += clock() - t1
            acc["input_s"].add(waited)
            acc["ours_s"].add(busy - waited)
            acc["output_s"].add(handed)
            acc["batches"].add(nb)

        mapped = df.mapInArrow(timed, schema)
        runs = []
        for _ in range(2):  # warm-up, then the measured run (accumulators reset in between)
            for a in acc.values():
                a.value = 0.0
            t0 = time.perf_counter()
            if action == "noop":
                _noop(mapped)
            else:
                mapped.collect()
            runs.append(time.perf_counter() - t0)
        res = {k: round(a.value, 2) for k, a in acc.items()}
        res["job_wall_s"] = round(runs[-1], 2)
        res["worker_total_s"] = round(res["input_s"] + res["ours_s"] + res["output_s"], 2)
        out[name] = res
        print(f"  {name:26s} {res}", flush=True)
    return out


def mlflow_breakdown(df: Any, n: int, repeat: int = 3) -> dict[str, Any]:
    """Time ``mlflow.models.validate_schema`` on one clean pandas batch (as ``mapInPandas`` gets it), whole
    schema and one column at a time: where MLflow's enforcement spends its time."""
    import mlflow.models
    from mlflow.types import Schema as MlflowSchema

    pdf = df.where(f"NOT ({BAD_ROW})").limit(n).toPandas()
    full = gen_data.mlflow_signature()

    def timeit(fn: Callable[[], Any]) -> float:
        t0 = time.perf_counter()
        for _ in range(repeat):
            fn()
        return (time.perf_counter() - t0) / repeat * 1000

    out: dict[str, Any] = {"rows": len(pdf), "all_columns_ms": round(
        timeit(lambda: mlflow.models.validate_schema(pdf, full)), 1)}
    per: dict[str, float] = {}
    for spec in full.inputs:
        one = MlflowSchema([spec])
        sub = pdf[[spec.name]]
        per[spec.name] = round(timeit(lambda one=one, sub=sub: mlflow.models.validate_schema(sub, one)), 2)
    out["per_column_ms"] = per
    print(f"  mlflow validate_schema on {len(pdf)} rows: {out}", flush=True)
    return out


def _ipc_roundtrip(batch: Any) -> Any:
    """What the worker does per batch for identity (read + write Arrow IPC): the serialization floor."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as w:
        w.write_batch(batch)
    return pa.ipc.open_stream(sink.getvalue()).read_next_batch()


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--data", help="Parquet directory (default bench/data/enf-<rows>; generated if missing)")
    p.add_argument("--variants", default=",".join(DEFAULT_VARIANTS), help=f"comma list of {ALL_VARIANTS}")
    p.add_argument("--batch-sizes", default="10000,100000", help="spark.sql.execution.arrow.maxRecordsPerBatch")
    p.add_argument("--max-load", type=float, default=2.5, help="wait while the 1-min load average is above")
    p.add_argument("--max-foreign", type=float, default=0.5, help="... or other processes use more cores")
    p.add_argument("--load-wait", type=float, default=300, help="max seconds to wait for quiet before a run")
    p.add_argument("--retries", type=int, default=3, help="re-run a run disturbed by other processes")
    p.add_argument("--retry-max-seconds", type=float, default=120, help="... unless it took longer than this")
    p.add_argument("--warmup-timeout", type=float, default=1800, help="cancel a warm-up run after this")
    p.add_argument("--min-run-timeout", type=float, default=300, help="cancel a timed run after max(this, ...")
    p.add_argument("--timeout-factor", type=float, default=5, help="... this x its warm-up time); re-run it")
    p.add_argument("--wide-rows", type=int, default=500_000, help="rows of the wide table (variants *_wide)")
    p.add_argument("--wide-cols", type=int, default=200, help="double columns of the wide table")
    p.add_argument("--wide-null-fraction", type=float, default=0.0005, help="nulls per column of the wide table")
    p.add_argument("--compare", help="a results JSON of another run (e.g. 5M rows): its ratios next to these")
    p.add_argument("--out", help="results JSON (default bench/results/enforcement-<rows>.json)")
    p.add_argument("--profile", action="store_true", help="cProfile the batch kernel instead of benchmarking")
    p.add_argument("--profile-rows", default="10000,100000")
    args = p.parse_args(argv)

    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    unknown = [n for n in names if n not in ALL_VARIANTS]
    if unknown:
        p.error(f"unknown variants {unknown}; choose from {ALL_VARIANTS}")
    data = Path(args.data or BENCH / "data" / f"enf-{args.rows}")

    from spark_signature.session import get_spark

    spark = get_spark(
        "bench-enforcement",
        master="local[2]",
        conf={
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.log.level": "ERROR",
        },
    )
    try:
        paths = {suffix: data if not suffix else data.with_name(f"{data.name}-bad{fraction}")
                 for suffix, fraction in BAD_FRACTIONS.items()}
        paths["_wide"] = data.with_name(f"wide-{args.wide_rows}x{args.wide_cols}-{args.wide_null_fraction}")
        needed = sorted({"", *(table_suffix(n) for n in names)})
        for suffix in needed:
            path = paths[suffix]
            if gen_data.meta_path(path).exists():
                continue
            print(f"generating {path} ...", flush=True)
            if suffix == "_wide":
                gen_data.generate_wide(spark, args.wide_rows, args.wide_cols, args.wide_null_fraction, path, files=8)
            else:
                gen_data.generate(spark, args.rows, BAD_FRACTIONS[suffix], path, files=gen_data.files_for(args.rows))
        tables = {s: (wide_table if s == "_wide" else main_table)(spark, paths[s]) for s in needed}
        expected_rows = {s: args.wide_rows if s == "_wide" else args.rows for s in needed}
        for s, t in tables.items():
            if t.meta["rows"] != expected_rows[s]:
                p.error(f"{t.path} has {t.meta['rows']} rows, not {expected_rows[s]}")
        df, meta = tables[""].df, tables[""].meta
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(tables[""].max_partition_bytes))
        partitions = df.rdd.getNumPartitions()
        jvm_pid = _jvm_pid(spark)
        roots = [os.getpid(), *([jvm_pid] if jvm_pid else [])]

        if args.profile:
            result = {"rows": args.rows, "data": str(data), "machine": machine(spark), "load1_start": os.getloadavg(),
                      "profile": profile(spark, df, [int(x) for x in args.profile_rows.split(",")], 20, 30),
                      "worker_breakdown": {}}
            for bs in [int(x) for x in args.batch_sizes.split(",")]:
                print(f"\nworker breakdown, maxRecordsPerBatch={bs}", flush=True)
                result["worker_breakdown"][str(bs)] = worker_breakdown(spark, df, bs)
            result["mlflow_breakdown"] = mlflow_breakdown(df, 10000)
            result["load1_end"] = os.getloadavg()
            out = Path(args.out or BENCH / "results" / f"profile-{args.rows}.json")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(result, indent=2) + "\n")
            print(f"wrote {out}")
            return 0

        variants = Variants(spark, tables)
        result: dict[str, Any] = {
            "rows": args.rows, "runs": args.runs, "data": str(data), "data_meta": meta,
            "partitions": partitions, "variants": names, "machine": machine(spark),
            "tables": {s: t.describe() for s, t in tables.items()},
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_gate": {"max_load1": args.max_load, "max_foreign_cores": args.max_foreign,
                          "max_wait_s": args.load_wait, "retries": args.retries,
                          "retry_max_seconds": args.retry_max_seconds},
            "memory_start": memory(spark, jvm_pid), "configs": [],
        }
        print(f"{args.rows:,} rows, {partitions} partitions, variants {names}", flush=True)
        out = Path(args.out or BENCH / "results" / f"enforcement-{args.rows}.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(".json.tmp")  # gitignored; rewritten after every round

        def save(cfg: dict[str, Any] | None = None) -> None:
            snapshot = dict(result, configs=[*result["configs"], *([cfg] if cfg else [])], complete=False)
            partial.write_text(json.dumps(snapshot, indent=2, default=str) + "\n")

        for bs in [int(x) for x in args.batch_sizes.split(",")]:
            spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(bs))
            print(f"maxRecordsPerBatch={bs}", flush=True)
            cfg = run_config(spark, variants, names, args.runs, args, roots, jvm_pid,
                             lambda res, bs=bs: save(dict(res, maxRecordsPerBatch=bs)))
            cfg["maxRecordsPerBatch"] = bs
            result["configs"].append(cfg)
            save()
        if args.compare:
            result["compared"] = compare(result, json.loads(Path(args.compare).read_text()))
        result["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        result["memory_end"] = memory(spark, jvm_pid)
        result["complete"] = True
        table = markdown(result)
        result["markdown"] = table
        out.write_text(json.dumps(result, indent=2) + "\n")
        partial.unlink(missing_ok=True)
        print(table)
        print(f"\nwrote {out}")
    finally:
        spark.stop()
    return 0


def _jvm_pid(spark: Any) -> int | None:
    with contextlib.suppress(Exception):
        return int(spark.sparkContext._gateway.proc.pid)
    with contextlib.suppress(Exception):
        return int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())
    return None


if __name__ == "__main__":
    sys.exit(main())
