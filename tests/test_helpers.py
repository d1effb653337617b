"""The test helpers can fail: diff tables, derived counts, the MLflow reason table, the strategy's oracle."""

from __future__ import annotations

from decimal import Decimal

import pytest
from _engines import assert_counts, assert_violations, column_of, expected_counts
from _mlflow import refused_for
from _strategies import Case, Column, MapOf, Scalar, StructOf, null_violates, survives

from spark_signature import ColSpec, DataType, Schema
from spark_signature.violations import Counts

SCHEMA = Schema([ColSpec(DataType.long, "a"), ColSpec(DataType.long, "a.b"), ColSpec(DataType.long, "m")])


def test_assert_violations_prints_a_row_path_rule_diff():
    assert_violations({(1, "a", "null_in_required")}, {(1, "a", "null_in_required")})
    with pytest.raises(AssertionError) as err:
        assert_violations({(1, "a", "null_in_required"), (3, "m['k']", "unsafe_cast")},
                          {(1, "a", "null_in_required"), (2, "a.b", "null_in_required")}, "split")
    text = str(err.value)
    assert "violations differ (split): 1 missing (expected, not reported), 1 unexpected" in text
    lines = text.splitlines()
    assert lines[1].split() == ["row", "path", "rule"]
    assert lines[3].split() == ["missing", "2", "a.b", "null_in_required"]
    assert lines[4].split() == ["unexpected", "3", "m['k']", "unsafe_cast"]


def test_expected_counts_come_from_the_expected_set():
    expected = {(0, "a", "null_in_required"), (0, "a.b", "null_in_required"), (2, "m['x']", "null_in_required"),
                (2, "m['y']", "null_in_required")}
    assert column_of("a.b", SCHEMA) == "a.b" and column_of("a", SCHEMA) == "a" and column_of("m['x']", SCHEMA) == "m"
    counts = expected_counts(4, expected, SCHEMA)
    assert (counts.rows, counts.valid, counts.quarantined) == (4, 2, 2)
    assert counts.by_rule == {("a", "null_in_required"): 1, ("a.b", "null_in_required"): 1,
                              ("m", "null_in_required"): 2}
    with pytest.raises(AssertionError, match=r"(?s)counts differ \(local\).*quarantined\s+2\s+1\s+<--"):
        assert_counts(Counts(4, 3, 1, counts.by_rule), counts, "local")


def test_mlflow_reasons_tell_rules_apart():
    exceptions = pytest.importorskip("mlflow.exceptions")
    missing = exceptions.MlflowException("Model is missing inputs ['b'].")
    nan_int = exceptions.MlflowException("Incompatible input types for column a. Can not safely convert float64 "
                                         "to int64. Hint: the type mismatch is likely caused by missing values.")
    assert refused_for(missing, "missing_column") and not refused_for(missing, "unsafe_cast")
    assert refused_for(nan_int, "null_in_required") and not refused_for(nan_int, "missing_column")
    assert not refused_for(ValueError("Model is missing inputs ['b']."), "missing_column")  # the class counts too
    assert not refused_for(None, "missing_column")


def test_strategy_oracle():
    assert null_violates(DataType.double, True, "strict", "column")
    assert not null_violates(DataType.double, True, "mlflow", "column")
    assert null_violates(DataType.long, False, "mlflow", "element")
    assert not null_violates(DataType.long, False, "mlflow", "property")
    assert survives(Decimal("-4810197277465.976"), 3) and not survives(Decimal("12345678901234567.123"), 3)
    node = StructOf((("x", MapOf(Scalar(DataType.double, "bigint", "zero_one")), True),))
    case = Case((Column("s", node, True),), True, "strict", [({"x": {"it's": 5, "k": 1}},), (None,)])
    assert case.expected() == {(0, "s.x['it\\'s']", "unsafe_cast"), (1, "s", "null_in_required")}
    assert case.ddl == "`s` struct<`x`: map<string, bigint>>"
