"""Inference benchmark: ``full`` inference vs an identity ``mapInArrow`` pass, in one run, on local[2].

    .venv/bin/python bench/bench_inference.py --rows 5000000
    .venv/bin/python bench/bench_inference.py --rows 20000000 --runs 3

The table is the enforcement benchmark's (``bench/gen_data.py``: 14 mixed columns -- tinyint, smallint,
int, bigint x2, float, double, string, boolean, timestamp, date, binary, array<double>, struct<bigint,
string> -- with ~0.1% bad rows and 1-2% legitimate nulls), read from ``bench/data/enf-<rows>`` and
generated there first if missing.

Variants, round-robin (a warm-up round, then ``--runs`` timed rounds; the median is reported):

* ``scan``            ``df.write.format("noop")``: the floor (no Python).
* ``identity_arrow``  ``df.mapInArrow(lambda it: it, df.schema)`` written to noop: the Arrow round trip.
* ``full``            ``infer_spark_profile(df, mode="full")``: one ``mapInArrow`` profiling pass, one
                      small JSON record per partition collected and merged on the driver.

Reported: times, the ratio ``full / identity_arrow`` (target <= 1.5), the number of Spark jobs each
``full`` run started (job group + status tracker; target 1), the driver's Python RSS (``VmRSS`` from
``/proc/self/status``, peak ``ru_maxrss``) before and after the ``full`` runs, the bytes of profile
records collected, and a check of the profile against the generator's sidecar counts (rows, nulls of
``c_int``/``c_ts``/``c_arr[]``/``c_struct.a``). Before each timed run the script waits (up to
``--load-wait`` s) for the 1-minute load average to drop to ``--max-load``: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import gen_data  # noqa: E402  (bench/ is not a package: the enforcement benchmark's table generator)

VARIANTS = ["scan", "identity_arrow", "full"]
TARGET_RATIO = 1.5
MB = 1024 * 1024


def machine() -> dict[str, Any]:
    import pyarrow
    import pyspark

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), platform.processor()
    )
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "mem_total_gib": round(mem_kb / MB, 1),
        "python": platform.python_version(),
        "pyspark": pyspark.__version__,
        "pyarrow": pyarrow.__version__,
    }


def rss_mb() -> dict[str, float]:
    """The driver's Python process: current VmRSS and peak (VmHWM, ru_maxrss), in MiB."""
    vals = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            vals[key] = round(int(value.split()[0]) / 1024, 1)
    vals["ru_maxrss"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return vals


def wait_for_quiet(max_load: float, max_wait: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    while True:
        load1 = os.getloadavg()[0]
        waited = time.perf_counter() - t0
        if load1 <= max_load or waited >= max_wait:
            return {"load1": round(load1, 2), "waited_s": round(waited, 1), "quiet": load1 <= max_load}
        print(f"    load {load1:.2f} > {max_load}: waiting ({waited:.0f}s)", flush=True)
        time.sleep(10)


class Runner:
    def __init__(self, spark: Any, df: Any) -> None:
        self.spark = spark
        self.df = df
        self.jobs: list[int] = []
        self.profile_bytes: list[int] = []
        self.result: Any = None

    def scan(self) -> None:
        self.df.write.format("noop").mode("overwrite").save()

    def identity_arrow(self) -> None:
        df = self.df
        df.mapInArrow(lambda it: it, df.schema).write.format("noop").mode("overwrite").save()

    def full(self) -> None:
        from spark_signature.inference.spark import infer_spark_profile

        sc = self.spark.sparkContext
        group = f"bench-full-{uuid.uuid4().hex}"
        sc.setJobGroup(group, "full inference")
        try:
            self.result = infer_spark_profile(self.df, mode="full")
        finally:
            self.jobs.append(len(sc.statusTracker().getJobIdsForGroup(group)))
            sc.setLocalProperty("spark.jobGroup.id", None)


def collected_bytes(spark: Any, df: Any) -> int:
    """Bytes of the per-partition profile records (what reaches the driver), measured once."""
    from spark_signature.inference.profile import PROFILE_COLUMN, profile_batches
    from spark_signature.inference.spark import _kind

    kinds = [_kind(f.dataType) for f in df.schema.fields]
    rows = df.mapInArrow(profile_batches(kinds, 1000), f"{PROFILE_COLUMN} string").collect()
    return sum(len(r[0].encode()) for r in rows)


def verify(result: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """The profile against the generator's exact counts (``bad_by_kind`` in the sidecar JSON)."""
    bad = meta["bad_by_kind"]
    checks = {
        "rows": (result.rows, meta["rows"]),
        "c_int": (result.null_counts["c_int"], bad["c_int/null_in_required"]),
        "c_ts": (result.null_counts["c_ts"], bad["c_ts/null_in_required"]),
        "c_arr[]": (result.null_counts["c_arr[]"], bad["c_arr/null_in_required"]),
        "c_struct.a": (result.null_counts["c_struct.a"], bad["c_struct/null_in_required"]),
    }
    return {
        "ok": all(a == b for a, b in checks.values()),
        "checks": {k: {"profile": a, "expected": b} for k, (a, b) in checks.items()},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=5_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--data", help="Parquet directory (default bench/data/enf-<rows>; generated if missing)")
    p.add_argument("--max-load", type=float, default=2.5, help="wait while the 1-min load average is above")
    p.add_argument("--load-wait", type=float, default=300, help="max seconds to wait for quiet before a run")
    p.add_argument("--out", help="results JSON (default bench/results/inference-<rows>.json)")
    args = p.parse_args(argv)
    data = Path(args.data or BENCH / "data" / f"enf-{args.rows}")

    from spark_signature.session import get_spark

    spark = get_spark(
        "bench-inference",
        master="local[2]",
        conf={
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.log.level": "ERROR",
        },
    )
    try:
        if not gen_data.meta_path(data).exists():
            print(f"generating {data} ...", flush=True)
            gen_data.generate(spark, args.rows, 0.001, data, files=gen_data.files_for(args.rows))
        meta = gen_data.read_meta(data)
        if meta["rows"] != args.rows:
            p.error(f"{data} has {meta['rows']} rows, not {args.rows}")
        # One Parquet file per partition, as the enforcement benchmark reads it.
        biggest = max(f.stat().st_size for f in data.glob("*.parquet"))
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(int(biggest * 1.3)))
        df = spark.read.parquet(str(data))
        partitions = df.rdd.getNumPartitions()
        print(f"{args.rows:,} rows, {partitions} partitions, {len(df.columns)} columns", flush=True)

        runner = Runner(spark, df)
        rss_start = rss_mb()
        times: dict[str, list[float]] = {v: [] for v in VARIANTS}
        gates = []
        for round_ in range(args.runs + 1):  # round 0 is the warm-up
            for name in VARIANTS:
                gate = wait_for_quiet(args.max_load, args.load_wait) if round_ else None
                t0 = time.perf_counter()
                getattr(runner, name)()
                seconds = time.perf_counter() - t0
                label = "warm-up" if round_ == 0 else f"run {round_}"
                print(f"  {label:8s} {name:15s} {seconds:7.2f}s  (load {os.getloadavg()[0]:.2f})", flush=True)
                if round_:
                    times[name].append(seconds)
                    gates.append({"variant": name, "run": round_, **(gate or {}), "seconds": round(seconds, 2)})
        rss_end = rss_mb()
        medians = {k: round(statistics.median(v), 2) for k, v in times.items()}
        ratio = round(medians["full"] / medians["identity_arrow"], 3)
        result = {
            "rows": args.rows,
            "partitions": partitions,
            "columns": [f"{f.name}: {f.dataType.simpleString()}" for f in df.schema.fields],
            "runs": args.runs,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "maxRecordsPerBatch": spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch"),
            "times_s": {k: [round(x, 2) for x in v] for k, v in times.items()},
            "median_s": medians,
            "full_over_identity_arrow": ratio,
            "target_ratio": TARGET_RATIO,
            "meets_target": ratio <= TARGET_RATIO,
            "full_jobs_per_run": runner.jobs,
            "driver_rss_mb": {"start": rss_start, "end": rss_end},
            "profile_bytes_collected": collected_bytes(spark, df),
            "verify": verify(runner.result, meta),
            "load": gates,
        }
        print(
            json.dumps(
                {
                    k: result[k]
                    for k in (
                        "median_s",
                        "full_over_identity_arrow",
                        "meets_target",
                        "full_jobs_per_run",
                        "driver_rss_mb",
                        "profile_bytes_collected",
                        "verify",
                    )
                },
                indent=2,
            )
        )
        out = Path(args.out or BENCH / "results" / f"inference-{args.rows}.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {out}")
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
