"""enforce(split) under Spark Connect against the classic session, on the same data and the same local[2].

    .venv/bin/python bench/bench_connect.py --rows 5000000 --runs 3
    .venv/bin/python bench/bench_connect.py --rows 200000 --runs 1 --max-load 100   # a quick check only

Two sessions in this one process, round-robin (a warm-up round, then ``--runs`` timed rounds, medians):

* ``classic``: ``get_spark(master="local[2]")``, as in bench_enforcement.py;
* ``connect``: a client of a local Spark Connect server (``spark_signature.connect.LocalConnectServer``:
  ``spark-submit --class SparkConnectServer``, local[2], the same settings), so the same engine runs
  behind a gRPC client with no JVM in this process. pyspark builds Connect columns only in Connect mode
  (``SPARK_CONNECT_MODE_ENABLED``), so it is on during the Connect runs only.

Variants, per session, on the Parquet table of ``bench/gen_data.py`` (generated if missing):

* ``identity_arrow``: ``df.mapInArrow(lambda it: it, df.schema)`` to noop: the Arrow round trip;
* ``split``: ``enforce(df, schema, mode="split")``, ``tagged`` written once to noop, then ``counts``
  (from the same action through ``observe``). Verified on every run: valid + quarantined == rows,
  quarantined == the generator's bad rows, per-rule counts == its counts per kind.

Reported: the medians, ``split / identity_arrow`` per session, and ``connect / classic`` per variant.
Each timed run first waits (up to ``--load-wait`` s) for the 1-min load average to drop to ``--max-load``;
the load at the start of each run is recorded. The Connect server is a second JVM, idle while the classic
session runs and the other way round.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_data  # bench/ is not a package: imported from the script's directory

BENCH = Path(__file__).resolve().parent
MODE_ENV = "SPARK_CONNECT_MODE_ENABLED"
CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.log.level": "ERROR",
}
VARIANTS = ("identity_arrow", "split")
SESSIONS = ("classic", "connect")


class Mode:
    """pyspark in Connect mode for the block (the Connect client's own process state), else classic."""

    def __init__(self, connect: bool) -> None:
        self.connect = connect

    def __enter__(self) -> None:
        if self.connect:
            os.environ[MODE_ENV] = "1"
        else:
            os.environ.pop(MODE_ENV, None)

    def __exit__(self, *exc: object) -> None:
        os.environ.pop(MODE_ENV, None)


def _noop(df: Any) -> None:
    df.write.format("noop").mode("overwrite").save()


def identity_arrow(df: Any, meta: dict[str, Any]) -> dict[str, Any]:
    _noop(df.mapInArrow(lambda batches: batches, df.schema))
    return {}


def split(df: Any, meta: dict[str, Any]) -> dict[str, Any]:
    from spark_signature import enforce

    result = enforce(df, gen_data.signature(), mode="split")
    _noop(result.tagged)
    observed = result.observed
    counts = result.counts
    by_kind = {f"{c}/{r}": n for (c, r), n in counts.by_rule.items()}
    ok = (counts.valid + counts.quarantined == counts.rows == meta["rows"]
          and counts.quarantined == meta["bad_rows"] and by_kind == meta["bad_by_kind"])
    if not ok:
        raise SystemExit(f"split counts do not match the generator: {counts} vs {meta}")
    return {"observed_by_the_write": observed, "quarantined": counts.quarantined}


def wait_for_quiet(max_load: float, max_wait: float) -> float:
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] > max_load and time.monotonic() < deadline:
        time.sleep(5)
    return os.getloadavg()[0]


def run_once(fn: Any, df: Any, meta: dict[str, Any], connect: bool, args: argparse.Namespace,
             timed: bool) -> dict[str, Any]:
    load = wait_for_quiet(args.max_load, args.load_wait) if timed else os.getloadavg()[0]
    with Mode(connect):
        t0 = time.perf_counter()
        extra = fn(df, meta)
        seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 3), "load1": round(load, 2), **extra}


