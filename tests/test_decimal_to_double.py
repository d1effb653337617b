"""Decimal -> double: the exact-double kernel and the local engine's conversion against Python's decimals.

Python's ``float(Decimal)`` is correctly rounded (the nearest double); Spark's ``CAST(d AS double)``
is too, and it is what the model receives from the Spark engine's valid output. The oracle for "the value
survives the conversion" is therefore independent of Arrow: the nearest double, rounded back to the
column's scale (half-even, as a decimal column stores it), is the value itself.
"""

from __future__ import annotations

import decimal
import warnings
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from spark_signature.enforcement.arrow import _exact_double_survivors
from spark_signature.errors import PlanWarning

_EXACT = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_EVEN)


def survives(d: Decimal, scale: int) -> bool:
    """The oracle: the nearest double to ``d``, rounded back to ``scale`` digits, is ``d``."""
    return _EXACT.quantize(Decimal(float(d)), Decimal(1).scaleb(-scale)) == d


@st.composite
def decimal_columns(draw):
    """(precision, scale, values): a wide decimal column (precision > 15) and values that fit it."""
    precision = draw(st.integers(16, 38))
    scale = draw(st.integers(0, precision))
    digits = st.integers(1, precision).flatmap(
        lambda n: st.integers(-(10**n - 1), 10**n - 1))  # every magnitude, not only the widest
    values = draw(st.lists(digits.map(lambda i: Decimal(i).scaleb(-scale, _EXACT)), min_size=1, max_size=40))
    return precision, scale, values


def _column(precision: int, scale: int, values: list) -> pa.Array:
    return pa.array(values, pa.decimal128(precision, scale))


@settings(max_examples=300, deadline=None)
@given(col=decimal_columns())
@example(col=(38, 3, [Decimal("12345678901234567.123"), Decimal("0.036"), Decimal("-4810197277465.976")]))
@example(col=(17, 1, [Decimal("1125899906842624.2"), Decimal("1125899906842624.3")]))  # both round to .25
@example(col=(38, 0, [Decimal(2**53 + 1), Decimal(2**53), Decimal(10**37)]))
def test_exact_double_kernel_agrees_with_python(col):
    precision, scale, values = col
    got = _exact_double_survivors(_column(precision, scale, values)).to_pylist()
    assert got == [survives(d, scale) for d in values]


def test_exact_double_kernel_keeps_nulls_null():
    got = _exact_double_survivors(_column(38, 3, [Decimal("1.5"), None])).to_pylist()
    assert got == [True, None]


@pytest.mark.parametrize(("value", "ok"), [
    (Decimal("12345678901234567.123"), False),  # 20 digits: rounded to 1.2345678901234568e16
    (Decimal("0.100"), True),  # the nearest double rounds back to 0.100
    (Decimal("-4810197277465.976"), True),  # 16 digits that a double does carry
    (Decimal("9007199254740993"), False),  # 2**53 + 1: no double holds it
])
def test_exact_double_kernel_known_values(value, ok):
    assert _exact_double_survivors(_column(38, 3 if value.as_tuple().exponent else 0, [value]))[0].as_py() is ok


@settings(max_examples=200, deadline=None)
@given(col=decimal_columns())
@example(col=(38, 3, [Decimal("0.036"), Decimal("-79.960"), Decimal("286560701.650")]))  # Arrow's cast misses these
def test_decimal_to_double_is_correctly_rounded(col):
    from spark_signature.enforcement.arrow import decimal_to_double

    precision, scale, values = col
    assert decimal_to_double(_column(precision, scale, values)).to_pylist() == [float(d) for d in values]


NARROW = [Decimal("0.036"), Decimal("-79.960"), Decimal("286560701.650"), Decimal("1.500"), None]


def test_local_engine_converts_decimals_to_the_nearest_double():
    import pandas as pd

    from spark_signature import ColSpec, Schema
    from spark_signature.enforcement.local import validate_schema

    for precision in (12, 38):  # a narrow decimal widens, a wide one is checked per value first
        pdf = pd.DataFrame({"d": pd.array(NARROW, dtype=pd.ArrowDtype(pa.decimal128(precision, 3)))})
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            out = validate_schema(pdf, Schema([ColSpec("double", "d", required=False)]))
        assert [w.category for w in seen] == ([PlanWarning] if precision == 38 else [])
        assert out["d"].tolist()[:4] == [float(d) for d in NARROW[:4]] and pd.isna(out["d"].tolist()[4])


def test_spark_valid_output_is_the_nearest_double_and_agrees_with_the_kernel(spark):
    """Spark's cast (what the model receives) is correctly rounded: the kernel must judge that double."""
    import random

    from spark_signature import ColSpec, Schema
    from spark_signature.enforcement.spark import enforce

    rng = random.Random(8)
    values = [Decimal(rng.randint(10**14, 10**17) * rng.choice((1, -1))).scaleb(-3) for _ in range(300)]
    df = spark.createDataFrame([(i, d) for i, d in enumerate(values)], "id int, d decimal(38,3)").repartition(2)
    with pytest.warns(PlanWarning, match="column 'd'"):
        result = enforce(df, Schema([ColSpec("double", "d")]), keep_columns=["id"])
    valid = {r["id"]: r["d"] for r in result.valid.collect()}
    quarantined = {r["id"] for r in result.quarantine.collect()}
    expected_ok = {i for i, d in enumerate(values) if survives(d, 3)}
    assert 0 < len(expected_ok) < len(values)  # both outcomes occur in the sample
    assert set(valid) == expected_ok and quarantined == set(range(len(values))) - expected_ok
    assert all(valid[i] == float(values[i]) for i in valid)
    cast = {r["id"]: r["x"] for r in df.selectExpr("id", "CAST(d AS double) AS x").collect()}
    assert all(cast[i] == float(d) for i, d in enumerate(values))
