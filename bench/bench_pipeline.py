"""Pipeline benchmark: ``validate_table`` end to end (Delta in, valid + quarantine Delta out) against reading the
same Delta table and writing it back to Delta unchanged (the floor), same session; a warm-up round, then the
median of ``--runs`` rounds, the two variants round-robin.

    .venv/bin/python bench/bench_pipeline.py --rows 5000000 --runs 3 --out bench/results/pipeline-5000000.json
    .venv/bin/python bench/bench_pipeline.py --rows 200000 --runs 1          # a quick check that it runs

Data: the enforcement benchmark's mixed-type table (``gen_data.py``: 14 columns, ~0.1% bad rows, each with
one violation), written once as a Delta table under ``bench/data/pipeline-<rows>`` and reused. Variants:

* ``copy``            ``spark.read.format("delta").load(input)`` written to a Delta table (overwrite).
* ``validate_table``  ``spark_signature.pipeline.validate_table``: read with the version pinned, plan, one
                      enforcement pass (persisted), the quarantine and the valid table written (overwrite, a
                      new run id per round), their commits found and their counts checked against a native
                      count; checked afterwards: valid + quarantined = rows and quarantined = the planted bad
                      rows (the sidecar's exact count).

The ratio reported is ``validate_table / copy`` (issue 10's target: <= 2). Runs wait for a quiet machine like
the other benchmarks (whose load helpers are reused).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_enforcement as common  # bench/ is not a package: the machine/load helpers live there
import gen_data

DATA = Path(__file__).resolve().parent / "data"


def ensure_input(spark: Any, rows: int, bad_fraction: float) -> tuple[Path, dict[str, Any]]:
    """The Delta input table for ``rows`` (generated once, reused) and its exact bad-row counts."""
    path = DATA / f"pipeline-{rows}"
    meta = gen_data.meta_path(path)
    if (path / "_delta_log").is_dir() and meta.is_file():
        return path, json.loads(meta.read_text())
    t0 = time.perf_counter()
    df = gen_data.build(spark, rows, bad_fraction, gen_data.files_for(rows)).drop("_bad", "_kind")
    df.write.format("delta").mode("overwrite").save(str(path))
    info = gen_data.expected(spark, rows, bad_fraction)
    info.update(files=gen_data.files_for(rows), seconds=round(time.perf_counter() - t0, 1))
    meta.write_text(json.dumps(info, indent=2) + "\n")
    return path, info


def write_signature(directory: Path) -> Path:
    from spark_signature.types import ModelSignature

    path = directory / "signature.json"
    inputs = gen_data.signature()
    path.write_text(json.dumps({"inputs": json.loads(ModelSignature(inputs=inputs).to_dict()["inputs"])}))
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--bad-fraction", type=float, default=0.001)
    p.add_argument("--out", help="write the results JSON here (default: print only)")
    p.add_argument("--scratch", help="directory for the output tables (default: a temporary directory)")
    p.add_argument("--max-load", type=float, default=2.5, help="wait while the 1-min load average is above")
    p.add_argument("--max-foreign", type=float, default=0.5, help="... or other processes use more cores")
    p.add_argument("--load-wait", type=float, default=300, help="max seconds to wait for quiet before a run")
    args = p.parse_args(argv)

    from spark_signature.pipeline import StepOptions, validate_table
    from spark_signature.session import get_spark

    spark = get_spark(
        "bench-pipeline", master="local[2]",
        conf={"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
              "spark.sql.shuffle.partitions": "2", "spark.log.level": "ERROR"},
    )  # fmt: skip
    roots = [os.getpid(), *([pid] if (pid := common._jvm_pid(spark)) else [])]
    source, meta = ensure_input(spark, args.rows, args.bad_fraction)
    scratch = Path(args.scratch) if args.scratch else Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    scratch.mkdir(parents=True, exist_ok=True)
    signature = write_signature(scratch)
    counter = {"round": 0}

    def copy() -> dict[str, Any]:
        spark.read.format("delta").load(str(source)).write.format("delta").mode("overwrite").save(
            str(scratch / "copy"))
        return {}

    def validate() -> dict[str, Any]:
        counter["round"] += 1
        outcome = validate_table(spark, StepOptions(
            input=str(source), signature=str(signature), valid_output=str(scratch / "valid"),
            quarantine_output=str(scratch / "quarantine"), write_mode="overwrite",
            run_id=f"bench-{os.getpid()}-{counter['round']}", max_bad_fraction=0.01,
        ))  # fmt: skip
        counts = outcome.report["counts"]
        assert outcome.exit_code == 0, outcome.message
        assert counts["valid"] + counts["quarantined"] == args.rows, counts
        assert counts["quarantined"] == meta["bad_rows"], (counts, meta["bad_rows"])
        assert outcome.report["outputs"]["valid"]["rows"] == counts["valid"]
        return {"timings": outcome.report["timings"]}

    variants = {"copy": copy, "validate_table": validate}
    times: dict[str, list[float]] = {name: [] for name in variants}
    breakdown: list[dict[str, Any]] = []
    quiet: list[dict[str, Any]] = []
    try:
        for round_no in range(args.runs + 1):  # round 0 warms up (JIT, Python workers, Delta caches)
            for name, run in variants.items():
                if round_no:
                    quiet.append(common.wait_for_quiet(roots, args.max_load, args.max_foreign, args.load_wait))
                t0 = time.perf_counter()
                extra = run()
                elapsed = time.perf_counter() - t0
                if round_no:
                    times[name].append(elapsed)
                    if extra:
                        breakdown.append(extra)
                print(f"  {'warm-up' if not round_no else f'run {round_no}'} {name}: {elapsed:.2f}s", flush=True)
    finally:
        if not args.scratch:
            shutil.rmtree(scratch, ignore_errors=True)

    result: dict[str, Any] = {
        "benchmark": "pipeline", "rows": args.rows, "runs": args.runs, "input": meta,
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": common.machine(spark),
        "variants": {name: common.summarize(ts) for name, ts in times.items()},
        "validate_table_timings": breakdown, "quiet": quiet,
    }  # fmt: skip
    ratio = result["variants"]["validate_table"]["median_s"] / result["variants"]["copy"]["median_s"]
    result["ratio_validate_over_copy"] = round(ratio, 3)
    print("\n| variant | median s | min s | max s |\n|---|---|---|---|")
    for name, s in result["variants"].items():
        print(f"| {name} | {s['median_s']} | {s['min_s']} | {s['max_s']} |")
    print(f"validate_table / copy: {ratio:.2f}x (target <= 2)")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.out}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
