"""Param values: the one-value rule (convert_param_value) and validate_params, against MLflow 3.17.2."""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spark_signature.enforcement.params import validate_params
from spark_signature.errors import ParamsValidationError, Rule
from spark_signature.types import (
    Array,
    DataType,
    Map,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    convert_param_value,
)

mlflow_utils = pytest.importorskip("mlflow.models.utils")
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.types import schema as ml  # noqa: E402

# --- convert_param_value: explicit expectations ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "dtype", "shape", "expected"),
    [
        (np.int64(3), DataType.long, None, 3),
        (np.int32(3), DataType.long, None, 3),
        (3, DataType.double, None, 3.0),
        (np.float32(0.5), DataType.double, None, 0.5),
        (1.5, DataType.float, None, 1.5),
        (np.int64(2), DataType.float, None, 2.0),
        (2**70, DataType.long, None, 2**70),
        (2**70, DataType.integer, None, 2**70),
        (np.bool_(True), DataType.boolean, None, True),
        (np.str_("x"), DataType.string, None, "x"),
        (None, DataType.long, None, None),
        ("2020-01-01", DataType.datetime, None, dt.date(2020, 1, 1)),
        ("7", DataType.datetime, None, dt.date(7, 1, 1)),
        ("2020-01-01T10:11:12", DataType.datetime, None, dt.datetime(2020, 1, 1, 10, 11, 12)),
        (pd.Timestamp("2020-01-01 10:00"), DataType.datetime, None, dt.datetime(2020, 1, 1, 10)),
        (
            np.datetime64("2020-01-01T00:00:01", "s"),
            DataType.datetime,
            None,
            dt.datetime(2020, 1, 1, 0, 0, 1),
        ),
        ([1, 2], DataType.double, (-1,), [1.0, 2.0]),
        (np.array([1, 2], dtype=np.int32), DataType.long, (-1,), [1, 2]),
        ([None, 1], DataType.long, (-1,), [None, 1]),
        ([], DataType.string, (-1,), []),
        ({"a": np.int32(1)}, Object([Property("a", "long")]), None, {"a": np.int32(1)}),
    ],
)
def test_convert_param_value_accepts(value: Any, dtype: Any, shape: Any, expected: Any) -> None:
    result = convert_param_value("p", value, dtype, shape)
    assert result == expected and type(result) is type(expected)
    if isinstance(expected, list):
        assert [type(x) for x in result] == [type(x) for x in expected]


@pytest.mark.parametrize(
    ("value", "dtype", "shape", "words"),
    [
        (
            True,
            DataType.long,
            None,
            "Can not safely convert `<class 'bool'>` to `DataType.long` for value `True`",
        ),
        (2.5, DataType.long, None, "Can not safely convert `<class 'float'>` to `DataType.long`"),
        (np.float64(1.5), DataType.float, None, "Can not safely convert"),
        (np.int64(1), DataType.integer, None, "Can not safely convert"),
        (np.float16(1), DataType.float, None, "Can not safely convert"),
        (1, DataType.boolean, None, "Can not safely convert"),
        (1, DataType.string, None, "Can not safely convert"),
        ([1, 2], DataType.long, None, "Value must be a scalar for type `DataType.long`, got `[1, 2]`"),
        (dt.date(2020, 1, 1), DataType.string, None, "Value must be a scalar"),
        (5, DataType.datetime, None, "to `DataType.datetime`"),
        ("abc", DataType.datetime, None, "Failed to convert value `abc` from type `<class 'str'>`"),
        (np.datetime64("2020-01-01", "ns"), DataType.datetime, None, "convertible to datetime.date/datetime"),
        ((1, 2), DataType.long, (-1,), "Value must be a 1D array with shape (-1,) for param 'p': long"),
        ([[1], [1, 2]], DataType.long, (-1,), "received list with ndim ragged"),
        ([1, "a"], DataType.long, (-1,), "Can not safely convert"),
        (1, DataType.long, (3,), "Shape must be None"),
        ({"a": 1.5}, Object([Property("a", "long")]), None, "can not safely convert float64 to int64"),
        ({"a": [1, 2]}, Object([Property("a", Array("double"))]), None, "can not safely convert"),
        ({"m": {1: 2}}, Object([Property("m", Map("long"))]), None, "map key"),
    ],
)
def test_convert_param_value_refuses(value: Any, dtype: Any, shape: Any, words: str) -> None:
    with pytest.raises(ParamsValidationError) as info:
        convert_param_value("p", value, dtype, shape)
    assert words in str(info.value)
    assert info.value.rule is Rule.INVALID_PARAM and info.value.path == "p"


