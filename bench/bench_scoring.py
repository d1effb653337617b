"""Scoring benchmark: ``spark_signature.score`` against plain ``mlflow.pyfunc.spark_udf``, same session, same
cached rows, same model; warm-up round, then the median of ``--runs`` rounds, all variants round-robin.

    .venv/bin/python bench/bench_scoring.py --rows 1000000 --runs 3 --out bench/results/scoring-1000000.json
    .venv/bin/python bench/bench_scoring.py --rows 20000 --runs 1          # a quick check that it runs

Models (scikit-learn, saved locally with ``mlflow.sklearn.save_model`` with a signature inferred from the
iris data; no tracking server): ``logreg`` (LogisticRegression: a cheap model, where validation shows) and
``rf`` (the seed's iris RandomForest, 100 trees: a model whose own cost dominates).

Data: ``--rows`` rows of the four iris features (iris rows, cycled, plus small deterministic noise), all
valid, cached in memory before timing (``df.cache().count()``), ``--partitions`` partitions. Clean rows,
because plain ``spark_udf`` must score every row too (LogisticRegression fails on NaN).

Variants per model, each ending in a ``noop`` write:

* ``<model>_spark_udf``  ``df.select(spark_udf(*features))``: MLflow's own scoring.
* ``<model>_score``      ``score(df, model).scored``: enforce (split) on every row, then the same UDF on the
                         valid rows; checked afterwards: ``counts.valid == rows`` and ``quarantined == 0``.
* ``enforce_split``      (model-independent) ``enforce(df, signature, mode="split").run()``: the validation
                         alone, for the breakdown.

The ratio reported is ``score / spark_udf`` per model (issue 9's target: <= 1.3). Runs wait for a quiet
machine like ``bench_enforcement.py`` (whose load helpers are reused).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_enforcement as common  # bench/ is not a package: the machine/load helpers live there

MODELS = ("logreg", "rf")


def save_models(directory: Path) -> tuple[dict[str, str], list[str]]:
    """The two models saved as MLflow model directories; returns their paths and the feature names."""
    import mlflow
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True, as_frame=True)
    fitted = {
        "logreg": LogisticRegression(max_iter=1000).fit(X, y),
        "rf": RandomForestClassifier(n_estimators=100, max_depth=7, random_state=0).fit(X, y),
    }
    paths = {}
    for name, model in fitted.items():
        path = directory / name
        mlflow.sklearn.save_model(
            model, str(path), signature=mlflow.models.infer_signature(X, model.predict(X)),
            input_example=X.head(3), skops_trusted_types=["sklearn.tree._tree.Tree"],
        )  # fmt: skip
        paths[name] = str(path)
    return paths, list(X.columns)


def iris_rows(spark: Any, rows: int, features: list[str], partitions: int) -> Any:
    """``rows`` iris-like rows computed in Spark (no driver-side data): iris row ``id % 150`` plus noise."""
    from pyspark.sql import functions as F
    from sklearn.datasets import load_iris

    X = load_iris(as_frame=True).data
    iris = spark.createDataFrame(X.reset_index().rename(columns={"index": "k"}))
    base = spark.range(0, rows, 1, partitions).withColumn("k", (F.col("id") % len(X)).cast("long"))
    joined = base.join(F.broadcast(iris), "k")
    noise = [(F.hash("id", F.lit(i)) % 100) / F.lit(10000.0) for i in range(len(features))]
    return joined.select(
        "id", *[(F.col(f"`{c}`") + n).cast("double").alias(c) for c, n in zip(features, noise, strict=True)]
    ).repartition(partitions)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--models", default=",".join(MODELS), help=f"comma list of {MODELS}")
    p.add_argument("--out", help="write the results JSON here (default: print only)")
    p.add_argument("--max-load", type=float, default=2.5, help="wait while the 1-min load average is above")
    p.add_argument("--max-foreign", type=float, default=0.5, help="... or other processes use more cores")
    p.add_argument("--load-wait", type=float, default=300, help="max seconds to wait for quiet before a run")
    args = p.parse_args(argv)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if unknown := sorted(set(models) - set(MODELS)):
        p.error(f"unknown models {unknown}; choose from {MODELS}")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

    import mlflow
    from pyspark.sql import functions as F

    from spark_signature import enforce, load_signature, score
    from spark_signature.session import get_spark

    spark = get_spark(
        "bench-scoring", master="local[2]",
        conf={"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
              "spark.sql.shuffle.partitions": "2", "spark.log.level": "ERROR"},
    )  # fmt: skip
    roots = [os.getpid(), *([pid] if (pid := common._jvm_pid(spark)) else [])]
    with tempfile.TemporaryDirectory(prefix="bench-scoring-") as tmp:
        paths, features = save_models(Path(tmp))
        df = iris_rows(spark, args.rows, features, args.partitions).cache()
        assert df.count() == args.rows
        signature = load_signature(paths[models[0]])

        def plain(name: str) -> Any:
            def run() -> None:  # the UDF is built inside the timing, as score() builds it too
                udf = mlflow.pyfunc.spark_udf(spark, paths[name], result_type="long", env_manager="local")
                common._noop(df.select("id", udf(*[F.col(f"`{c}`") for c in features]).alias("p")))

            return run

        def validated(name: str) -> Any:
            def run() -> None:
                result = score(df, paths[name], keep_columns=["id"])
                common._noop(result.scored)
                counts = result.counts
                assert (counts.valid, counts.quarantined) == (args.rows, 0), counts.as_dict()

            return run

        variants: dict[str, Any] = {"enforce_split": lambda: enforce(df, signature, mode="split").run()}
        for name in models:
            variants[f"{name}_spark_udf"] = plain(name)
            variants[f"{name}_score"] = validated(name)

        times: dict[str, list[float]] = {name: [] for name in variants}
        quiet: list[dict[str, Any]] = []
        for round_no in range(args.runs + 1):  # round 0 warms up (Python workers, model loading, JIT)
            for name, run in variants.items():
                if round_no:
                    quiet.append(common.wait_for_quiet(roots, args.max_load, args.max_foreign, args.load_wait))
                t0 = time.perf_counter()
                run()
                elapsed = time.perf_counter() - t0
                if round_no:
                    times[name].append(elapsed)
                print(f"  {'warm-up' if not round_no else f'run {round_no}'} {name}: {elapsed:.2f}s", flush=True)

        result: dict[str, Any] = {
            "benchmark": "scoring", "rows": args.rows, "runs": args.runs, "partitions": args.partitions,
            "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": common.machine(spark),
            "variants": {name: common.summarize(ts) for name, ts in times.items()},
            "quiet": quiet,
        }  # fmt: skip
        result["ratios"] = {
            f"{m}: score / spark_udf": round(
                result["variants"][f"{m}_score"]["median_s"] / result["variants"][f"{m}_spark_udf"]["median_s"], 3
            )
            for m in models
        }
    print("\n| variant | median s | min s | max s |\n|---|---|---|---|")
    for name, s in result["variants"].items():
        print(f"| {name} | {s['median_s']} | {s['min_s']} | {s['max_s']} |")
    for label, ratio in result["ratios"].items():
        print(f"{label}: {ratio}x (target <= 1.3)")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.out}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
