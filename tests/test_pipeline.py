"""The pre-scoring step in the test session: the library (spark_signature.pipeline) and the jobs' main()
in-process (under an active session, get_spark hands them the test session), Delta tables on disk.

The same jobs run through spark-submit on a multi-process cluster in tests/test_jobs_cluster.py; here
are the many inputs that need no cluster: bad input, edge data, time travel, thresholds, reruns.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from _tables import (
    IRIS_DDL,
    IRIS_FEATURES,
    commits,
    corrupt,
    data_files,
    iris_rows,
    iris_signature_document,
    read_delta,
    write_delta,
    write_signature,
)
from chispa import assert_df_equality

from spark_signature.errors import ConfigError
from spark_signature.pipeline import StepOptions, derive_run_id, judge, validate_table
from spark_signature.violations import Counts

REPO = Path(__file__).resolve().parents[1]
BAD = {3: {1: None}, 40: {3: None, 4: None}, 77: {2: None}}

pytestmark = pytest.mark.delta  # every step reads or writes Delta tables
# `exhaustive` below: job semantics that do not depend on the Spark line (run ids, partition layouts, reports,
# thresholds); the matrix pairs run the unmarked ones, which cover every Delta behaviour the jobs rely on.

def load_job(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"spark_signature_job_{name}", REPO / "jobs" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def iris(spark, tmp_path):
    """A 150-row iris Delta table (two commits) with three bad rows, and its signature file."""
    rows = corrupt(iris_rows(), BAD)
    write_delta(spark, rows[:75], tmp_path / "iris", files=2)
    write_delta(spark, rows[75:], tmp_path / "iris", files=2, mode="append")
    return rows, tmp_path / "iris", write_signature(tmp_path / "signature.json")


def _options(tmp_path, table, signature, **kw) -> StepOptions:
    return StepOptions(input=str(table), signature=str(signature), valid_output=str(tmp_path / "valid"),
                       quarantine_output=str(tmp_path / "quarantine"), **kw)


def _run_job(capsys, job: str, *args: str) -> tuple[int, str, str]:
    code = load_job(job).main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _assert_one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


# ---- pure decisions ------------------------------------------------------------------------------------


def test_judge_thresholds():
    counts = Counts(100, 97, 3, {("a", "null_in_required"): 3})
    assert judge(counts, None, None)[0] == "violations"  # no threshold: any bad row is over it
    assert judge(Counts(100, 100, 0), None, None)[0] == "ok"
    assert judge(counts, 3, None)[0] == "ok" and judge(counts, 2, None)[0] == "violations"
    assert judge(counts, None, 0.03)[0] == "ok" and judge(counts, None, 0.029)[0] == "violations"
    assert judge(counts, 10, 0.01)[0] == "violations"  # over either threshold is over
    assert judge(Counts(0, 0, 0), None, 0.0)[0] == "ok"


def test_run_id_follows_what_makes_a_run_the_same():
    base = {"input": "/t", "delta_version": 3, "signature": "abc", "outputs": ["/v", "/q"]}
    assert derive_run_id(base) == derive_run_id(dict(base))
    assert derive_run_id(base) != derive_run_id({**base, "delta_version": 4})
    assert derive_run_id(base).startswith("run-")


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [({"mode": "nope"}, "mode='nope'"), ({"max_bad_fraction": 2.0}, "max_bad_fraction"),
     ({"valid_output": None}, "split mode writes both tables"), ({"quarantine_output": "/x/valid"}, "same table"),
     ({"valid_output": "/x/in"}, "an output is the input")],
)
def test_bad_option_combinations_are_config_errors(kw, fragment):
    from spark_signature.pipeline import check_options

    options = StepOptions(input="/x/in", signature="s.json", valid_output="/x/valid", quarantine_output="/x/q")
    for key, value in kw.items():
        setattr(options, key, value)
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(")):
        check_options(options, "validate_table")


# ---- validate_table: the library ------------------------------------------------------------------------


def assert_report_shape(report: dict) -> None:
    """A report a real run wrote has exactly the documented keys (docs/report.md), at every level."""
    from spark_signature import report_builder as rb

    assert tuple(report) == rb.TOP_LEVEL_KEYS
    assert tuple(report["input"]) == rb.INPUT_KEYS and tuple(report["signature"]) == rb.SIGNATURE_KEYS
    assert all(tuple(entry) == rb.SCHEMA_KEYS for entry in report["schema"]) and report["schema"]
    assert tuple(report["thresholds"]) == rb.THRESHOLD_KEYS and tuple(report["counts"]) == rb.COUNTS_KEYS
    assert tuple(report["outputs"]) == rb.OUTPUTS_KEYS
    assert all(tuple(o) == rb.OUTPUT_KEYS for o in report["outputs"].values() if o is not None)
    assert tuple(report["spark"]) == rb.SPARK_KEYS and tuple(report["timings"]) == rb.TIMING_KEYS
    assert all(isinstance(v, float) for v in report["timings"].values() if v is not None)
    json.dumps(report)  # JSON as it is


@pytest.mark.slow
def test_split_writes_both_tables_once_and_a_rerun_adds_nothing(spark, iris, tmp_path):
    from pyspark.sql import functions as F

    rows, table, signature = iris
    outcome = validate_table(spark, _options(tmp_path, table, signature))
    assert (outcome.status, outcome.exit_code) == ("violations", 2), outcome.message
    report = outcome.report
    assert_report_shape(report)
    assert report["counts"]["rows"] == 150 and report["counts"]["quarantined"] == 3
    assert report["input"]["delta_version"] == 1
    assert report["examples"] and {e["rule"] for e in report["examples"]} == {"null_in_required"}
    valid = read_delta(spark, tmp_path / "valid")
    quarantine = read_delta(spark, tmp_path / "quarantine")
    source = spark.createDataFrame(rows, IRIS_DDL)
    bad_ids = [rows[i][0] for i in BAD]
    expected_valid = source.where(~F.col("id").isin(bad_ids)).select("id", "species", *[F.col(f"`{f}`")
                                                                                       for f in IRIS_FEATURES])
    assert_df_equality(valid, expected_valid, ignore_row_order=True, ignore_nullable=True)
    assert_df_equality(quarantine.drop("_violations", "_run_id", "_input_version"),
                       source.where(F.col("id").isin(bad_ids)), ignore_row_order=True, ignore_nullable=True)
    lineage = {(r["_run_id"], r["_input_version"]) for r in quarantine.collect()}
    assert lineage == {(report["run_id"], 1)}
    reasons = {r["id"]: sorted(v["column"] for v in r["_violations"]) for r in quarantine.collect()}
    assert reasons == {3: ["sepal length (cm)"], 40: ["petal length (cm)", "petal width (cm)"],
                       77: ["sepal width (cm)"]}

    again = validate_table(spark, _options(tmp_path, table, signature))
    assert again.report["run_id"] == report["run_id"]
    assert again.report["outputs"]["valid"] == {**report["outputs"]["valid"], "already_written": True}
    assert again.report["outputs"]["quarantine"]["already_written"] is True
    assert commits(tmp_path / "valid") == [0] and read_delta(spark, tmp_path / "valid").count() == 147

    # a new version of the input is a new run: its rows are appended, once
    write_delta(spark, iris_rows(10, start=1000), table, files=1, mode="append")
    third = validate_table(spark, _options(tmp_path, table, signature))
    assert third.report["run_id"] != report["run_id"] and third.report["input"]["delta_version"] == 2
    assert third.report["outputs"]["valid"]["rows"] == 157 and commits(tmp_path / "valid") == [0, 1]


@pytest.mark.slow
@pytest.mark.exhaustive
def test_the_same_run_id_over_other_rows_is_refused(spark, iris, tmp_path):
    _rows, table, signature = iris
    first = validate_table(spark, _options(tmp_path, table, signature, run_id="nightly-1", max_bad_rows=5))
    assert first.exit_code == 0, first.message
    write_delta(spark, iris_rows(10, start=1000), table, files=1, mode="append")
    second = validate_table(spark, _options(tmp_path, table, signature, run_id="nightly-1", max_bad_rows=5))
    assert (second.status, second.report["error"]["error"]) == ("error", "CountMismatchError")
    assert "already holds this run's rows" in second.message
    assert read_delta(spark, tmp_path / "valid").count() == 147  # nothing was added


@pytest.mark.slow
def test_time_travel_by_version_and_timestamp(spark, iris, tmp_path):
    from delta.tables import DeltaTable

    _rows, table, signature = iris
    v0 = validate_table(spark, StepOptions(input=str(table), signature=str(signature), mode="check", version=0))
    assert (v0.report["input"]["delta_version"], v0.report["counts"]["rows"]) == (0, 75)
    history = {r["version"]: r["timestamp"] for r in DeltaTable.forPath(spark, str(table)).history().collect()}
    at = validate_table(spark, StepOptions(input=str(table), signature=str(signature), mode="check",
                                           timestamp=str(history[0])))
    assert (at.report["input"]["delta_version"], at.report["input"]["timestamp"]) == (0, str(history[0]))
    latest = validate_table(spark, StepOptions(input=str(table), signature=str(signature), mode="check",
                                               max_bad_rows=3))
    assert (latest.exit_code, latest.report["input"]["delta_version"], latest.report["counts"]["rows"]) == (0, 1, 150)
    missing = validate_table(spark, StepOptions(input=str(table), signature=str(signature), mode="check", version=9))
    assert missing.exit_code == 3 and "version" in missing.message
    future = validate_table(spark, StepOptions(input=str(table), signature=str(signature), mode="check",
                                               timestamp="2999-01-01 00:00:00"))
    # Our own words (Delta's differ in every release): the last commit, and what to pass instead.
    assert future.exit_code == 3 and "after its last commit (version 1 at " in future.message
    assert "pass a --timestamp between the table's first and last commit" in future.message


@pytest.mark.slow
def test_parquet_and_catalog_tables(spark, iris, tmp_path):
    rows, table, signature = iris
    spark.createDataFrame(rows, IRIS_DDL).write.parquet(str(tmp_path / "pq"))
    pq = validate_table(spark, StepOptions(input=str(tmp_path / "pq"), input_format="parquet",
                                           signature=str(signature), mode="check"))
    assert (pq.report["input"]["delta_version"], pq.report["counts"]["quarantined"]) == (None, 3)
    by_path = validate_table(spark, StepOptions(input=f"delta.`{table}`", input_format="table",
                                                signature=str(signature), mode="check", version=0))
    assert (by_path.report["input"]["delta_version"], by_path.report["counts"]["rows"]) == (0, 75)
    spark.createDataFrame(rows, IRIS_DDL).write.format("parquet").saveAsTable("iris_catalog_table")
    try:
        named = validate_table(spark, StepOptions(input="iris_catalog_table", input_format="table",
                                                  signature=str(signature), mode="check"))
        assert (named.report["input"]["format"], named.report["counts"]["rows"]) == ("table", 150)
    finally:
        spark.sql("DROP TABLE iris_catalog_table")


@pytest.mark.slow
@pytest.mark.exhaustive
def test_check_and_fail_fast(spark, iris, tmp_path):
    _rows, table, signature = iris
    check = validate_table(spark, StepOptions(input=str(table), signature=str(signature), mode="check"))
    assert (check.exit_code, check.report["outputs"]["valid"]) == (2, None)
    assert {e["column"] for e in check.report["examples"]} == {"sepal length (cm)", "sepal width (cm)",
                                                                "petal length (cm)", "petal width (cm)"}
    fast = validate_table(spark, StepOptions(input=str(table), signature=str(signature), mode="fail_fast"))
    assert (fast.status, fast.report["error"]["rule"]) == ("violations", "null_in_required")
    write_delta(spark, iris_rows(20), tmp_path / "clean", files=2)
    ok = validate_table(spark, StepOptions(input=str(tmp_path / "clean"), signature=str(signature), mode="fail_fast",
                                           valid_output=str(tmp_path / "clean_valid")))
    assert ok.exit_code == 0 and ok.report["outputs"]["valid"]["rows"] == 20
    assert read_delta(spark, tmp_path / "clean_valid").count() == 20


@pytest.mark.slow
@pytest.mark.exhaustive
def test_the_persisted_split_is_checked_once_for_both_writes(spark, iris, tmp_path):
    """The Arrow kernels see each row once: the MapInArrow node of the persisted plan received each row it
    checks once from Python (its ``pythonNumRowsReceived`` metric), though two tables were written from it.
    With engine="auto" those are the rows the native flag marks (here exactly the 3 corrupted ones: nulls
    in required doubles are an exact native check); the clean rows never enter Python."""
    from spark_signature.enforcement.spark import enforce
    from spark_signature.mlmodel import load_signature
    from spark_signature.pipeline import write_split

    _rows, table, signature = iris
    df = spark.read.format("delta").load(str(table))
    split = enforce(df, load_signature(str(signature)), mode="split", keep_columns=["id", "species"]).persist()
    try:
        counts = split.counts
        written = write_split(split, valid_output=str(tmp_path / "v"), quarantine_output=str(tmp_path / "q"),
                              run_id="r", input_version=1, app_id="test/r", txn_version=0, write_mode="append")
        python_rows = [int(node.metrics().apply("pythonNumRowsReceived").value())
                       for node in _plan_nodes(split.tagged._jdf.queryExecution().executedPlan())
                       if "MapInArrow" in node.nodeName()]
    finally:
        split.unpersist()
    assert written["valid"].rows + written["quarantine"].rows == counts.rows == 150
    assert python_rows == [counts.quarantined] == [3], python_rows


def _plan_nodes(node):
    """Every node of a physical plan (py4j), into adaptive plans and the plans of cached relations."""
    yield node
    name = node.nodeName()
    if name.startswith("AdaptiveSparkPlan"):
        yield from _plan_nodes(node.executedPlan())
    if name == "InMemoryTableScan":
        yield from _plan_nodes(node.relation().cachedPlan())
    children = node.children()
    for i in range(children.size()):
        yield from _plan_nodes(children.apply(i))


# ---- the jobs in-process: bad input, each one line, exit 3 (or 1), nothing written ------------------------


def _nothing_written(tmp_path):
    assert not (tmp_path / "valid").exists() and not (tmp_path / "quarantine").exists()


def _validate_args(tmp_path, table, signature, *extra):
    return ["--input", str(table), "--signature", str(signature), "--valid-output", str(tmp_path / "valid"),
            "--quarantine-output", str(tmp_path / "quarantine"), "--report", str(tmp_path / "r.json"), *extra]


@pytest.mark.slow
def test_bad_input_missing_table(spark, capsys, tmp_path):
    code, out, err = _run_job(capsys, "validate_table", *_validate_args(
        tmp_path, tmp_path / "nope", write_signature(tmp_path / "s.json")))
    assert code == 3 and "does not exist" in _assert_one_line(err)
    assert out.startswith("validate_table: error (exit 3)")
    _nothing_written(tmp_path)


@pytest.mark.slow
def test_bad_input_corrupt_signature_file(spark, iris, capsys, tmp_path):
    _rows, table, _signature = iris
    broken = tmp_path / "broken.json"
    broken.write_text('{"inputs": [{"type": "double", "name": ')
    code, _out, err = _run_job(capsys, "validate_table", *_validate_args(tmp_path, table, broken))
    assert code == 3 and "Invalid JSON" in _assert_one_line(err)
    _nothing_written(tmp_path)


@pytest.mark.slow
def test_bad_input_signature_with_an_unknown_type(spark, iris, capsys, tmp_path):
    _rows, table, _signature = iris
    document = iris_signature_document()
    document["inputs"][1]["type"] = "float128"
    code, _out, err = _run_job(capsys, "validate_table", *_validate_args(
        tmp_path, table, write_signature(tmp_path / "odd.json", document)))
    line = _assert_one_line(err)
    assert code == 3 and "float128" in line
    assert json.loads((tmp_path / "r.json").read_text())["error"]["error"] == "SignatureFormatError"
    _nothing_written(tmp_path)


def test_bad_input_unknown_option(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        load_job("validate_table").main(["--input", "x", "--signature", "s.json", "--max-bad-rowz", "3"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 3
    assert "unrecognized arguments: --max-bad-rowz" in _assert_one_line(err.replace("validate_table.py: error:",
                                                                                     "error:"))


@pytest.mark.slow
def test_bad_input_duplicate_column_names(spark, capsys, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "dups"
    path.mkdir()
    arrays = [pa.array([1.0, 2.0]), pa.array([3.0, 4.0]), pa.array([5.0, 6.0]), pa.array([7.0, 8.0]),
              pa.array([9.0, 1.0])]
    names = [*IRIS_FEATURES, "petal width (cm)"]  # petal width twice
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path / "part-0.parquet")
    code, _out, err = _run_job(capsys, "validate_table", *_validate_args(
        tmp_path, path, write_signature(tmp_path / "s.json"), "--input-format", "parquet"))
    line = _assert_one_line(err)
    assert code in (1, 3) and "petal width (cm)" in line
    _nothing_written(tmp_path)


def test_output_holding_only_a_killed_first_writes_files_is_written(spark, iris, capsys, tmp_path):
    """A first Delta write killed before its commit leaves data files and no commit: the rerun writes the
    table (its commit references only its own files), where a directory of anything else is refused."""
    rows, table, signature = iris
    leftovers = tmp_path / "valid"
    spark.range(3).write.parquet(str(tmp_path / "scratch"))  # real part files, as a killed writer leaves them
    leftovers.mkdir()
    for part in (tmp_path / "scratch").glob("*part-*"):
        part.rename(leftovers / part.name)
    (leftovers / "_delta_log").mkdir()
    code, _out, _err = _run_job(capsys, "validate_table", *_validate_args(tmp_path, table, signature))
    assert code == 2  # the iris fixture's corrupted rows, no threshold
    report = json.loads((tmp_path / "r.json").read_text())
    valid = spark.read.format("delta").load(str(leftovers))
    assert valid.count() == report["counts"]["valid"] == len(rows) - report["counts"]["quarantined"]
    plain = tmp_path / "plain"
    spark.range(3).write.parquet(str(plain))  # a finished plain Spark write (its _SUCCESS marker): not ours
    args = _validate_args(tmp_path, table, signature)
    args[args.index("--valid-output") + 1] = str(plain)
    code, _out, err = _run_job(capsys, "validate_table", *args)
    assert code == 3 and "not a Delta table" in _assert_one_line(err)
    assert spark.read.parquet(str(plain)).count() == 3


@pytest.mark.slow
def test_bad_input_output_path_holds_a_non_delta_directory(spark, iris, capsys, tmp_path):
    _rows, table, signature = iris
    (tmp_path / "valid").mkdir()
    (tmp_path / "valid" / "notes.txt").write_text("not a table")
    code, _out, err = _run_job(capsys, "validate_table", *_validate_args(tmp_path, table, signature))
    assert code == 3 and "not a Delta table" in _assert_one_line(err)
    assert sorted(p.name for p in (tmp_path / "valid").iterdir()) == ["notes.txt"]
    assert not (tmp_path / "quarantine").exists()


@pytest.mark.slow
def test_bad_input_output_is_a_delta_table_with_other_columns(spark, iris, capsys, tmp_path):
    _rows, table, signature = iris
    spark.range(3).write.format("delta").save(str(tmp_path / "quarantine"))
    code, _out, err = _run_job(capsys, "validate_table", *_validate_args(tmp_path, table, signature))
    assert code == 3 and "other columns" in _assert_one_line(err)
    assert commits(tmp_path / "quarantine") == [0] and not (tmp_path / "valid").exists()


@pytest.mark.slow
def test_schema_mismatch_is_exit_1_and_lists_every_column(spark, capsys, tmp_path):
    rows = [(i, 1, "x", 1.0, 1.0) for i in range(3)]
    write_delta(spark, rows, tmp_path / "t", ddl="id long, `sepal length (cm)` int, `sepal width (cm)` string, "
                "`petal length (cm)` double, `extra` double")
    code, _out, err = _run_job(capsys, "validate_table", *_validate_args(
        tmp_path, tmp_path / "t", write_signature(tmp_path / "s.json")))
    line = _assert_one_line(err)
    assert code == 1 and "petal width (cm)" in line  # the plan's first refusal: a missing required column
    schema = json.loads((tmp_path / "r.json").read_text())["schema"]
    assert [(e["column"], e["status"]) for e in schema] == [
        ("sepal length (cm)", "converted"), ("sepal width (cm)", "refused"), ("petal length (cm)", "ok"),
        ("petal width (cm)", "missing"), ("id", "extra"), ("extra", "extra")]
    _nothing_written(tmp_path)


# ---- edge data -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_empty_table_exit_0_and_both_tables_created_with_their_schema(spark, capsys, tmp_path):
    write_delta(spark, [], tmp_path / "empty")
    code, out, _err = _run_job(capsys, "validate_table", *_validate_args(
        tmp_path, tmp_path / "empty", write_signature(tmp_path / "s.json")))
    assert code == 0, out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["counts"] == {"rows": 0, "valid": 0, "quarantined": 0, "violations": []}
    valid, quarantine = read_delta(spark, tmp_path / "valid"), read_delta(spark, tmp_path / "quarantine")
    assert (valid.count(), quarantine.count()) == (0, 0)
    assert valid.columns == ["id", "species", *IRIS_FEATURES]
    assert quarantine.columns == ["id", *IRIS_FEATURES, "species", "_violations", "_run_id", "_input_version"]
    assert dict(valid.dtypes)["sepal length (cm)"] == "double"
    assert dict(quarantine.dtypes)["_violations"].startswith("array<struct<column:string,path:string,rule:string")


@pytest.mark.slow
@pytest.mark.exhaustive
def test_one_row_per_partition_in_100_partitions(spark, tmp_path):
    rows = corrupt(iris_rows(100), {99: {1: None}})
    write_delta(spark, rows, tmp_path / "wide", files=100)
    spark.conf.set("spark.sql.files.openCostInBytes", "1g")  # one file per partition
    try:
        df = spark.read.format("delta").load(str(tmp_path / "wide"))
        assert df.rdd.getNumPartitions() == 100
        signature = write_signature(tmp_path / "s.json")
        outcome = validate_table(spark, _options(tmp_path, tmp_path / "wide", signature, max_bad_rows=1))
    finally:
        spark.conf.unset("spark.sql.files.openCostInBytes")
    assert outcome.exit_code == 0, outcome.message
    assert (outcome.counts.rows, outcome.counts.valid, outcome.counts.quarantined) == (100, 99, 1)
    assert outcome.report["outputs"]["valid"]["rows"] == 99
    assert [r["id"] for r in read_delta(spark, tmp_path / "quarantine").collect()] == [rows[99][0]]


@pytest.mark.slow
@pytest.mark.exhaustive
def test_a_column_null_only_in_the_last_partition(spark, tmp_path):
    rows = iris_rows(60)
    rows[-1] = (*rows[-1][:2], None, *rows[-1][3:])
    write_delta(spark, rows, tmp_path / "t", files=6)
    outcome = validate_table(spark, _options(tmp_path, tmp_path / "t", write_signature(tmp_path / "s.json")))
    assert outcome.exit_code == 2 and outcome.counts.quarantined == 1
    assert outcome.report["counts"]["violations"] == [{"column": "sepal width (cm)", "rule": "null_in_required",
                                                       "count": 1}]


# ---- streaming -------------------------------------------------------------------------------------------


def test_enforce_refuses_a_streaming_dataframe_with_a_pointer(spark, iris):
    from spark_signature.enforcement.spark import enforce
    from spark_signature.mlmodel import load_signature

    _rows, table, signature = iris
    stream = spark.readStream.format("delta").load(str(table))
    with pytest.raises(ConfigError, match="streaming") as info:
        enforce(stream, load_signature(str(signature)))
    assert "start_validation_stream" in info.value.fix and "foreachBatch" in info.value.fix


@pytest.mark.slow
def test_stream_rerun_of_a_batch_after_its_writes_adds_nothing(spark, tmp_path):
    """A crash after a micro-batch's Delta commits but before Spark marked it done in the checkpoint: the
    restarted query reruns that batch id over the same offsets, and Delta skips both writes."""
    from spark_signature.streaming import StreamSettings, start_validation_stream

    source = tmp_path / "events"
    rows = corrupt(iris_rows(60), {7: {1: None}, 45: {4: None}})
    for part in range(3):
        write_delta(spark, rows[part * 20:(part + 1) * 20], source, files=1, mode="append")
    signature = write_signature(tmp_path / "s.json")
    options = _options(tmp_path, source, signature, max_bad_rows=10)
    settings = StreamSettings(checkpoint=str(tmp_path / "ck"), available_now=True, max_files_per_trigger=1)
    first = start_validation_stream(spark, options, settings).await_termination(600)
    assert first.exit_code == 0, first.message
    assert first.report["stream"]["batches"] == 3 and first.counts.rows == 60
    quarantine = read_delta(spark, tmp_path / "quarantine")
    assert {r["id"]: r["_input_version"] for r in quarantine.collect()} == {7: 2, 45: 2}

    for name in ("2", ".2.crc"):  # batch 2 ran and wrote, but its checkpoint commit is lost
        (tmp_path / "ck" / "commits" / name).unlink()
    second = start_validation_stream(spark, options, settings).await_termination(600)
    assert second.exit_code == 0, second.message
    assert second.report["stream"]["last_batch_id"] == 2 and second.report["stream"]["batches"] == 1
    assert second.report["outputs"]["valid"]["already_written"] is True
    assert second.report["outputs"]["quarantine"]["already_written"] is True
    ids = sorted(r["id"] for r in read_delta(spark, tmp_path / "valid").select("id").union(
        read_delta(spark, tmp_path / "quarantine").select("id")).collect())
    assert ids == list(range(60))
    assert commits(tmp_path / "valid") == [0, 1, 2]


@pytest.mark.slow
def test_stream_schema_mismatch_does_not_start(spark, tmp_path):
    from spark_signature.streaming import StreamSettings, start_validation_stream

    write_delta(spark, [(1, "x")], tmp_path / "events", ddl="id long, `sepal length (cm)` string")
    outcome = start_validation_stream(spark, _options(tmp_path, tmp_path / "events", write_signature(
        tmp_path / "s.json")), StreamSettings(checkpoint=str(tmp_path / "ck")))
    assert (outcome.status, outcome.exit_code) == ("schema_mismatch", 1)
    assert not (tmp_path / "ck").exists()
    _nothing_written(tmp_path)


# ---- score_table in the session --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.exhaustive
def test_score_table_over_the_threshold_scores_nothing(spark, iris_model, tmp_path):
    from spark_signature.pipeline import score_table

    write_delta(spark, corrupt(iris_rows(), BAD), tmp_path / "iris", files=2)
    options = StepOptions(input=str(tmp_path / "iris"), model=iris_model.model_uri, max_bad_rows=1,
                          predictions_output=str(tmp_path / "scored"), quarantine_output=str(tmp_path / "q"))
    outcome = score_table(spark, options)
    assert (outcome.exit_code, outcome.report["outputs"]["predictions"]) == (2, None)
    assert "nothing was scored" in outcome.message
    assert read_delta(spark, tmp_path / "q").count() == 3 and not data_files(tmp_path / "scored")
    shutil.rmtree(tmp_path / "q")
    options.max_bad_rows = 3
    ok = score_table(spark, options)
    assert ok.exit_code == 0, ok.message
    assert ok.report["outputs"]["predictions"]["rows"] == 147
    assert read_delta(spark, tmp_path / "scored").columns == ["id", "species", *IRIS_FEATURES, "prediction"]


# ---- the HTML view of a job's report (--report-html) ----------------------------------------------------

HOSTILE_VALUE = "<script>alert('value')</script>"
HOSTILE_COLUMN = "<b>bold</b>"
HTML_DDL = f"id bigint, amount double, note string, `{HOSTILE_COLUMN}` string"


def _html_table(spark, tmp_path) -> tuple[Path, Path]:
    """Four rows, two with a null required amount; the hostile value sits in a quarantined row."""
    from spark_signature import ColSpec, DataType, ModelSignature, Schema
    from spark_signature.pipeline import signature_document

    rows = [(1, 1.5, "fine", "a"), (2, None, HOSTILE_VALUE, "b"), (3, 2.5, "ok", "c"), (4, None, "x", "d")]
    write_delta(spark, rows, tmp_path / "events", ddl=HTML_DDL, files=2)
    signature = ModelSignature(inputs=Schema([ColSpec(DataType.long, "id"), ColSpec(DataType.double, "amount")]))
    return tmp_path / "events", write_signature(tmp_path / "sig.json", signature_document(signature))


def _assert_self_contained(html: str) -> None:
    from test_report_render import ALLOWED_TAGS, parse

    doc = parse(html)
    assert {tag for tag, _ in doc.tags} <= ALLOWED_TAGS  # no script, img, link, iframe, ...
    assert "<script" not in html.lower()
    inline = html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # the SVG namespace name, not a fetch
    found = re.search(r"""(?:src|href|action)\s*=|url\(|@import|https?://""", inline, flags=re.I)
    assert found is None, f"the page references something outside itself: {inline[found.start() - 80:found.end() + 80]}"


@pytest.mark.exhaustive
def test_report_html_of_a_run_with_violations(spark, tmp_path, capsys):
    """--report-html writes the notebook's view of the job's report: columns, counts, the bad rows,
    everything from the data escaped, nothing fetched from elsewhere."""
    table, signature = _html_table(spark, tmp_path)
    page = tmp_path / "out" / "report.html"
    code, out, _err = _run_job(capsys, "validate_table", "--input", str(table), "--signature", str(signature),
                               "--valid-output", str(tmp_path / "valid"), "--quarantine-output",
                               str(tmp_path / "quarantine"), "--report", str(tmp_path / "r.json"),
                               "--report-html", str(page))
    assert code == 2 and "violations (exit 2)" in out
    html = page.read_text(encoding="utf-8")
    report = json.loads((tmp_path / "r.json").read_text())
    assert html.startswith("<!DOCTYPE html>")
    _assert_self_contained(html)
    from test_report_render import parse

    text = " ".join(parse(html).text)
    for column in ("id", "amount", "note", HOSTILE_COLUMN):
        assert column in text, column
    for label, value in (("rows", 4), ("valid", 2), ("quarantined", 2), ("violations", 2)):
        assert f"<b>{value}</b><span>{label}</span>" in html, label
    assert report["counts"]["quarantined"] == 2
    assert 'data-column="amount" data-rule="null_in_required" data-count="2"' in html
    assert HOSTILE_VALUE in text  # the quarantined row's value is shown, as text
    assert "&lt;script&gt;alert(&#x27;value&#x27;)&lt;/script&gt;" in html or \
        "&lt;script&gt;alert('value')&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert report["run_id"] in text and str(tmp_path / "valid") in text  # the outputs written


@pytest.mark.slow
@pytest.mark.exhaustive
def test_report_html_renders_every_status(spark, tmp_path, capsys):
    """ok, schema_mismatch and error pages render too (an error report has no counts and no schema)."""
    from spark_signature import ColSpec, DataType, ModelSignature, Schema
    from spark_signature.pipeline import signature_document

    table, signature = _html_table(spark, tmp_path)
    wants_zip = write_signature(tmp_path / "zip.json", signature_document(
        ModelSignature(inputs=Schema([ColSpec(DataType.long, "id"), ColSpec(DataType.string, "zip")]))))
    runs = {
        "ok": (table, signature, ["--max-bad-rows", "2"]),
        "schema_mismatch": (table, wants_zip, []),
        "error": (tmp_path / "no_such_table", signature, []),
    }
    for status, (input_path, sig, extra) in runs.items():
        page = tmp_path / f"{status}.html"
        code, out, _err = _run_job(capsys, "validate_table", "--input", str(input_path), "--signature", str(sig),
                                   "--mode", "check", "--report-html", str(page), *extra)
        assert f"{status} (exit {code})" in out
        html = page.read_text(encoding="utf-8")
        _assert_self_contained(html)
        title = {"ok": "OK", "schema_mismatch": "Schema mismatch", "error": "Error"}[status]
        assert f"<title>spark_signature report: {title}</title>" in html
        if status == "schema_mismatch":
            assert "zip" in html and "missing" in html
        if status == "error":
            assert "no_such_table" in html


# ---- one builder: the notebook's report is the job's -------------------------------------------------------


def _key_tree(value):
    """The keys of a report at every level, in order: dicts by key, lists by the shapes of their items."""
    if isinstance(value, dict):
        return [(key, _key_tree(v)) for key, v in value.items()]
    if isinstance(value, list):
        return sorted({repr(_key_tree(v)) for v in value})
    return "leaf"


@pytest.mark.exhaustive
def test_a_notebook_report_has_the_job_reports_keys_at_every_level(spark, tmp_path):
    from spark_signature import notebook

    table, signature = _html_table(spark, tmp_path)
    job = validate_table(spark, StepOptions(input=str(table), signature=str(signature), mode="check")).report
    nb = json.loads(notebook.check(spark.read.format("delta").load(str(table)), str(signature)).to_json())
    assert_report_shape(job)
    assert_report_shape(nb)
    assert _key_tree(nb) == _key_tree(job)
    assert nb["plan"] and nb["examples"] and nb["schema"] and nb["counts"]["violations"]  # nothing left out
    # and the same facts, decided once
    for key in ("status", "exit_code", "message", "counts", "schema", "compat", "warnings"):
        assert nb[key] == job[key], key
    assert nb["signature"]["sha256"] == job["signature"]["sha256"]
    assert nb["spark"]["application_id"] == job["spark"]["application_id"]
    assert {(e["column"], e["rule"]) for e in nb["examples"]} == {(e["column"], e["rule"]) for e in job["examples"]}