# --- the same rule, cell by cell, against MLflow ---------------------------------------------------------

VALUES = [
    None, True, np.bool_(False), 0, 1, -4, 2**70, np.int8(1), np.int32(5), np.int64(5), np.uint8(1),
    np.uint64(1), 1.5, math.nan, math.inf, np.float16(1), np.float32(1.25), np.float64(2.5), "x", "7",
    "2020-01-01", "2020-01-01 10:00:00", "NaT", "", np.str_("y"), b"z", bytearray(b"z"), 1j,
    dt.date(2020, 1, 1), dt.datetime(2020, 1, 1, 1), pd.Timestamp("2020-01-01"),
    np.datetime64("2020-01-01"), np.datetime64("2020-01-01T00:00", "ns"), [1], [1.5, 2], ["a"], [[1]],
    np.array([1, 2]), np.array(["a", "b"]), np.array([1.5], dtype=np.float32), {"k": 1}, (1,), [None],
    [True, False], [np.int64(1), 2], [dt.date(2020, 1, 1)],
]  # fmt: skip


def theirs_convert(value: Any, dtype_name: str, shape: Any) -> Any:
    try:
        return ml.ParamSpec.validate_type_and_shape("spec", value, ml.DataType[dtype_name], shape)
    except (MlflowException, ValueError, TypeError):
        return "refused"


def ours_convert(value: Any, dtype_name: str, shape: Any) -> Any:
    try:
        return convert_param_value("p", value, DataType[dtype_name], shape)
    except ParamsValidationError:
        return "refused"


def same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("dtype_name", [t.name for t in DataType])
@pytest.mark.parametrize("shape", [None, (-1,)])
def test_value_rule_parity(dtype_name: str, shape: Any) -> None:
    mismatches = []
    for value in VALUES:
        mine, theirs = ours_convert(value, dtype_name, shape), theirs_convert(value, dtype_name, shape)
        if not same(mine, theirs):
            mismatches.append((value, mine, theirs))
    assert not mismatches


# --- validate_params ----------------------------------------------------------------------------------------

OBJ = [Property("a", "long"), Property("tags", Array("string"), required=False)]


def schemas() -> tuple[ParamSchema, Any]:
    specs = [
        ("k", "long", 5, None),
        ("t", "double", 0.5, None),
        ("name", "string", "n", None),
        ("when", "datetime", "2020-01-01", None),
        ("flag", "boolean", False, None),
        ("ids", "long", [1, 2], (-1,)),
        ("maybe", "integer", None, None),
    ]
    mine = [ParamSpec(n, t, d, s) for n, t, d, s in specs]
    theirs = [ml.ParamSpec(n, t, d, s) for n, t, d, s in specs]
    mine.append(ParamSpec("obj", Object(OBJ), {"a": 1}))
    their_obj = ml.Object([ml.Property("a", "long"), ml.Property("tags", ml.Array("string"), False)])
    theirs.append(ml.ParamSpec("obj", their_obj, {"a": 1}))
    return ParamSchema(mine), ml.ParamSchema(theirs)


