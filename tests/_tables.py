"""Test tables for the pipeline and job tests: the seed's iris data as Delta, with planted bad rows.

Rows carry an ``id`` so every row can be followed from the input to exactly one output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
IRIS_DDL = "id long, " + ", ".join(f"`{f}` double" for f in IRIS_FEATURES) + ", species string"


def iris_rows(n: int | None = None, start: int = 0) -> list[tuple]:
    """sklearn's iris rows (cycled if ``n`` > 150) as (id, 4 features, species)."""
    from sklearn.datasets import load_iris

    data = load_iris()
    names = list(data.target_names)
    count = len(data.data) if n is None else n
    return [(start + i, *(float(x) for x in data.data[i % len(data.data)]), str(names[data.target[i % len(data.data)]]))
            for i in range(count)]


def corrupt(rows: list[tuple], bad: dict[int, dict[int, Any]]) -> list[tuple]:
    """``bad`` maps a row's index to {field position: value} (positions in IRIS_DDL: 1..4 are the features)."""
    out = []
    for i, row in enumerate(rows):
        values = list(row)
        for position, value in bad.get(i, {}).items():
            values[position] = value
        out.append(tuple(values))
    return out


def write_delta(spark: Any, rows: list[tuple], path: str | Path, ddl: str = IRIS_DDL, files: int = 2,
                mode: str = "overwrite") -> int:
    """Write ``rows`` as a Delta table in ``files`` files (column mapping on: iris names need it); returns the
    version written."""
    from delta.tables import DeltaTable

    df = spark.createDataFrame(rows, ddl)
    # by range of id: ``files`` files of consecutive ids (round-robin would leave some partitions empty)
    df = df.repartitionByRange(files, "id") if rows else df.coalesce(1)
    (df.write.format("delta").mode(mode).option("delta.columnMapping.mode", "name")
     .option("delta.enableDeletionVectors", "false").save(str(path)))
    return int(DeltaTable.forPath(spark, str(path)).history(1).collect()[0]["version"])


def iris_signature_document(required: bool = True) -> dict:
    return {"inputs": [{"type": "double", "name": f, "required": required} for f in IRIS_FEATURES],
            "outputs": [{"type": "long", "required": True}]}


def write_signature(path: Path, document: dict | None = None) -> Path:
    path.write_text(json.dumps(document or iris_signature_document()))
    return path


def read_delta(spark: Any, path: str | Path) -> Any:
    return spark.read.format("delta").load(str(path))


def commits(path: str | Path) -> list[int]:
    """The committed versions of a Delta table, from its log files (no Spark)."""
    log = Path(path) / "_delta_log"
    if not log.is_dir():
        return []
    return sorted(int(p.stem) for p in log.glob("*.json") if p.stem.isdigit())


def data_files(path: str | Path) -> list[Path]:
    return sorted(Path(path).glob("**/*.parquet"))
