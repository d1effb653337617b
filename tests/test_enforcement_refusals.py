"""What is refused before any row is read, in both engines: each refusal's rule code and path.

Decided from the schema alone (column matching, types, options), so each case raises one
:class:`SignatureError` subclass; tests assert ``(err.rule, err.path)`` and, where the wording is the
point, the message.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from _engines import pandas_frame
from _mlflow import assert_refused_for, mlflow_error

from spark_signature import (
    AnyType,
    ColSpec,
    ConfigError,
    DataType,
    Map,
    Object,
    Property,
    Schema,
    SchemaEnforcementError,
    TensorSpec,
    TypeMappingError,
)
from spark_signature.enforcement.local import find_violations, validate_schema
from spark_signature.enforcement.spark import enforce
from spark_signature.errors import Rule

L, S = DataType.long, DataType.string


@pytest.mark.parametrize(("columns", "schema", "dup"), [
    (["a", "a"], Schema([ColSpec(L, "a")]), "a"),  # the signature's column twice
    (["a", "b", "b"], Schema([ColSpec(L, "a")]), "b"),  # an extra column twice
    (["a", "a"], Schema([ColSpec(L), ColSpec(S)]), "a"),  # unnamed: matched by position, read by name
], ids=["signature-column", "extra-column", "unnamed-schema"])
def test_duplicate_column_names_refused_in_both_engines(spark, columns, schema, dup):
    values = [1, "x", "y"][: len(columns)]
    df = spark.createDataFrame([tuple(values)], ", ".join(f"c{i} {'bigint' if i == 0 else 'string'}"
                                                          for i in range(len(columns)))).toDF(*columns)
    pdf = pd.DataFrame([values], columns=columns)
    for run in (lambda: enforce(df, schema), lambda: enforce(df, schema, mode="check"),
                lambda: validate_schema(pdf, schema)):
        with pytest.raises(SchemaEnforcementError, match=rf"duplicate column names \['{dup}'\]") as err:
            run()
        assert (err.value.rule, err.value.path) == (Rule.DUPLICATE_COLUMN, dup)


def _both(spark, ddl, rows, schema, **kw):
    """Run a statically refused input through split, check and the local engine (its per-row entry point,
    which also takes DataFrame columns against TensorSpecs): the three errors."""
    df = spark.createDataFrame(rows, ddl)
    errors = []
    for run in (lambda: enforce(df, schema, **kw), lambda: enforce(df, schema, mode="check", **kw),
                lambda: find_violations(pandas_frame(spark, ddl, rows), schema, **kw)):
        with pytest.raises(SchemaEnforcementError) as err:
            run()
        errors.append(err.value)
    return errors


def _refused_without_a_job(spark, df, schema):
    tracker = spark.sparkContext.statusTracker()
    before = len(tracker.getJobIdsForGroup(None))
    with pytest.raises(SchemaEnforcementError):
        enforce(df, schema)
    assert len(tracker.getJobIdsForGroup(None)) == before, "a static refusal ran a Spark job"


STATIC = [
    pytest.param("a bigint", [(1,)], Schema([ColSpec(L), ColSpec(S)]), ("column_count", "1"),
                 r"declares 2 inputs but the provided value only has 1 inputs", id="unnamed-too-few-columns"),
    pytest.param("a bigint, c bigint", [(1, 1)], Schema([ColSpec(L, "a"), ColSpec(L, "b")]), ("missing_column", "b"),
                 r"missing inputs \['b'\]. Note that there were extra inputs: \['c'\]", id="missing-required-column"),
    pytest.param("s struct<x: bigint>", [({"x": 1},)],
                 Schema([ColSpec(Object([Property("x", L), Property("y", S)]), "s")]), ("missing_property", "s.y"),
                 r"column 's.y': expected string \(required\), found absent", id="missing-required-property"),
    pytest.param("s struct<x: bigint, z: bigint>", [({"x": 1, "z": 2},)],
                 Schema([ColSpec(Object([Property("x", L)]), "s")]), ("extra_property", "s"),
                 r"extra fields \['z'\]", id="extra-property"),
    pytest.param("m map<int, double>", [({1: 1.0},)], Schema([ColSpec(Map(DataType.double), "m")]),
                 ("bad_map_key", "m"), r"expected string keys", id="map-with-int-keys"),
    pytest.param("t array<array<double>>", [([[1.0]],)],
                 Schema([TensorSpec(np.dtype("float32"), (-1, 1, 1), "t")]), ("dtype_mismatch", "t"),
                 r"expected tensor float32 \[-1, 1, 1\]", id="tensor-dtype"),
    pytest.param("t array<double>", [([1.0],)], Schema([TensorSpec(np.dtype("float64"), (-1, 1, 1), "t")]),
                 ("shape_mismatch", "t"), r"provide 2 levels of nested arrays", id="tensor-too-few-levels"),
    pytest.param("x bigint", [(1,)], Schema([ColSpec(DataType.integer, "x")]), ("unsafe_cast", "x"),
                 r"long column can not be narrowed", id="narrowing"),
    pytest.param("x array<bigint>", [([1],)], Schema([ColSpec(L, "x")]), ("wrong_type", "x"),
                 r"expected long", id="array-for-scalar"),
]


@pytest.mark.parametrize(("ddl", "rows", "schema", "refusal", "message"), STATIC)
def test_static_refusals_in_both_engines(spark, ddl, rows, schema, refusal, message):
    """Refused from the schema alone, before any Spark job, with the same rule and path in both engines."""
    _refused_without_a_job(spark, spark.createDataFrame(rows, ddl), schema)
    for err in _both(spark, ddl, rows, schema):
        assert (err.rule, err.path) == refusal, err
        assert re.search(message, str(err)), err
        assert err.fix and "Fix:" in str(err)


@pytest.mark.parametrize(("ddl", "rows", "schema", "refusal", "message"),
                         [p for p in STATIC if p.id in ("unnamed-too-few-columns", "missing-required-column",
                                                        "map-with-int-keys")])
def test_mlflow_refuses_the_same_for_the_same_reason(spark, ddl, rows, schema, refusal, message):
    # what MLflow sees from Spark: toPandas of the same frame
    assert_refused_for(mlflow_error(spark.createDataFrame(rows, ddl).toPandas(), schema), refusal[0], ddl)


def test_optional_property_may_be_absent(spark):
    schema = Schema([ColSpec(Object([Property("x", L), Property("y", S, required=False)]), "s")])
    result = enforce(spark.createDataFrame([({"x": 1},)], "s struct<x: bigint>"), schema)
    assert [r["s"].asDict() for r in result.valid.collect()] == [{"x": 1, "y": None}]


# ---- options -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ab(spark):
    return spark.createDataFrame([(1, "x"), (None, "y")], "a bigint, p string")


A_ONLY = Schema([ColSpec(L, "a")])


def test_keep_columns_unknown_name(ab):
    with pytest.raises(SchemaEnforcementError, match=r"keep_columns \['zz'\] are not columns") as err:
        enforce(ab, A_ONLY, keep_columns=["p", "zz"])
    assert (err.value.rule, err.value.path) == (Rule.MISSING_COLUMN, "zz")


def test_keep_columns_overlapping_the_signature(ab):
    with pytest.raises(ConfigError, match=r"keep_columns \['a'\] are signature columns") as err:
        enforce(ab, A_ONLY, keep_columns=["a"])
    assert (err.value.rule, err.value.path, err.value.found) == (Rule.INVALID_OPTION, "keep_columns", "['a']")


def test_custom_violations_column(ab):
    result = enforce(ab, A_ONLY, violations_column="problems", keep_columns=["p"])
    assert result.violations_column == "problems"
    assert result.quarantine.columns == ["a", "p", "problems"]
    (bad,) = result.quarantine.collect()
    assert bad["p"] == "y" and [(v["path"], v["rule"]) for v in bad["problems"]] == [("a", "null_in_required")]
    assert [tuple(r) for r in result.valid.collect()] == [("x", 1)]
    assert result.counts.as_dict() == {"rows": 2, "valid": 1, "quarantined": 1,
                                       "violations": [{"column": "a", "rule": "null_in_required", "count": 1}]}


def test_violations_column_clashing_with_an_input_column(ab):
    with pytest.raises(ConfigError, match=r"already has a column named 'p'") as err:
        enforce(ab, A_ONLY, violations_column="p")
    assert (err.value.rule, err.value.path) == (Rule.INVALID_OPTION, "violations_column")


@pytest.mark.parametrize("mode", ["bogus", "Split", ""])
def test_bad_mode(ab, mode):
    with pytest.raises(ConfigError, match=r"mode=.* is not valid; accepted: \['split', 'fail_fast', 'check'\]") as err:
        enforce(ab, A_ONLY, mode=mode)
    assert (err.value.rule, err.value.path, err.value.found) == (Rule.INVALID_OPTION, "mode", repr(mode))


def test_bad_compat_everywhere(ab):
    pdf = pd.DataFrame({"a": [1]})
    for run in (lambda: enforce(ab, A_ONLY, compat="bogus"), lambda: validate_schema(pdf, A_ONLY, compat="bogus"),
                lambda: find_violations(pdf, A_ONLY, compat="bogus")):
        with pytest.raises(ConfigError, match=r"compat='bogus' is not valid; accepted: \['strict', 'mlflow'\]") as err:
            run()
        assert (err.value.rule, err.value.path) == (Rule.INVALID_OPTION, "compat")


def test_enforce_given_pandas_points_to_validate_schema():
    with pytest.raises(ConfigError, match=r"enforce takes a Spark DataFrame, got pandas.DataFrame") as err:
        enforce(pd.DataFrame({"a": [1]}), A_ONLY)
    assert (err.value.rule, err.value.path) == (Rule.INVALID_OPTION, "df")
    assert "validate_schema" in err.value.fix


def test_local_functions_given_spark_point_to_enforce(ab):
    for fn in (validate_schema, find_violations):
        with pytest.raises(ConfigError, match=r"takes pandas, numpy, lists or dicts, got a Spark DataFrame") as err:
            fn(ab, A_ONLY)
        assert (err.value.rule, err.value.path) == (Rule.INVALID_OPTION, "data")
        assert "spark_signature.enforce" in err.value.fix


def test_schema_of_the_wrong_kind(ab):
    with pytest.raises(ConfigError, match="Expected a Schema or ModelSignature, got dict") as err:
        enforce(ab, {"a": "long"})
    assert (err.value.rule, err.value.path) == (Rule.INVALID_OPTION, "schema")


@pytest.mark.parametrize("mode", ["split", "check", "fail_fast"])
def test_a_column_arrow_cannot_carry_that_the_signature_reads(spark, mode):
    df = spark.sql("SELECT 1L AS a, INTERVAL 1 YEAR AS iv")
    for schema in (Schema([ColSpec(L, "iv")]), Schema([ColSpec(AnyType(), "iv")]), Schema([ColSpec(L), ColSpec(L)])):
        with pytest.raises(TypeMappingError, match=r"column 'iv': Spark type interval year cannot be passed to Arrow"
                           ) as err:
            enforce(df, schema, mode=mode)
        assert (err.value.rule, err.value.path, err.value.found) == (Rule.WRONG_TYPE, "iv", "interval year")
        assert "cast it" in err.value.fix