CASES = [
    None,
    {},
    {"k": 3},
    {"k": np.int32(3), "t": 1},
    {"t": np.float32(1.5), "k": 2**40},
    {"name": "x", "zzz": 1},
    {"when": "2021-05-06T07:08:09", "flag": np.bool_(True)},
    {"ids": np.array([3, 4])},
    {"ids": [1.5]},
    {"ids": 3},
    {"k": 1.5},
    {"k": 1.5, "t": "x", "flag": 1},
    {"maybe": None, "k": None},
    {"maybe": np.int64(1)},
    {"obj": {"a": 2, "tags": ["x"]}},
    {"obj": {"a": 2, "extra": 1}},
    {"obj": {"tags": ["x"]}},
    {"obj": None},
    {"when": "not a date"},
    {1: 2, "k": 4},
    {"t": math.nan},
]


def run_theirs(params: Any, schema: Any) -> Any:
    try:
        return mlflow_utils._enforce_params_schema(params, schema)
    except MlflowException:
        return "refused"


def run_ours(params: Any, schema: Any) -> Any:
    try:
        return validate_params(params, schema)
    except ParamsValidationError:
        return "refused"


@pytest.mark.parametrize("params", CASES, ids=repr)
def test_validate_params_parity(params: Any) -> None:
    mine_schema, their_schema = schemas()
    mine = run_ours(params, mine_schema)
    theirs = run_theirs(params, their_schema)
    if theirs == "refused":
        assert mine == "refused"
        return
    assert list(mine) == list(theirs)  # provided keys first, then defaults in schema order
    for key in theirs:
        if isinstance(theirs[key], dict):
            assert mine[key] == theirs[key]
        else:
            assert same(mine[key], theirs[key]), key


def test_errors_are_collected_into_one_exception() -> None:
    schema, _ = schemas()
    with pytest.raises(ParamsValidationError) as info:
        validate_params({"k": 1.5, "t": "x", "flag": 1}, schema)
    err = info.value
    assert [name for name, _ in err.errors] == ["k", "t", "flag"]
    assert err.rule is Rule.INVALID_PARAM and err.path == "k, t, flag"
    assert "Invalid parameters found" in str(err) and "Can not safely convert" in str(err)


def test_unknown_keys_are_dropped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    schema, _ = schemas()
    with caplog.at_level(logging.WARNING, logger="spark_signature.enforcement.params"):
        result = validate_params({"zzz": 1, "k": 2}, schema)
    assert "zzz" not in result and result["k"] == 2
    assert "Unrecognized params ['zzz'] are ignored" in caplog.text


def test_no_schema_warns_and_drops(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="spark_signature.enforcement.params"):
        assert validate_params({"a": 1}, None) == {}
    assert "does not define a params schema" in caplog.text and "['a']" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spark_signature.enforcement.params"):
        assert validate_params(None, None) == {}  # deviation: MLflow returns None itself
        assert validate_params({}, None) == {}
    assert caplog.text == ""


def test_non_str_keys_are_converted(caplog: pytest.LogCaptureFixture) -> None:
    schema = ParamSchema([ParamSpec("1", "long", 0)])
    with caplog.at_level(logging.WARNING, logger="spark_signature.enforcement.params"):
        assert validate_params({1: 5}, schema) == {"1": 5}
    assert "converting all keys to string" in caplog.text


def test_bad_arguments() -> None:
    schema, _ = schemas()
    with pytest.raises(ParamsValidationError, match=r"Parameters must be a dictionary\. Got type 'list'\."):
        validate_params([("k", 1)], schema)  # type: ignore[arg-type]
    with pytest.raises(ParamsValidationError, match="must be an instance of ParamSchema"):
        validate_params({"k": 1}, [ParamSpec("k", "long", 1)])  # type: ignore[arg-type]


def test_defaults_are_copies() -> None:
    schema = ParamSchema([ParamSpec("ids", "long", [1, 2], (-1,))])
    validate_params({}, schema)["ids"].append(3)
    assert schema.params[0].default == [1, 2]


def test_datetime_default_filled_as_date() -> None:
    schema, _ = schemas()
    assert validate_params({}, schema)["when"] == dt.date(2020, 1, 1)
