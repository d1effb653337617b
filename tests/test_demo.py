"""The demo job end to end, launched the way `make demo` launches it (scripts/spark-submit)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from spark_signature.spark_types import to_spark_schema

REPO = Path(__file__).resolve().parents[1]


def _load_demo() -> ModuleType:
    """jobs/ is not a package (jobs are spark-submit entry points), so load the file by path."""
    spec = importlib.util.spec_from_file_location("spark_signature_demo_job", REPO / "jobs" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.delta  # the demo writes Delta tables
def test_demo_runs_under_spark_submit(spark, tmp_path: Path) -> None:
    table = tmp_path / "iris"
    # An earlier run left a table with other rows at the same path: the demo must replace, not append.
    demo = _load_demo()
    struct = to_spark_schema(demo.iris_signature().inputs)
    demo.write_table(spark, str(table), struct, demo.IRIS_ROWS[:2])
    assert spark.read.format("delta").load(str(table)).count() == 2
    env = {**os.environ, "VENV": sys.prefix}  # the venv running the tests, wherever it lives
    env.pop("PYSPARK_GATEWAY_PORT", None)
    out = subprocess.run(
        [str(REPO / "scripts" / "spark-submit"), str(REPO / "jobs" / "demo.py"), str(table)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, f"stdout:\n{out.stdout}\nstderr:\n{out.stderr[-5000:]}"

    stdout = out.stdout
    signature = json.loads(stdout[stdout.index("{") : stdout.index("\ninput StructType")])
    assert [c["name"] for c in signature["inputs"]] == [
        "sepal length (cm)",
        "sepal width (cm)",
        "petal length (cm)",
        "petal width (cm)",
    ]
    assert {c["type"] for c in signature["inputs"]} == {"double"}
    assert signature["outputs"] == [{"type": "long", "required": True}]
    assert "StructField('sepal length (cm)', DoubleType(), False)" in stdout
    assert "rows: 6" in stdout
    counts = json.loads(stdout[stdout.index("enforcement: ") + len("enforcement: "):].splitlines()[0])
    assert (counts["rows"], counts["valid"], counts["quarantined"]) == (8, 6, 2)
    assert "quarantined row 6: sepal length (cm): null_in_required" in stdout
    assert "quarantined row 7: petal width (cm): null_in_required" in stdout
    assert "demo OK" in stdout
    assert (table / "_delta_log").is_dir()
    # the demo's Delta outputs, read back here independently of the demo's own check
    valid = spark.read.format("delta").load(str(tmp_path / "iris_valid"))
    quarantine = spark.read.format("delta").load(str(tmp_path / "iris_quarantine"))
    assert valid.columns == ["row_id", *demo.IRIS_FEATURES]
    assert sorted(r["row_id"] for r in valid.collect()) == list(range(6))
    assert sorted(r["row_id"] for r in quarantine.collect()) == [6, 7]
    assert "Delta tables read back: 6 valid + 2 quarantined rows of 8" in stdout
