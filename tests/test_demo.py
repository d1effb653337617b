"""The demo end to end, launched the way `make demo` launches it (scripts/demo, every job through
scripts/spark-submit), and its outputs read back here, independently of the demo's own output."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from _jvm import short_lived_jvm_env

REPO = Path(__file__).resolve().parents[1]


def _load_demo() -> ModuleType:
    """jobs/ is not a package (jobs are spark-submit entry points), so load the file by path."""
    spec = importlib.util.spec_from_file_location("spark_signature_demo_job", REPO / "jobs" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.submit
@pytest.mark.delta  # the demo writes Delta tables
def test_demo_runs_the_pipeline_under_spark_submit(spark, tmp_path: Path) -> None:
    demo = _load_demo()
    out_dir = tmp_path / "demo"
    env = short_lived_jvm_env({**os.environ, "VENV": sys.prefix})  # the venv running the tests, wherever it lives
    env.pop("PYSPARK_GATEWAY_PORT", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    run = subprocess.run([str(REPO / "scripts" / "demo"), str(out_dir)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr[-5000:]}"
    stdout = run.stdout
    for step in ("1/4 demo data and model", "2/4 infer the signature", "3/4 validate the new batch",
                 "4/4 score it with the model", "demo OK"):
        assert step in stdout

    # 2: the inferred signature: the four features, required (the training table has no nulls)
    signature = json.loads((out_dir / "signature.json").read_text())
    assert [(c["name"], c["type"], c["required"]) for c in signature["inputs"]] == [
        (f, "double", True) for f in demo.IRIS_FEATURES]

    # 3: validate_table: exit 2 (bad rows, no threshold), both tables written, the report printed
    report = json.loads((out_dir / "validate-report.json").read_text())
    bad = sorted(demo.CORRUPTED)
    assert (report["status"], report["exit_code"]) == ("violations", 2)
    assert (report["counts"]["rows"], report["counts"]["valid"], report["counts"]["quarantined"]) == (150, 144, 6)
    assert f"status violations (exit 2): {report['message']}" in stdout
    assert "counts " + json.dumps(report["counts"]) in stdout
    valid = spark.read.format("delta").load(str(out_dir / "iris_valid"))
    quarantine = spark.read.format("delta").load(str(out_dir / "iris_quarantine"))
    assert valid.columns == ["flower_id", "species", *demo.IRIS_FEATURES]
    assert sorted(r["flower_id"] for r in quarantine.collect()) == bad
    assert valid.count() == 144 and set(r["flower_id"] for r in valid.collect()).isdisjoint(bad)
    reasons = {r["flower_id"]: sorted(v["column"] for v in r["_violations"]) for r in quarantine.collect()}
    assert reasons == {k: sorted(v) for k, v in demo.CORRUPTED.items()}

    # 4: score_table: exit 0 within 5%, the valid rows scored by the registered model
    scored_report = json.loads((out_dir / "score-report.json").read_text())
    assert (scored_report["exit_code"], scored_report["outputs"]["predictions"]["rows"]) == (0, 144)
    assert scored_report["signature"]["source"] == "models:/iris_demo@champion"
    scored = spark.read.format("delta").load(str(out_dir / "iris_scored"))
    assert scored.columns == ["flower_id", "species", *demo.IRIS_FEATURES, "prediction"]
    agree = scored.where("prediction = CASE species WHEN 'setosa' THEN 0 WHEN 'versicolor' THEN 1 ELSE 2 END")
    assert agree.count() >= 140  # the seed's forest on re-measured flowers: nearly all right
