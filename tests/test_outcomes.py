"""Outcomes that cannot lie: split counts are exact whatever the user's first action, and valid +
quarantined = rows is a check that fails when rows go missing.

The expected counts are computed here from the generator's own formula, never from the engine.
"""

from __future__ import annotations

import pytest
from _engines import each_with_each_engine

from spark_signature import ColSpec, DataType, Schema, enforce
from spark_signature.errors import CountMismatchError
from spark_signature.violations import Counts

N = 20_000
NULL_EVERY, FLAG_EVERY = 97, 131  # a is null on multiples of 97; flag is 7 (not 0/1) on multiples of 131
SCHEMA = Schema([ColSpec(DataType.long, "a"), ColSpec(DataType.double, "flag")])


def _expected() -> Counts:
    nulls = {i for i in range(N) if i % NULL_EVERY == 0}
    flags = {i for i in range(N) if i % FLAG_EVERY == 0}
    bad = nulls | flags
    return Counts(N, N - len(bad), len(bad),
                  {("a", "null_in_required"): len(nulls), ("flag", "unsafe_cast"): len(flags)})


@pytest.fixture(scope="module")
def frame(spark):
    return spark.range(N).selectExpr(
        f"IF(id % {NULL_EVERY} = 0, NULL, id) AS a", f"IF(id % {FLAG_EVERY} = 0, 7L, id % 2) AS flag", "id",
    ).repartition(4)


def _first_show(result):
    result.valid.show(3)


def _first_take(result):
    assert len(result.quarantine.take(2)) == 2


def _first_limit(result):
    assert len(result.valid.limit(5).collect()) == 5


def _first_write_valid(result, tmp_path):
    result.valid.write.parquet(str(tmp_path / "valid"))


def _first_write_quarantine(result, tmp_path):
    result.quarantine.write.parquet(str(tmp_path / "quarantine"))


PARTIAL = {"show": _first_show, "take": _first_take, "limit": _first_limit}
WRITES = {"valid": _first_write_valid, "quarantine": _first_write_quarantine}


@pytest.mark.parametrize(("first", "engine"), each_with_each_engine(list(PARTIAL), ["auto", "arrow"]))
def test_counts_exact_after_a_partial_first_action(frame, first, capsys, engine):
    result = enforce(frame, SCHEMA, keep_columns=["id"], engine=engine)
    PARTIAL[first](result)
    assert result.counts == _expected()
    assert result.counts_source == "counting_pass"  # the partial action's observation was not trusted


@pytest.mark.parametrize(("first", "engine"), each_with_each_engine(list(WRITES), ["auto", "arrow"]))
def test_counts_exact_after_one_of_two_writes_without_another_pass(frame, first, tmp_path, spark, engine):
    result = enforce(frame, SCHEMA, keep_columns=["id"], engine=engine)
    WRITES[first](result, tmp_path)
    assert result.counts == _expected()
    # arrow: the full write saw every row, no second Python pass. auto: the write read one branch (the
    # valid rows natively, or the flagged ones through Python); the other is counted by a pass of its own
    # (natively, or the flagged rows' only pass through Python).
    assert result.counts_source == {"arrow": "observation", "auto": "counting_pass"}[engine]
    written = spark.read.parquet(str(next(tmp_path.iterdir())))
    assert written.count() in (_expected().valid, _expected().quarantined)


@pytest.mark.parametrize("engine", ["auto", "arrow"])
def test_counts_exact_from_a_persisted_result_after_show(frame, tmp_path, spark, engine):
    result = enforce(frame, SCHEMA, keep_columns=["id"], engine=engine).persist()
    try:
        result.valid.show(2)  # materializes only part of the cache
        result.valid.write.parquet(str(tmp_path / "v"))
        result.quarantine.write.parquet(str(tmp_path / "q"))
        counts = result.counts
        assert counts == _expected()
        assert spark.read.parquet(str(tmp_path / "v")).count() == counts.valid
        assert spark.read.parquet(str(tmp_path / "q")).count() == counts.quarantined
    finally:
        result.unpersist()


def test_counts_with_no_action_run_one_pass(frame):
    result = enforce(frame, SCHEMA)
    assert not result.observed
    assert result.counts == _expected()


def test_counts_verify_is_a_real_check():
    assert Counts(10, 7, 3).verify().rows == 10
    with pytest.raises(CountMismatchError, match=r"valid \(6\) \+ quarantined \(3\) rows != input rows \(10\)"):
        Counts(10, 6, 3).verify()


@pytest.mark.parametrize("engine_name", ["auto", "arrow"])
def test_rows_lost_by_the_tagging_pass_are_detected(spark, monkeypatch, engine_name):
    """If the Python pass dropped rows, valid + quarantined < the natively counted input: an error, not a
    silently smaller output."""
    import spark_signature.enforcement.spark as engine

    real = engine._tag_batches

    def dropping(plan, column):
        run = real(plan, column)

        def lossy(batches):
            for batch in run(batches):
                yield batch.slice(0, max(batch.num_rows - 1, 0))

        return lossy

    monkeypatch.setattr(engine, "_tag_batches", dropping)
    df = spark.range(100).selectExpr("IF(id % 10 = 0, NULL, id) AS a").repartition(2)  # auto: 10 through Python
    result = enforce(df, Schema([ColSpec(DataType.long, "a")]), engine=engine_name)
    with pytest.raises(CountMismatchError):
        result.counts  # noqa: B018
