"""The demo job end to end, launched the way `make demo` launches it (scripts/spark-submit)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_runs_under_spark_submit(tmp_path: Path) -> None:
    table = tmp_path / "iris"
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
    assert "demo OK" in stdout
    assert (table / "_delta_log").is_dir()
