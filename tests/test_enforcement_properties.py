"""Property tests: generated signatures and data (``tests/_strategies.py``) through every engine.

* The engines report exactly the violations the data holds, as computed by the test's own oracle from
  the generated values (per-value checks: bigint 0/1 for float/double, wide decimals for double), with
  the counts that implies: valid + quarantined = input *and* quarantined = the rows the oracle marks.
* One defect put at one position of otherwise valid data (a null where a null violates, a 0/1 value
  replaced, a fixed tensor dimension one short) fails exactly that row, with that rule at that path.

Drawn: widening sources (tinyint/smallint/int for long and double, float for double, date and
timestamp_ntz for datetime, string for binary), maps (keys with quotes and backslashes), AnyType over
any Spark type, tensors (fixed and -1 dimensions), named and unnamed schemas, odd column names, and
both compat modes.
"""

from __future__ import annotations

import pytest
from _engines import assert_case
from _strategies import Case, apply, cases, defect_targets, spark_examples, with_sentinel
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st

from spark_signature import Array, ColSpec, DataType, Schema
from spark_signature.enforcement.spark import ENGINES, enforce

# Each example runs several Spark jobs: no "explain" phase (it reruns failing examples many times).
SETTINGS = settings(max_examples=spark_examples(20), deadline=None,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _describe(case: Case) -> str:
    return f"compat={case.compat} named={case.named}\nddl: {case.ddl}\nschema: {case.schema}\nrows: {case.rows}"


@SETTINGS
@given(case=st.booleans().flatmap(lambda defects: cases(max_rows=6, defects=defects)),
       engine=st.sampled_from(ENGINES))
def test_engines_report_exactly_what_the_data_holds(spark, case, engine):
    expected = case.expected()
    note(_describe(case))
    note(f"expected: {sorted(expected)}")
    event("violations expected" if expected else "valid data")
    out = assert_case(spark, case.ddl, case.rows, case.schema, case.compat, expected,
                      engines=("split", "check", "local"), spark_engine=engine)
    counts = out["split"].counts
    bad_rows = {row for row, _, _ in expected}
    assert (counts.rows, counts.valid, counts.quarantined) == (
        len(case.rows), len(case.rows) - len(bad_rows), len(bad_rows))


@pytest.mark.exhaustive  # the property above plants defects too; this one places exactly one, at every depth
@SETTINGS
@given(case=cases(max_rows=4, min_rows=1), data=st.data(), engine=st.sampled_from(ENGINES))
def test_one_defect_fails_exactly_that_row(spark, case, data, engine):
    assert case.expected() == set(), "the strategy drew invalid data"
    targets = [(i, t) for i in range(len(case.rows)) for t in defect_targets(case, i)]
    if not targets:  # e.g. only optional doubles under compat="mlflow": add a column where a null violates
        case = with_sentinel(case)
        targets = [(i, t) for i in range(len(case.rows)) for t in defect_targets(case, i)]
    assert targets
    rule = data.draw(st.sampled_from(sorted({t.rule for _, t in targets})), label="rule")  # each rule as likely
    i, target = data.draw(st.sampled_from([(i, t) for i, t in targets if t.rule == rule]), label="defect")
    bad = apply(case, i, target)
    expected = {(i, target.path, target.rule)}
    note(_describe(bad))
    event(f"defect: {target.rule}")
    assert bad.expected() == expected  # the oracle sees the defect it planted, and nothing else
    assert_case(spark, bad.ddl, bad.rows, bad.schema, bad.compat, expected, engines=("split", "local"),
                spark_engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("compat", ["strict", "mlflow"])
def test_valid_plus_quarantined_is_input(spark, compat, engine):
    n = 5000
    df = spark.range(n).selectExpr(
        "IF(id % 7 = 0, NULL, id) AS a", "IF(id % 11 = 0, NULL, CAST(id AS double)) AS b",
        "IF(id % 13 = 0, array(1, NULL), array(1, 2)) AS arr",
    ).repartition(4)
    schema = Schema([ColSpec(DataType.long, "a"), ColSpec(DataType.double, "b"),
                     ColSpec(Array(DataType.long), "arr")])
    # the test's own count: a null long (column or element) violates in both modes, a null double only
    # in strict mode (MLflow lets NaN/None through double columns)
    bad = {i for i in range(n) if i % 7 == 0 or i % 13 == 0 or (compat == "strict" and i % 11 == 0)}
    result = enforce(df, schema, compat=compat, engine=engine)
    counts = result.run()
    assert counts.rows == n
    assert (counts.valid, counts.quarantined) == (n - len(bad), len(bad))
    assert result.valid.count() + result.quarantine.count() == n
    assert counts.valid == result.valid.count() and counts.quarantined == result.quarantine.count()
    assert counts.by_rule == {
        ("a", "null_in_required"): sum(i % 7 == 0 for i in range(n)),
        **({("b", "null_in_required"): sum(i % 11 == 0 for i in range(n))} if compat == "strict" else {}),
        ("arr", "null_in_required"): sum(i % 13 == 0 for i in range(n)),
    }
