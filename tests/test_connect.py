"""Spark Connect beside the classic session: one process, both kinds, and get_spark(remote=...).

The Spark engine's shared cases and the inference cases run on both session kinds
(``pytest.mark.spark_sessions`` in tests/test_enforcement_cases.py and tests/test_inference_spark.py).
Here: what is special to Connect. pyspark builds classic or Connect columns per process, so a DataFrame
of the other kind is refused up front with the reason (never a TypeError from inside pyspark); the
classic session keeps working after Connect tests ran; scoring works on Connect; and a fresh process
gets a Connect session from ``get_spark(remote=...)`` or ``$SPARK_REMOTE``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from _jvm import short_lived_jvm_env

from spark_signature import ColSpec, ConfigError, DataType, Schema, enforce, get_spark, infer_signature

MODE = "SPARK_CONNECT_MODE_ENABLED"
SCHEMA = Schema([ColSpec(DataType.long, "x"), ColSpec(DataType.double, "y", required=False)])
ROWS = [(1, 1.5), (None, 2.0), (3, None)]
DDL = "x bigint, y double"


@pytest.fixture
def connect_mode(connect_client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """pyspark in Connect mode (as SparkSession.builder.remote leaves a client process) for one test."""
    monkeypatch.setenv(MODE, "1")
    yield connect_client


@pytest.fixture
def classic_mode(classic_spark: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.delenv(MODE, raising=False)
    yield classic_spark


def _split_counts(df: Any) -> tuple[int, int, int]:
    counts = enforce(df, SCHEMA).counts
    return counts.rows, counts.valid, counts.quarantined


def test_both_kinds_enforce_in_one_process_and_classic_still_works_after(classic_spark, connect_client,
                                                                         monkeypatch):
    monkeypatch.delenv(MODE, raising=False)
    assert _split_counts(classic_spark.createDataFrame(ROWS, DDL)) == (3, 2, 1)
    monkeypatch.setenv(MODE, "1")
    connect_df = connect_client.createDataFrame(ROWS, DDL)
    assert type(connect_df).__module__.startswith("pyspark.sql.connect")
    assert _split_counts(connect_df) == (3, 2, 1)
    monkeypatch.delenv(MODE)
    assert _split_counts(classic_spark.createDataFrame(ROWS, DDL)) == (3, 2, 1)


def test_a_connect_dataframe_while_pyspark_builds_classic_columns_is_refused_with_the_reason(
        classic_mode, connect_client):
    df = connect_client.createDataFrame(ROWS, DDL)
    with pytest.raises(ConfigError) as err:
        enforce(df, SCHEMA)
    assert "Spark Connect DataFrame" in str(err.value) and "builds classic columns" in str(err.value)
    assert "SparkSession.builder.remote" in err.value.fix
    with pytest.raises(ConfigError, match="builds classic columns"):
        infer_signature(df, mode="full")


def test_a_classic_dataframe_while_pyspark_builds_connect_columns_is_refused(connect_mode, classic_spark):
    df = classic_spark.createDataFrame(ROWS, DDL)
    with pytest.raises(ConfigError, match="classic DataFrame, but pyspark builds Spark Connect columns"):
        enforce(df, SCHEMA, mode="check")


def test_observed_counts_come_with_the_first_full_action_under_connect(connect_mode):
    """No counting pass after a full action: the Observation's metrics came back with its result."""
    from _spark_jobs import count_jobs

    df = connect_mode.createDataFrame(ROWS, DDL).repartition(2)
    result = enforce(df, SCHEMA)
    assert sorted(r["x"] for r in result.tagged.collect() if r["x"] is not None) == [1, 3]
    assert result.observed
    with count_jobs(connect_mode) as jobs:
        counts = result.counts
    assert (counts.rows, counts.valid, counts.quarantined) == (3, 2, 1)
    with count_jobs(connect_mode) as native_count:
        df.count()
    assert jobs == native_count  # the input's native row count only: valid / quarantined were observed


def test_get_spark_refuses_a_connect_session_next_to_a_classic_one(classic_mode, connect_server):
    with pytest.raises(ConfigError) as err:
        get_spark(remote=connect_server.url)
    assert "one kind per process" in err.value.fix


@pytest.mark.slow
def test_get_spark_remote_and_spark_remote_give_a_working_connect_session_in_a_fresh_process(connect_server):
    """``remote=sc://...``, ``$SPARK_REMOTE`` and ``remote="local[1]"`` each give a Connect session that
    enforces and infers."""
    script = textwrap.dedent(f"""
        import json, sys
        from spark_signature import ColSpec, DataType, Schema, enforce, get_spark, infer_signature
        spark = get_spark(remote=sys.argv[1]) if sys.argv[1] != "-" else get_spark()
        df = spark.createDataFrame({ROWS!r}, {DDL!r})
        schema = Schema([ColSpec(DataType.long, "x"), ColSpec(DataType.double, "y", required=False)])
        counts = enforce(df, schema).counts
        full = infer_signature(df, mode="full").inputs
        print(json.dumps({{"kind": type(spark).__module__, "counts": counts.as_dict(),
                          "inferred": full.to_dict()}}))
    """)
    env = short_lived_jvm_env({k: v for k, v in os.environ.items() if k not in (MODE, "SPARK_REMOTE")})
    variants = ((connect_server.url, {}), ("-", {"SPARK_REMOTE": connect_server.url}),
                ("local[1]", {}))  # the last: pyspark's Connect server inside that process
    for arg, extra in variants:
        done = subprocess.run([sys.executable, "-c", script, arg], env={**env, **extra}, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        out = json.loads(done.stdout.strip().splitlines()[-1])
        assert out["kind"].startswith("pyspark.sql.connect")
        assert (out["counts"]["rows"], out["counts"]["valid"], out["counts"]["quarantined"]) == (3, 2, 1)
        assert [c["required"] for c in out["inferred"]] == [False, False]  # nulls seen in both


@pytest.mark.slow
def test_score_on_a_connect_session(connect_mode, iris_model, mlflow_store):
    from spark_signature import score

    features = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    rows = [(i, *map(float, v)) for i, v in enumerate(iris_model.X.head(20).itertuples(index=False))]
    rows.append((99, None, 3.0, 1.4, 0.2))
    ddl = "id long, " + ", ".join(f"`{c}` double" for c in features)
    result = score(connect_mode.createDataFrame(rows, ddl), iris_model.runs_uri, keep_columns=["id"])
    scored = {r["id"]: r["prediction"] for r in result.scored.collect()}
    expected = mlflow_store.pyfunc.load_model(iris_model.runs_uri).predict(iris_model.X.head(20))
    assert [scored[i] for i in range(20)] == list(expected)
    assert [r["id"] for r in result.quarantine.collect()] == [99]
