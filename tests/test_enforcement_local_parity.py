"""The local engine against MLflow's ``validate_schema`` on pandas inputs of every dtype MLflow meets.

Same accept/refuse decision (``compat="mlflow"``) for every (pandas dtype, declared type) pair, except
the documented deviations below, each asserted to really deviate (docs/enforcement.md lists them).
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from _mlflow import assert_refused_for, mlflow_error

from spark_signature import ColSpec, DataType, Schema, SchemaEnforcementError
from spark_signature.enforcement.local import validate_schema

mlflow_schema = pytest.importorskip("mlflow.types.schema")
mlflow_models = pytest.importorskip("mlflow.models")

SOURCES = {
    "bool": pd.Series([True, False]),
    "int8": pd.Series([1, 0], dtype="int8"),
    "int16": pd.Series([1, 0], dtype="int16"),
    "int32": pd.Series([1, 5], dtype="int32"),
    "int64": pd.Series([1, 5]),
    "int64_01": pd.Series([1, 0]),
    "uint8": pd.Series([1, 0], dtype="uint8"),
    "uint16": pd.Series([1, 0], dtype="uint16"),
    "uint32": pd.Series([1, 0], dtype="uint32"),
    "uint64": pd.Series([1, 0], dtype="uint64"),
    "float16": pd.Series([1.5, 0], dtype="float16"),
    "float32": pd.Series([1.5, 0], dtype="float32"),
    "float64": pd.Series([1.5, 0.0]),
    "float64_nan_int": pd.Series([1.0, np.nan]),
    "str": pd.Series(["a", "b"]),
    "obj_str": pd.Series(["a", "b"], dtype=object),
    "obj_int": pd.Series([1, 2], dtype=object),
    "obj_int_none": pd.Series([1, None], dtype=object),
    "obj_bool": pd.Series([True, False], dtype=object),
    "obj_bool_none": pd.Series([True, None], dtype=object),
    "obj_decimal": pd.Series([decimal.Decimal("1.5"), decimal.Decimal("2")], dtype=object),
    "obj_date": pd.Series([dt.date(2020, 1, 1), dt.date(2020, 1, 2)], dtype=object),
    "obj_datetime": pd.Series([dt.datetime(2020, 1, 1), dt.datetime(2020, 1, 2)], dtype=object),
    "obj_tz": pd.Series([dt.datetime(2020, 1, 1, tzinfo=dt.UTC)], dtype=object),
    "obj_none": pd.Series([None, None], dtype=object),
    "obj_mixed": pd.Series([1, "a"], dtype=object),
    "obj_bytes": pd.Series([b"a", b"b"], dtype=object),
    "dt64": pd.Series(pd.to_datetime(["2020-01-01", None])),
    "dt64_utc": pd.Series(pd.to_datetime(["2020-01-01"]).tz_localize("UTC")),
    "Int64": pd.Series([1, 2], dtype="Int64"),
    "Int64_na": pd.Series([1, None], dtype="Int64"),
    "Int32_na": pd.Series([1, None], dtype="Int32"),
    "boolean_na": pd.Series([True, None], dtype="boolean"),
    "Float64_na": pd.Series([1.5, None], dtype="Float64"),
    "i64pa_na": pd.Series([1, None], dtype="int64[pyarrow]"),
    "i32pa": pd.Series([1, 2], dtype="int32[pyarrow]"),
    "strpa_na": pd.Series(["a", None], dtype="string[pyarrow]"),
    "tspa": pd.Series(pd.to_datetime(["2020-01-01"])).astype("timestamp[us][pyarrow]"),
    "category": pd.Series(["a", "b"], dtype="category"),
    "complex": pd.Series([1 + 1j]),
    "timedelta": pd.Series(pd.to_timedelta([1], unit="s")),
}

_UNCHECKED_OBJECT = "MLflow passes any object column to string/binary (and boolean) without looking at the values"
_PANDAS_NULL_ARTIFACT = "pandas turns ints with nulls into float64/crashes; we see integers (and nulls) as they are"
_BOOL_NOT_NUMBER = "MLflow turns object booleans into 1.0/NaN for double; a boolean is not a number here"

#: (source, target) -> why we differ. MLflow accepts/refuses the opposite of us on exactly these pairs.
DEVIATIONS = {
    **{(s, t): _UNCHECKED_OBJECT
       for s in ("obj_int", "obj_int_none", "obj_bool", "obj_bool_none", "obj_decimal", "obj_date", "obj_datetime",
                 "obj_tz", "obj_mixed", "obj_bytes")
       for t in ("string", "binary")},
    **{(s, "boolean"): _UNCHECKED_OBJECT for s in ("obj_decimal", "obj_date", "obj_mixed", "obj_bytes")},
    ("obj_bytes", "binary"): None,  # not a deviation: both accept (kept out of the loop above)
    ("obj_int_none", "float"): _PANDAS_NULL_ARTIFACT,
    ("obj_none", "float"): _PANDAS_NULL_ARTIFACT,
    ("Int64_na", "float"): _PANDAS_NULL_ARTIFACT,
    ("Int64_na", "double"): _PANDAS_NULL_ARTIFACT,
    ("i64pa_na", "float"): _PANDAS_NULL_ARTIFACT,
    ("i64pa_na", "double"): _PANDAS_NULL_ARTIFACT,
    ("boolean_na", "boolean"): "MLflow crashes with a raw ValueError on nullable booleans; nulls pass in compat mode",
    ("obj_bool_none", "double"): _BOOL_NOT_NUMBER,
}
DEVIATIONS = {k: v for k, v in DEVIATIONS.items() if v}


#: How MLflow refuses where it refuses and we accept (the deviations above with MLflow refusing).
DEVIATION_REFUSALS = {
    _PANDAS_NULL_ARTIFACT: ("MlflowException", r"Incompatible input types for column x"),
    DEVIATIONS[("boolean_na", "boolean")]: ("ValueError", r"cannot convert float NaN to bool"),
}


def _theirs(df: pd.DataFrame, target: str) -> BaseException | None:
    return mlflow_error(df, mlflow_schema.Schema([mlflow_schema.ColSpec(target, "x")]))


def _ours(df: pd.DataFrame, target: str) -> SchemaEnforcementError | None:
    """None if we accept, else our refusal (never anything but our error: a crash fails the test)."""
    try:
        validate_schema(df.copy(), Schema([ColSpec(target, "x")]), compat="mlflow")
    except SchemaEnforcementError as err:
        assert err.path == "x", err
        return err
    return None


@pytest.mark.parametrize("source", list(SOURCES))
def test_local_engine_agrees_with_mlflow(source, caplog):
    caplog.set_level(logging.ERROR)
    df = pd.DataFrame({"x": SOURCES[source]})
    for target in (t.name for t in DataType):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = _theirs(df, target)
        ours = _ours(df, target)
        what = f"{source} -> {target}"
        if (source, target) in DEVIATIONS:
            assert (theirs is None) != (ours is None), f"documented deviation {what} no longer deviates"
            if theirs is not None:  # MLflow refuses what we accept: for the documented reason
                cls, pattern = DEVIATION_REFUSALS[DEVIATIONS[(source, target)]]
                assert cls in {c.__name__ for c in type(theirs).__mro__} and re.search(pattern, str(theirs)), \
                    f"{what}: {theirs!r}"
        else:
            assert (theirs is None) == (ours is None), f"{what}: MLflow {theirs!r}, ours {ours}"
            if theirs is not None:
                assert_refused_for(theirs, ours.rule, what)
                if "missing values" in str(theirs) and "float" in str(ours.found):  # integers held as NaN floats
                    assert "missing values" in str(ours.fix), f"{what}: {ours}"  # get MLflow's hint from us too


def test_strict_mode_refuses_nulls_that_mlflow_lets_through():
    df = pd.DataFrame({"x": [1.5, None]})
    assert _theirs(df, "double") is None
    with pytest.raises(SchemaEnforcementError, match="null_in_required") as err:
        validate_schema(df, Schema([ColSpec("double", "x")]))
    assert (err.value.rule, err.value.path, err.value.value) == ("null_in_required", "x", None)
