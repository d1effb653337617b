"""The jobs through spark-submit on a real multi-process cluster (tests/_cluster.py): every exit code,
the wheel on the executors, faults (a Python worker that dies, a driver killed before its Delta commit, a
stream killed between two commits and restarted), and every count checked against the tables written.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from _cluster import FAULTS_DIR, kill_group
from _tables import (
    IRIS_FEATURES,
    commits,
    corrupt,
    data_files,
    iris_rows,
    read_delta,
    write_delta,
    write_signature,
)
from chispa import assert_df_equality

pytestmark = [pytest.mark.slow, pytest.mark.submit]

BAD = {3: {1: None}, 40: {3: None, 4: None}, 77: {2: None}, 149: {4: None}}  # row index -> nulled features


def _report(path: Path) -> dict:
    return json.loads(path.read_text())


def _one_line_error(out) -> str:
    """The job's one error line and no Python traceback. spark-submit merges the Python driver's stderr into
    its stdout (PythonRunner redirects it); the JVM's own log goes to stderr."""
    lines = [line for line in out.stdout.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, out.explain()
    assert "Traceback" not in out.stdout and "Traceback" not in out.stderr, out.explain()
    return lines[0]


def _expected_split(spark, rows, bad_ids, run_id, version):
    """What the valid and quarantine tables must hold, built independently of the library."""
    from pyspark.sql import functions as F

    from spark_signature.violations import VIOLATION_FIELDS

    df = spark.createDataFrame(rows, "id long, " + ", ".join(f"`{f}` double" for f in IRIS_FEATURES)
                               + ", species string")
    valid = df.where(~F.col("id").isin(sorted(bad_ids))).select("id", "species", *[F.col(f"`{f}`") for f in
                                                                                   IRIS_FEATURES])
    reasons = []
    for row in rows:
        if row[0] in bad_ids:
            reasons.append((row[0], [(f, f, "null_in_required", "double (required)", "null", None)
                                     for f, v in zip(IRIS_FEATURES, row[1:5], strict=True) if v is None]))
    violation = "struct<" + ",".join(f"{f}:string" for f in VIOLATION_FIELDS) + ">"
    tags = spark.createDataFrame(reasons, f"id long, _violations array<{violation}>")
    quarantine = (df.join(tags, "id").withColumn("_run_id", F.lit(run_id))
                  .withColumn("_input_version", F.lit(version).cast("long")))
    return valid, quarantine


def test_split_survives_a_python_worker_that_dies_exit_2(spark, cluster, tmp_path):
    rows = corrupt(iris_rows(), BAD)
    bad_ids = {rows[i][0] for i in BAD}
    write_delta(spark, rows[:100], tmp_path / "iris", files=3)
    version = write_delta(spark, rows[100:], tmp_path / "iris", files=2, mode="append")
    signature = write_signature(tmp_path / "signature.json")
    faults = tmp_path / "faults"
    faults.mkdir()
    report = tmp_path / "report.json"
    out = cluster.submit(
        "validate_table.py", "--input", str(tmp_path / "iris"), "--signature", str(signature),
        "--valid-output", str(tmp_path / "valid"), "--quarantine-output", str(tmp_path / "quarantine"),
        "--report", str(report),
        conf={"spark.python.worker.module": "pyspark_fault_worker",
              "spark.executorEnv.PYTHONPATH": str(FAULTS_DIR),
              "spark.executorEnv.SPARK_SIGNATURE_FAULT": "crash_first_attempt",
              "spark.executorEnv.SPARK_SIGNATURE_FAULT_DIR": str(faults)},
    )  # fmt: skip
    assert out.returncode == 2, out.explain()
    assert list(faults.glob("crashed-*")), "the planned worker crash did not happen"
    assert "Python worker exited unexpectedly" in out.stderr
    _one_line_error(out)
    r = _report(report)
    assert (r["status"], r["exit_code"]) == ("violations", 2)
    assert r["counts"]["rows"] == 150 and r["counts"]["valid"] == 146 and r["counts"]["quarantined"] == 4
    assert {(v["column"], v["count"]) for v in r["counts"]["violations"]} == {
        ("sepal length (cm)", 1), ("sepal width (cm)", 1), ("petal length (cm)", 1), ("petal width (cm)", 2)}
    assert r["input"]["delta_version"] == version
    assert r["outputs"]["valid"]["rows"] == 146 and r["outputs"]["quarantine"]["rows"] == 4
    assert r["spark"]["master"] == cluster.master_url and r["spark"]["application_id"].startswith("app-")
    valid, quarantine = _expected_split(spark, rows, bad_ids, r["run_id"], version)
    assert_df_equality(read_delta(spark, tmp_path / "valid"), valid, ignore_row_order=True, ignore_nullable=True)
    assert_df_equality(read_delta(spark, tmp_path / "quarantine"), quarantine, ignore_row_order=True,
                       ignore_nullable=True)


def test_schema_mismatch_exit_1_before_any_data_is_read(spark, cluster, tmp_path):
    rows = [(i, str(5.0 + i), 3.0, 1.4, 0.2, "setosa") for i in range(10)]  # sepal length as a string
    ddl = "id long, `sepal length (cm)` string, " + ", ".join(f"`{f}` double" for f in IRIS_FEATURES[1:]) \
        + ", species string"
    write_delta(spark, rows, tmp_path / "iris", ddl=ddl)
    report = tmp_path / "report.json"
    out = cluster.submit(
        "validate_table.py", "--input", str(tmp_path / "iris"), "--signature", str(write_signature(
            tmp_path / "signature.json")), "--valid-output", str(tmp_path / "valid"),
        "--quarantine-output", str(tmp_path / "quarantine"), "--report", str(report),
    )  # fmt: skip
    assert out.returncode == 1, out.explain()
    line = _one_line_error(out)
    assert "sepal length (cm)" in line and "string" in line and "double" in line
    r = _report(report)
    assert (r["status"], r["counts"], r["error"]["rule"]) == ("schema_mismatch", None, "unsafe_cast")
    assert [e["status"] for e in r["schema"]][:4] == ["refused", "ok", "ok", "ok"]
    assert not (tmp_path / "valid").exists() and not (tmp_path / "quarantine").exists()


def test_missing_input_exit_3_nothing_written(cluster, tmp_path):
    out = cluster.submit(
        "validate_table.py", "--input", str(tmp_path / "nope"), "--signature", str(write_signature(
            tmp_path / "signature.json")), "--valid-output", str(tmp_path / "valid"),
        "--quarantine-output", str(tmp_path / "quarantine"), "--report", str(tmp_path / "report.json"),
    )  # fmt: skip
    assert out.returncode == 3, out.explain()
    assert "does not exist" in _one_line_error(out)
    assert _report(tmp_path / "report.json")["error"]["error"] == "PipelineError"
    assert not (tmp_path / "valid").exists() and not (tmp_path / "quarantine").exists()


def test_help_through_spark_submit_shows_every_option_and_the_exit_codes(cluster):
    out = cluster.submit("validate_table.py", "--help")
    assert out.returncode == 0, out.explain()
    for option in ("--input", "--input-format", "--version", "--timestamp", "--signature", "--mode", "--valid-output",
                   "--quarantine-output", "--max-bad-rows", "--max-bad-fraction", "--report", "--run-id", "--stream",
                   "--checkpoint", "--available-now"):
        assert option in out.stdout
    assert "example:" in out.stdout and "exit codes:" in out.stdout and "  3  a runtime" in out.stdout


def test_driver_killed_before_its_delta_commit_then_the_rerun_writes_each_row_once(spark, cluster, tmp_path):
    rows = corrupt(iris_rows(), BAD)
    write_delta(spark, rows, tmp_path / "iris", files=24)
    signature = write_signature(tmp_path / "signature.json")
    valid, quarantine = tmp_path / "valid", tmp_path / "quarantine"
    args = ["--input", str(tmp_path / "iris"), "--signature", str(signature), "--valid-output", str(valid),
            "--quarantine-output", str(quarantine), "--max-bad-rows", "10", "--report", str(tmp_path / "r.json")]
    conf = {"spark.sql.files.openCostInBytes": "1g"}  # one file per partition: a write of 24 tasks
    proc = cluster.popen("validate_table.py", *args, conf=conf)
    killed = False
    deadline = time.monotonic() + 600
    # the quarantine table is written first; kill the driver while the valid table's files are being written
    while proc.poll() is None and time.monotonic() < deadline:
        if commits(quarantine) and data_files(valid) and not commits(valid):
            kill_group(proc)
            killed = True
            break
        time.sleep(0.005)
    proc.communicate(timeout=120)
    assert killed, f"the job ended (exit {proc.returncode}) before the valid table's write could be interrupted"
    assert commits(valid) == [] and data_files(valid), "killed before the valid commit, with files written"
    assert commits(quarantine) == [0]

    out = cluster.submit("validate_table.py", *args, conf=conf)
    assert out.returncode == 0, out.explain()
    r = _report(tmp_path / "r.json")
    assert (r["status"], r["counts"]["valid"], r["counts"]["quarantined"]) == ("ok", 146, 4)
    assert r["outputs"]["quarantine"]["already_written"] is True
    assert r["outputs"]["valid"]["already_written"] is False
    back = read_delta(spark, valid).union(read_delta(spark, quarantine).select(*read_delta(spark, valid).columns))
    ids = [row["id"] for row in back.select("id").collect()]
    assert sorted(ids) == list(range(150)), "every row exactly once across the two tables"
    assert commits(valid) == [0] and commits(quarantine) == [0]
    assert len(data_files(valid)) > len(read_delta(spark, valid).inputFiles()), "the killed write's files stay, " \
        "unreferenced"


def test_stream_killed_between_two_commits_restarts_without_duplicates_or_gaps(spark, cluster, tmp_path):
    source, valid, quarantine = tmp_path / "events", tmp_path / "valid", tmp_path / "quarantine"
    rows = corrupt(iris_rows(120), {5: {1: None}, 37: {2: None}, 70: {3: None}, 101: {4: None}})
    for part in range(4):  # four commits of 30 rows, one file each: one micro-batch each
        write_delta(spark, rows[part * 30:(part + 1) * 30], source, files=1, mode="append")
    args = ["--input", str(source), "--signature", str(write_signature(tmp_path / "signature.json")), "--stream",
            "--checkpoint", str(tmp_path / "checkpoint"), "--available-now", "--max-files-per-trigger", "1",
            "--valid-output", str(valid), "--quarantine-output", str(quarantine), "--max-bad-fraction", "0.5",
            "--report", str(tmp_path / "r.json")]
    proc = cluster.popen("validate_table.py", *args)
    killed = False
    deadline = time.monotonic() + 600
    # micro-batch 1 commits its quarantine rows (version 1) before its valid rows: kill in between
    while proc.poll() is None and time.monotonic() < deadline:
        if 1 in commits(quarantine) and commits(valid) == [0]:
            kill_group(proc)
            killed = True
            break
        time.sleep(0.005)
    proc.communicate(timeout=120)
    assert killed, f"the stream ended (exit {proc.returncode}) before it could be killed between two commits"
    assert commits(valid) == [0] and commits(quarantine) == [0, 1]

    more = corrupt(iris_rows(30, start=120), {0: {1: None}})
    new_version = write_delta(spark, more, source, files=1, mode="append")  # arrives while the stream is down
    out = cluster.submit("validate_table.py", *args)
    assert out.returncode == 0, out.explain()
    r = _report(tmp_path / "r.json")
    assert r["stream"]["batches"] == 4 and r["stream"]["last_batch_id"] == 4  # batch 1 rerun, then 2, 3, 4
    assert (r["counts"]["rows"], r["counts"]["quarantined"]) == (120, 4)  # this run: batches 1-4
    v, q = read_delta(spark, valid), read_delta(spark, quarantine)
    ids = sorted(row["id"] for row in v.select("id").union(q.select("id")).collect())
    assert ids == list(range(150)), "no duplicates, no gaps"
    assert sorted(row["id"] for row in q.select("id").collect()) == [5, 37, 70, 101, 120]
    assert commits(valid) == [0, 1, 2, 3, 4] and commits(quarantine) == [0, 1, 2, 3, 4]
    versions = {row["id"]: row["_input_version"] for row in q.collect()}
    assert versions[120] == new_version and versions[5] == new_version - 1  # the snapshot, then the new commit


def test_infer_signature_sees_a_null_only_in_the_last_partition(spark, cluster, tmp_path):
    rows = iris_rows(100)
    rows[-1] = (*rows[-1][:4], None, rows[-1][5])  # petal width null in the last row only
    write_delta(spark, rows, tmp_path / "train", files=20)  # 20 tasks, on both executors; the null in the last
    out = cluster.submit(
        "infer_signature.py", "--input", str(tmp_path / "train"), "--columns", ",".join(IRIS_FEATURES),
        "--output", str(tmp_path / "signature.json"), "--profile", str(tmp_path / "profile.json"),
        conf={"spark.sql.files.openCostInBytes": "1g"},
    )  # fmt: skip
    assert out.returncode == 0, out.explain()
    inputs = json.loads((tmp_path / "signature.json").read_text())["inputs"]
    assert [(c["name"], c["required"]) for c in inputs] == [(f, f != "petal width (cm)") for f in IRIS_FEATURES]
    profile = json.loads((tmp_path / "profile.json").read_text())
    assert profile["rows"] == 100 and profile["null_counts"]["petal width (cm)"] == 1
    assert "optional: ['petal width (cm)']" in out.stdout


def test_score_table_scores_the_valid_rows_on_the_executors(spark, cluster, iris_model, mlflow_store, tmp_path):
    import numpy as np
    import pandas as pd

    rows = corrupt(iris_rows(), {10: {2: None}})
    write_delta(spark, rows, tmp_path / "iris", files=3)
    out = cluster.submit(
        "score_table.py", "--input", str(tmp_path / "iris"), "--model", "models:/iris@champion",
        "--predictions-output", str(tmp_path / "scored"), "--quarantine-output", str(tmp_path / "quarantine"),
        "--max-bad-rows", "1", "--report", str(tmp_path / "r.json"),
        env={"MLFLOW_TRACKING_URI": mlflow_store.get_tracking_uri()},
    )  # fmt: skip
    assert out.returncode == 0, out.explain()
    r = _report(tmp_path / "r.json")
    assert (r["counts"]["valid"], r["counts"]["quarantined"]) == (149, 1)
    assert r["outputs"]["predictions"]["rows"] == 149 and r["outputs"]["quarantine"]["rows"] == 1
    scored = read_delta(spark, tmp_path / "scored").toPandas().sort_values("id")
    features = pd.DataFrame(scored[IRIS_FEATURES].to_numpy(), columns=iris_model.X.columns)
    expected = iris_model.clf.predict(features)
    prediction = [c for c in scored.columns if c not in ("id", "species", *IRIS_FEATURES)]
    assert len(prediction) == 1 and np.array_equal(scored[prediction[0]].to_numpy(), expected)
    assert read_delta(spark, tmp_path / "quarantine").select("id").collect()[0]["id"] == 10
