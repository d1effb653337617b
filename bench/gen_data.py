"""Generate the enforcement benchmark table with Spark itself: deterministic, mixed types, ~0.1% bad rows.

    .venv/bin/python bench/gen_data.py --rows 5000000 --bad-fraction 0.001 --out bench/data/enf-5000000

Writes Parquet to ``--out`` and a sidecar ``<out>.json`` with the exact number of bad rows (per kind), which
the benchmark checks its counts against. The table is a pure function of ``--rows``, ``--bad-fraction``
and ``--files``: every value is an expression of ``id`` (hashes, never ``rand()``).

Columns and the signature they are checked against (:func:`signature`):

========== ====================== ======================================= =================================
column     Spark type             signature                               bad rows (kind)
========== ====================== ======================================= =================================
c_byte     tinyint                integer (widened)
c_short    smallint               long (widened)
c_int      int                    integer                                 null in a required column (0)
c_long     bigint                 long
c_flag     bigint                 double (MLflow: long->double only 0/1)  value 2, outside {0, 1} (4)
c_float    float                  double (widened)
c_double   double                 double, optional (1% legitimate nulls)
c_str      string                 string, optional (1% legitimate nulls)
c_bool     boolean                boolean
c_ts       timestamp              datetime                                null in a required column (1)
c_date     date                   datetime (widened)
c_bin      binary                 binary
c_arr      array<double> (1..5)   Array(double)                           a null element (2)
c_struct   struct<a:bigint,       Object(a: long required,                a null required field ``a`` (3)
           b:string>              b: string optional, 2% nulls)
========== ====================== ======================================= =================================

A row is bad when ``pmod(xxhash64(id, 42), round(1/bad_fraction)) == 0`` (``--bad-fraction 0``: none);
its kind is ``pmod(xxhash64(id, 7), 5)``; each bad row has exactly one violation.

The **wide** table (:func:`generate_wide`, ``--wide-cols N``): ``N`` double columns ``d0..d{N-1}``, all
required, each null where ``pmod(xxhash64(id, i), round(1/null_fraction)) == 0`` (ML feature tables have
hundreds of columns); its sidecar holds the exact number of rows with a null and the nulls per column.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

KINDS = {
    0: ("c_int", "null_in_required"),
    1: ("c_ts", "null_in_required"),
    2: ("c_arr", "null_in_required"),
    3: ("c_struct", "null_in_required"),
    4: ("c_flag", "unsafe_cast"),
}


def signature():
    """The signature the table is checked against (a spark_signature ``Schema`` of ``ColSpec``s)."""
    from spark_signature.types import Array, ColSpec, DataType, Object, Property, Schema

    D = DataType
    return Schema(
        [
            ColSpec(D.integer, "c_byte"),
            ColSpec(D.long, "c_short"),
            ColSpec(D.integer, "c_int"),
            ColSpec(D.long, "c_long"),
            ColSpec(D.double, "c_flag"),
            ColSpec(D.double, "c_float"),
            ColSpec(D.double, "c_double", required=False),
            ColSpec(D.string, "c_str", required=False),
            ColSpec(D.boolean, "c_bool"),
            ColSpec(D.datetime, "c_ts"),
            ColSpec(D.datetime, "c_date"),
            ColSpec(D.binary, "c_bin"),
            ColSpec(Array(D.double), "c_arr"),
            ColSpec(Object([Property("a", D.long), Property("b", D.string, required=False)]), "c_struct"),
        ]
    )


def mlflow_signature():
    """The same signature as an ``mlflow.types.Schema`` (through MLflow's own JSON)."""
    from mlflow.types import Schema as MlflowSchema

    return MlflowSchema.from_json(signature().to_json())


def period(bad_fraction: float) -> int | None:
    """Every ``period``-th row (by hash) is bad; None for a clean table (``bad_fraction == 0``)."""
    if not 0 <= bad_fraction <= 1:
        raise SystemExit(f"--bad-fraction must be in [0, 1], got {bad_fraction}")
    return None if bad_fraction == 0 else max(1, round(1 / bad_fraction))


def _is_bad(p: int | None, seed: int = 42) -> str:
    return "false" if p is None else f"pmod(xxhash64(id, {seed}), {p}) = 0"


def build(spark: Any, rows: int, bad_fraction: float = 0.001, files: int = 8) -> Any:
    """The table as a lazy DataFrame over ``spark.range(rows)`` (plus the helper columns ``_bad``/``_kind``)."""
    from pyspark.sql import functions as F

    p = period(bad_fraction)
    base = spark.range(0, rows, 1, files).select(
        F.col("id"),
        F.expr(_is_bad(p)).alias("_bad"),
        F.expr("cast(pmod(xxhash64(id, 7), 5) as int)").alias("_kind"),
    )

    def bad(kind: int) -> str:
        return f"(_bad AND _kind = {kind})"

    return base.selectExpr(
        "_bad",
        "_kind",
        "cast(pmod(id, 256) - 128 as tinyint) AS c_byte",
        "cast(pmod(id, 65536) - 32768 as smallint) AS c_short",
        f"CASE WHEN {bad(0)} THEN NULL ELSE cast(pmod(id * 7919, 2147483647) as int) END AS c_int",
        "id * 1000003 AS c_long",
        f"CASE WHEN {bad(4)} THEN 2L ELSE pmod(id, 2) END AS c_flag",
        "cast(pmod(id, 10007) / 7.0 as float) AS c_float",
        "CASE WHEN pmod(id, 100) = 13 THEN NULL ELSE id / 3.0D END AS c_double",
        "CASE WHEN pmod(id, 100) = 17 THEN NULL ELSE concat('user-', cast(pmod(id * 31, 1000003) as string)) "
        "END AS c_str",
        "pmod(id, 3) = 0 AS c_bool",
        f"CASE WHEN {bad(1)} THEN NULL ELSE timestamp_seconds(1600000000L + id) END AS c_ts",
        "date_add(DATE'2020-01-01', cast(pmod(id, 3650) as int)) AS c_date",
        "cast(hex(id * 2654435761) as binary) AS c_bin",
        f"transform(sequence(0, cast(pmod(id, 5) as int)), i -> CASE WHEN {bad(2)} AND i = 0 THEN CAST(NULL AS "
        "DOUBLE) ELSE (id + i) / 2.0D END) AS c_arr",
        f"named_struct('a', CASE WHEN {bad(3)} THEN CAST(NULL AS BIGINT) ELSE id END, "
        "'b', CASE WHEN pmod(id, 50) = 7 THEN NULL ELSE concat('k', cast(pmod(id, 97) as string)) END) AS c_struct",
    )


def expected(spark: Any, rows: int, bad_fraction: float) -> dict[str, Any]:
    """Exact bad-row counts (per kind), computed by Spark on ``spark.range`` alone (no data written)."""
    p = period(bad_fraction)
    r = spark.range(0, rows).selectExpr(
        f"{_is_bad(p)} AS bad", "cast(pmod(xxhash64(id, 7), 5) as int) AS kind"
    ).where("bad").groupBy("kind").count().collect()
    per_kind = {int(x["kind"]): int(x["count"]) for x in r}
    return {
        "rows": rows,
        "bad_fraction": bad_fraction,
        "bad_rows": sum(per_kind.values()),
        "bad_by_kind": {f"{KINDS[k][0]}/{KINDS[k][1]}": per_kind.get(k, 0) for k in sorted(KINDS)},
    }


def files_for(rows: int) -> int:
    """~625,000 rows (~40 MB) per Parquet file, an even number of files (balanced tasks on 2 cores)."""
    n = max(2, round(rows / 625_000))
    return n + (n % 2)


def meta_path(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.name + ".json")


def read_meta(out: str | Path) -> dict[str, Any]:
    return json.loads(meta_path(out).read_text())


def generate(spark: Any, rows: int, bad_fraction: float, out: str | Path, files: int | None = None) -> dict[str, Any]:
    t0 = time.perf_counter()
    files = files or files_for(rows)
    df = build(spark, rows, bad_fraction, files).drop("_bad", "_kind")
    df.write.mode("overwrite").parquet(str(out))
    meta = expected(spark, rows, bad_fraction)
    meta.update(files=files, seconds=round(time.perf_counter() - t0, 1),
                bytes=sum(f.stat().st_size for f in Path(out).glob("*.parquet")),
                columns=[f"{f.name}: {f.dataType.simpleString()}" for f in df.schema.fields])
    meta_path(out).write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def wide_signature(cols: int):
    """The wide table's signature: ``cols`` required double columns."""
    from spark_signature.types import ColSpec, DataType, Schema

    return Schema([ColSpec(DataType.double, f"d{i}") for i in range(cols)])


def build_wide(spark: Any, rows: int, cols: int, null_fraction: float, files: int) -> Any:
    p = period(null_fraction)
    return spark.range(0, rows, 1, files).selectExpr(
        *(f"CASE WHEN {_is_bad(p, 1000 + i)} THEN NULL ELSE (id + {i}) / 7.0D END AS d{i}" for i in range(cols)))


def generate_wide(spark: Any, rows: int, cols: int, null_fraction: float, out: str | Path,
                  files: int | None = None) -> dict[str, Any]:
    """Write the wide table and its sidecar: rows with a null (the bad rows) and nulls per column, exact."""
    from pyspark.sql import functions as F

    t0 = time.perf_counter()
    files = files or files_for(rows)
    df = build_wide(spark, rows, cols, null_fraction, files)
    df.write.mode("overwrite").parquet(str(out))
    any_null = " OR ".join(f"d{i} IS NULL" for i in range(cols))
    row = spark.read.parquet(str(out)).agg(
        F.count(F.lit(1)).alias("rows"), F.expr(f"count_if({any_null})").alias("bad_rows"),
        *(F.expr(f"count_if(d{i} IS NULL)").alias(f"d{i}") for i in range(cols))).collect()[0].asDict()
    meta = {"rows": row.pop("rows"), "bad_fraction": None, "null_fraction": null_fraction, "cols": cols,
            "bad_rows": row.pop("bad_rows"),
            "bad_by_kind": {f"{c}/null_in_required": n for c, n in row.items()},
            "files": files, "seconds": round(time.perf_counter() - t0, 1),
            "bytes": sum(f.stat().st_size for f in Path(out).glob("*.parquet"))}
    meta_path(out).write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--bad-fraction", type=float, default=0.001)
    parser.add_argument("--out", help="Parquet directory (default bench/data/enf-<rows>)")
    parser.add_argument("--files", type=int, help="Parquet files (default: ~625,000 rows each, even)")
    args = parser.parse_args(argv)
    out = args.out or str(Path(__file__).resolve().parent / "data" / f"enf-{args.rows}")

    from spark_signature.session import get_spark

    spark = get_spark("bench-gen", master="local[2]",
                      conf={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "2"})
    try:
        meta = generate(spark, args.rows, args.bad_fraction, out, args.files or files_for(args.rows))
    finally:
        spark.stop()
    print(json.dumps(meta, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
