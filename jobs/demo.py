"""Demo job: the iris signature, its Spark schema, and a Delta table written and read back with it.

Run with ``make demo`` (``scripts/spark-submit jobs/demo.py [PATH]``). It is the smallest end-to-end
proof that the environment works: the signature API, the Spark type mapping, Delta (with column
mapping, because MLflow column names such as ``sepal length (cm)`` contain spaces and parentheses,
which Delta refuses otherwise) and spark-submit with the cached jars. Exit 0 on success, 1 if the table
read back does not match what the signature says.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from spark_signature import ColSpec, DataType, ModelSignature, Schema
from spark_signature.session import get_spark
from spark_signature.spark_types import to_spark_schema

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]

# Two flowers of each species, from the iris data set (features only, in IRIS_FEATURES order).
IRIS_ROWS = [
    (5.1, 3.5, 1.4, 0.2),
    (4.9, 3.0, 1.4, 0.2),
    (7.0, 3.2, 4.7, 1.4),
    (6.4, 3.2, 4.5, 1.5),
    (6.3, 3.3, 6.0, 2.5),
    (5.8, 2.7, 5.1, 1.9),
]


def iris_signature() -> ModelSignature:
    """What ``infer_signature`` gives for sklearn's iris frame and a classifier's integer predictions."""
    inputs = Schema([ColSpec(DataType.double, name) for name in IRIS_FEATURES])
    outputs = Schema([ColSpec(DataType.long)])
    return ModelSignature(inputs=inputs, outputs=outputs)


def write_table(spark: SparkSession, path: str, struct: StructType, rows: Sequence[tuple]) -> None:
    """Create (or re-create) the Delta table at ``path`` with exactly ``struct`` and ``rows``.

    The table is created from the StructType itself, so `required` becomes NOT NULL in Delta (a plain
    DataFrame write would make every column nullable). The rows are then written in overwrite mode,
    which keeps that schema: replacing a path-based table does not drop the rows of an earlier run. A
    different table already at ``path`` is refused by Delta (schema mismatch), never destroyed.
    """
    from delta.tables import DeltaTable

    (
        DeltaTable.createOrReplace(spark)
        .location(path)
        .addColumns(struct)
        .property("delta.columnMapping.mode", "name")
        .execute()
    )
    spark.createDataFrame(list(rows), struct).write.format("delta").mode("overwrite").save(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="out/demo/iris", help="Delta table location")
    args = parser.parse_args(argv)
    # Delta's table builder takes a relative location for a table name; an absolute path is a path.
    path = os.path.abspath(args.path)

    signature = iris_signature()
    input_struct = to_spark_schema(signature.inputs)
    output_struct = to_spark_schema(signature.outputs)
    print("signature:")
    print(json.dumps({k: json.loads(v) if v else None for k, v in signature.to_dict().items()}, indent=2))
    print(f"input StructType: {input_struct!r}")
    print(f"output StructType: {output_struct!r}")

    spark = get_spark(app_name="spark_signature-demo")
    write_table(spark, path, input_struct, IRIS_ROWS)

    back = spark.read.format("delta").load(path)
    rows = back.count()
    print(f"Delta table: {path}")
    print(f"read back StructType: {back.schema!r}")
    print(f"rows: {rows}")
    if back.schema != input_struct or rows != len(IRIS_ROWS):
        print("error: the table read back does not match the signature's schema", file=sys.stderr)
        return 1
    if not enforce_incoming(spark, signature, path):
        return 1
    print("demo OK")
    return 0


# A new batch to score: the iris rows plus two bad ones (a missing feature, a missing petal width).
INCOMING_BAD_ROWS = [(None, 3.0, 1.4, 0.2), (6.1, 2.8, 4.7, None)]


def enforce_incoming(spark: SparkSession, signature: ModelSignature, path: str) -> bool:
    """Check every row of a new batch against the signature; write valid and quarantined rows to Delta.

    The result is persisted, so both writes share one enforcement; the counts come from those writes and are
    checked against the Delta tables read back: valid + quarantined = the rows of the batch, each counted on its own.
    """
    from pyspark.sql import functions as F

    from spark_signature import enforce

    rows = [(i, *r) for i, r in enumerate([*IRIS_ROWS, *INCOMING_BAD_ROWS])]
    bad_ids = set(range(len(IRIS_ROWS), len(rows)))
    ddl = "row_id int, " + ", ".join(f"`{n}` double" for n in IRIS_FEATURES)
    incoming = spark.createDataFrame(rows, ddl).repartition(2)
    result = enforce(incoming, signature, mode="split", keep_columns=["row_id"]).persist()
    base = os.path.dirname(path)
    tables = {name: os.path.join(base, f"iris_{name}") for name in ("valid", "quarantine")}
    try:
        for name, frame in (("valid", result.valid), ("quarantine", result.quarantine)):
            frame.write.format("delta").mode("overwrite").option("delta.columnMapping.mode", "name").save(
                tables[name]
            )
        counts = result.counts
        print(f"enforcement: {json.dumps(counts.as_dict())}")
        for row in result.quarantine.select("row_id", F.col("_violations")).orderBy("row_id").collect():
            reasons = "; ".join(f"{v['path']}: {v['rule']} (expected {v['expected']})" for v in row["_violations"])
            print(f"quarantined row {row['row_id']}: {reasons}")
    finally:
        result.unpersist()
    valid_back = spark.read.format("delta").load(tables["valid"])
    quarantine_back = spark.read.format("delta").load(tables["quarantine"])
    written = {"valid": valid_back.count(), "quarantine": quarantine_back.count()}
    quarantined_ids = {r["row_id"] for r in quarantine_back.select("row_id").collect()}
    print(f"Delta tables read back: {written['valid']} valid + {written['quarantine']} quarantined rows "
          f"of {len(rows)}")
    ok = (
        written["valid"] == counts.valid
        and written["quarantine"] == counts.quarantined
        and written["valid"] + written["quarantine"] == len(rows)
        and quarantined_ids == bad_ids
    )
    if not ok:
        print(f"error: the Delta tables ({written}, quarantined ids {sorted(quarantined_ids)}) do not match the "
              f"counts {counts.as_dict()} and the {len(rows)} input rows", file=sys.stderr)
    return ok


if __name__ == "__main__":
    sys.exit(main())