def markdown(result: dict[str, Any]) -> str:
    med = result["medians"]
    lines = ["| variant | classic | connect | connect / classic |", "|---|---|---|---|"]
    for v in VARIANTS:
        lines.append(f"| {v} | {med['classic'][v]:.2f} s | {med['connect'][v]:.2f} s | "
                     f"**{result['connect_over_classic'][v]:.2f}** |")
    lines.append(f"| split / identity_arrow | {result['split_over_identity']['classic']:.2f} | "
                 f"{result['split_over_identity']['connect']:.2f} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--data", help="Parquet directory (default bench/data/enf-<rows>; generated if missing)")
    p.add_argument("--max-load", type=float, default=2.5, help="wait while the 1-min load average is above")
    p.add_argument("--load-wait", type=float, default=300, help="max seconds to wait for quiet before a run")
    p.add_argument("--out", help="results JSON (default bench/results/connect-<rows>.json)")
    args = p.parse_args(argv)
    data = Path(args.data or BENCH / "data" / f"enf-{args.rows}")

    from pyspark.sql.connect.session import SparkSession as ConnectSession

    from spark_signature.connect import LocalConnectServer
    from spark_signature.session import get_spark

    os.environ.pop(MODE_ENV, None)
    classic = get_spark("bench-connect-classic", master="local[2]", conf=CONF)
    server = LocalConnectServer(CONF, master="local[2]", log_file=BENCH / "results" / "connect-server.log.tmp",
                                app_name="bench-connect-server")
    try:
        if not gen_data.meta_path(data).exists():
            print(f"generating {data} ...", flush=True)
            gen_data.generate(classic, args.rows, 0.001, data, files=gen_data.files_for(args.rows))
        meta = gen_data.read_meta(data)
        if meta["rows"] != args.rows:
            p.error(f"{data} has {meta['rows']} rows, not {args.rows}")
        server.start()
        connect = ConnectSession.builder.remote(server.url).getOrCreate()
        # One Parquet file (one row group) per partition in both sessions, as in bench_enforcement.py.
        biggest = max(f.stat().st_size for f in data.glob("*.parquet"))
        frames = {}
        for kind, session in (("classic", classic), ("connect", connect)):
            with Mode(kind == "connect"):
                session.conf.set("spark.sql.files.maxPartitionBytes", str(int(biggest * 1.3)))
                frames[kind] = session.read.parquet(str(data))
        fns = {"identity_arrow": identity_arrow, "split": split}
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {k: {v: [] for v in VARIANTS} for k in SESSIONS}
        print(f"{args.rows:,} rows; warm-up round, then {args.runs} timed rounds", flush=True)
        for round_no in range(args.runs + 1):
            timed = round_no > 0
            for variant in VARIANTS:
                for kind in SESSIONS:
                    run = run_once(fns[variant], frames[kind], meta, kind == "connect", args, timed)
                    print(f"  {'run' if timed else 'warm-up'} {round_no}: {kind:7s} {variant:14s} {run}", flush=True)
                    if timed:
                        runs[kind][variant].append(run)
        medians = {k: {v: statistics.median(r["seconds"] for r in runs[k][v]) for v in VARIANTS} for k in SESSIONS}
        result = {
            "rows": args.rows, "runs": args.runs, "data": str(data), "data_meta": meta,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"), "max_load1": args.max_load,
            "timings": runs, "medians": medians,
            "connect_over_classic": {v: medians["connect"][v] / medians["classic"][v] for v in VARIANTS},
            "split_over_identity": {k: medians[k]["split"] / medians[k]["identity_arrow"] for k in SESSIONS},
        }
        result["markdown"] = markdown(result)
        out = Path(args.out or BENCH / "results" / f"connect-{args.rows}.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(result["markdown"])
        print(f"\nwrote {out}")
    finally:
        os.environ.pop(MODE_ENV, None)
        server.stop()
        classic.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
