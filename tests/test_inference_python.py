"""Unit tests of Python-data inference: MLflow 3.x's rules, spelled out (surprises included)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import types
import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from spark_signature.errors import InferenceError
from spark_signature.inference import infer_param_schema, infer_schema, infer_signature
from spark_signature.inference.python import PydanticInputError, infer_numpy_dtype, infer_value_type
from spark_signature.types import AnyType, Array, DataType, Object, Property

HINT = "Hint: Inferred schema contains integer column(s)"


def schema_json(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return json.loads(infer_schema(data).to_json())


def col(type_, name=None, required=True, **payload):
    spec = {"type": type_, **payload}
    if name is not None:
        spec["name"] = name
    spec["required"] = required
    return spec


def tensor(dtype, shape, name=None):
    spec = {"name": name} if name is not None else {}
    spec.update({"type": "tensor", "tensor-spec": {"dtype": dtype, "shape": shape}})
    return spec


LONG = {"type": "long"}


# --------------------------------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, DataType.boolean),
        (np.bool_(False), DataType.boolean),
        (1, DataType.long),
        (np.int64(1), DataType.long),
        (np.int32(1), DataType.integer),
        (1.5, DataType.double),
        (np.float64(1.5), DataType.double),
        (np.float32(1.5), DataType.float),
        (np.float32("nan"), DataType.float),  # not a Python float, so not "missing"
        ("s", DataType.string),
        (np.str_("s"), DataType.string),
        (object(), DataType.string),
        (b"b", DataType.binary),
        (bytearray(b"b"), DataType.binary),
        (np.bytes_(b"b"), DataType.binary),
        (dt.date(2020, 1, 1), DataType.datetime),
        (dt.datetime(2020, 1, 1), DataType.datetime),
        (np.datetime64("2020-01-01"), DataType.datetime),
        (np.datetime64("NaT"), DataType.datetime),  # not pd.NaT
    ],
)
def test_scalar_types_by_exact_type(value, expected):
    assert infer_value_type(value) == expected


@pytest.mark.parametrize("value", [None, float("nan"), np.float64("nan"), pd.NA, pd.NaT, [], {}])
def test_missing_values_and_empty_containers_are_any(value):
    assert infer_value_type(value) == AnyType()


@pytest.mark.parametrize(
    "value", [pd.Timestamp("2020-01-01"), Decimal("1"), (1, 2), np.int16(1), np.uint8(1), np.longlong(1), 1j]
)
def test_unsupported_scalars_are_refused(value):
    with pytest.raises(InferenceError, match="not one of the supported DataType"):
        infer_value_type(value)


def test_list_types():
    assert infer_value_type([1, None]) == Array(DataType.long)
    assert infer_value_type([[], []]) == Array(AnyType())
    assert infer_value_type(np.array([])) is None  # an empty ndarray is "undetermined"
    assert infer_value_type([np.array([]), np.array([1])]) == Array(Array(DataType.long))
    assert infer_value_type([None, {"a": 1}]) == Array(Object([Property("a", DataType.long, required=False)]))
    for mixed in ([1, 2.5], [1, "a"], [True, 1], [[1], [1.5]]):
        with pytest.raises(InferenceError, match="Expected all values in the list to be of the same type"):
            infer_value_type(mixed)


def test_dict_types():
    obj = infer_value_type({"b": 1, "a": None, "c": [1.5]})
    assert obj == Object(
        [
            Property("a", AnyType(), required=False),
            Property("b", DataType.long),
            Property("c", Array(DataType.double)),
        ]
    )
    with pytest.raises(InferenceError):
        infer_value_type({"a": np.array([])})


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        ("bool", DataType.boolean),
        ("int8", DataType.integer),
        ("int32", DataType.integer),
        ("uint16", DataType.integer),
        ("uint32", DataType.long),
        ("int64", DataType.long),
        ("float16", DataType.float),
        ("float32", DataType.float),
        ("float64", DataType.double),
        ("<U3", DataType.string),
        ("S3", DataType.binary),
        ("datetime64[s]", DataType.datetime),
        (pd.Int64Dtype(), DataType.long),
        (pd.BooleanDtype(), DataType.boolean),
        (pd.DatetimeTZDtype(tz="UTC"), DataType.datetime),
    ],
)
def test_numpy_dtypes(dtype, expected):
    assert infer_numpy_dtype(np.dtype(dtype) if isinstance(dtype, str) else dtype) == expected


@pytest.mark.parametrize("dtype", ["uint64", "timedelta64[ns]", "complex128", "object"])
def test_unsupported_numpy_dtypes(dtype):
    with pytest.raises(InferenceError):
        infer_numpy_dtype(np.dtype(dtype))


# --------------------------------------------------------------------------------------------------
# schemas
# --------------------------------------------------------------------------------------------------


def test_empty_list_is_a_string_column():
    assert schema_json([]) == [col("string")]


def test_records_nan_keeps_a_key_required_but_none_and_absence_do_not():
    data = [{"a": 1.0, "b": 1.0, "c": 1.0}, {"a": float("nan"), "b": None}]
    assert schema_json(data) == [
        col("double", "a", True),
        col("double", "b", False),
        col("double", "c", False),
    ]


def test_records_keep_first_seen_key_order_and_merge_objects():
    data = [{"z": {"x": 1}}, {"z": {"y": "s"}, "a": [1, None]}]
    assert schema_json(data) == [
        col(
            "object",
            "z",
            True,
            properties={
                "x": {"type": "long", "required": False},
                "y": {"type": "string", "required": False},
            },
        ),
        col("array", "a", False, items=LONG),
    ]


@pytest.mark.parametrize("data", [[{"a": 1}, {"a": 1.5}], [{}, {}], [{"a": np.array([])}]])
def test_records_refused(data):
    with pytest.raises(InferenceError):
        infer_schema(data)


def test_list_column_is_unnamed_and_required():
    assert schema_json(["a", None]) == [col("string")]
    assert schema_json([1, None]) == [col("long")]
    assert schema_json([[], []]) == [col("any")]  # Array(Any) as a column is `any`


def test_scalars():
    assert schema_json(None) == [col("any")]
    assert schema_json(float("nan")) == [col("any")]
    assert schema_json("x") == [col("string")]
    for refused in (pd.Timestamp("2020"), Decimal("1"), (1, 2)):
        with pytest.raises(InferenceError, match=r"Failed to infer schema\. Expected one of the following"):
            infer_schema(refused)


def test_dicts():
    data = {"a": np.array([1, 2]), "b": np.array(["x", "yyy"]), "c": np.array([[b"q"]])}
    assert schema_json(data) == [
        tensor("int64", [-1], "a"),
        tensor("str", [-1], "b"),
        tensor("bytes", [-1, 1], "c"),
    ]
    assert schema_json({"a": [1, None], "b": None, "c": np.array([1.5]), "d": []}) == [
        col("array", "a", False, items=LONG),
        col("any", "b", False),
        col("array", "c", True, items={"type": "double"}),
        col("any", "d", True),
    ]
    with pytest.raises(InferenceError, match="The dictionary keys are not all strings"):
        infer_schema({1: 2})
    with pytest.raises(InferenceError, match="Numpy array must include at least one non-empty item"):
        infer_schema({"a": np.array([]), "b": 1})
    with pytest.raises(InferenceError):
        infer_schema({})  # all (zero) values are ndarrays: an empty tensor schema


def test_numpy_and_sparse_tensors():
    sparse = pytest.importorskip("scipy.sparse")
    assert schema_json(np.zeros((2, 3), dtype=np.float32)) == [tensor("float32", [-1, 3])]
    assert schema_json(np.array([])) == [tensor("float64", [-1])]
    assert schema_json(np.array([[1], [1, 2]], dtype=object)) == [tensor("object", [-1])]
    assert schema_json(sparse.csr_matrix(np.eye(2, 5))) == [tensor("float64", [-1, 5])]
    assert schema_json(sparse.csc_matrix(np.eye(2, dtype=np.int32))) == [tensor("int32", [-1, 2])]
    with pytest.raises(InferenceError, match="variable_dimension 0 is out of bounds"):
        infer_schema(np.array(1))


def test_dataframe_columns():
    frame = pd.DataFrame(
        {
            "i": [1, 2],
            "i_nan": [1, None],
            "obj_int_none": pd.Series([1, None], dtype=object),
            "all_none": pd.Series([None, None], dtype=object),
            "all_nan": pd.Series([np.nan, np.nan], dtype=object),
            "int_float": pd.Series([1, 2.5], dtype=object),
            "s": ["x", None],
            "lists": [[1, None], [None]],
            "lists_none": [[1], None],
            "ts": pd.to_datetime(["2020-01-01", None]),
            "ts_s": np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[s]"),
            "ts_obj": pd.Series([pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-02")], dtype=object),
            "Int64": pd.array([1, None], dtype="Int64"),
            "boolean": pd.array([True, None], dtype="boolean"),
            "cat": pd.Categorical(["x", "y"]),
            "u8": np.array([1, 2], dtype="uint8"),
        }
    )
    assert schema_json(frame) == [
        col("long", "i"),
        col("double", "i_nan", False),
        col("double", "obj_int_none", False),
        col("any", "all_none", False),
        col("double", "all_nan", False),
        col("double", "int_float"),
        col("string", "s", False),
        col("array", "lists", True, items=LONG),  # None elements inside lists are ignored
        col("array", "lists_none", False, items=LONG),
        col("datetime", "ts", False),
        col("datetime", "ts_s"),
        col("datetime", "ts_obj"),
        col("long", "Int64", False),
        col("boolean", "boolean", False),
        col("string", "cat"),
        col("integer", "u8"),
    ]


def test_dataframe_labels():
    assert schema_json(pd.DataFrame({0: [1.0]})) == [col("double", 0)]
    with pytest.raises(InferenceError, match="Duplicate column label"):
        infer_schema(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    with pytest.raises(InferenceError):
        infer_schema(pd.DataFrame(index=[0]))  # no columns
    with pytest.raises(InferenceError):
        infer_schema(pd.DataFrame([[1.0, 2.0]], columns=[None, "a"]))  # named and unnamed


@pytest.mark.parametrize(
    "column",
    [
        pd.Series([Decimal("1.5")], dtype=object),
        pd.Series([True, 1], dtype=object),
        pd.Series(np.array([1], dtype="uint64")),
        pd.to_timedelta(pd.Series([1]), unit="s"),
    ],
)
def test_refused_columns(column):
    with pytest.raises(InferenceError):
        infer_schema(pd.DataFrame({"a": column}))


def test_series():
    assert schema_json(pd.Series([1.0, 2.0])) == [col("double")]
    assert schema_json(pd.Series(["a"], name="s")) == [col("string", "s")]
    assert schema_json(pd.Series([1.0, None], name=3)) == [col("double", 3, False)]
    with pytest.raises(InferenceError, match="unnamed optional"):
        infer_schema(pd.Series([1.0, None]))


# --------------------------------------------------------------------------------------------------
# the integer-column hint
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [pd.DataFrame({"a": [1]}), [1, 2], {"a": 1}, [{"a": np.int32(1)}], pd.Series([1], name="a"), 5],
)
def test_integer_hint_for_top_level_integer_columns(data):
    with pytest.warns(UserWarning, match=r"Hint: Inferred schema contains integer column\(s\)"):
        infer_schema(data)


@pytest.mark.parametrize(
    "data",
    [np.array([1, 2]), {"a": np.array([1])}, [[1, 2]], {"a": {"b": 1}}, pd.DataFrame({"a": [1.0]})],
)
def test_no_integer_hint_for_tensors_or_nested_integers(data):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        infer_schema(data)
    assert not [w for w in caught if HINT in str(w.message)]


# --------------------------------------------------------------------------------------------------
# params
# --------------------------------------------------------------------------------------------------


def params_json(params):
    return json.loads(infer_param_schema(params).to_json())


def test_params_scalars_and_lists():
    assert params_json({"k": 5, "t": 0.5, "s": "x", "b": True, "i": np.int32(1)}) == [
        {"name": "k", "default": 5, "shape": None, "type": "long"},
        {"name": "t", "default": 0.5, "shape": None, "type": "double"},
        {"name": "s", "default": "x", "shape": None, "type": "string"},
        {"name": "b", "default": True, "shape": None, "type": "boolean"},
        {"name": "i", "default": 1, "shape": None, "type": "integer"},
    ]
    assert params_json({"a": [1, 2.5]}) == [{"name": "a", "default": [1.0, 2.5], "shape": [-1], "type": "double"}]
    assert params_json({"a": np.array([1, 2], dtype=np.int32)})[0]["type"] == "integer"


def test_params_empty_list_is_datetime():
    assert params_json({"a": []}) == [{"name": "a", "default": [], "shape": [-1], "type": "datetime"}]


def test_params_datetimes_and_objects():
    assert params_json({"d": dt.date(2020, 1, 1)}) == [
        {"name": "d", "default": "2020-01-01", "shape": None, "type": "datetime"}
    ]
    assert params_json({"o": {"x": 1}}) == [
        {
            "name": "o",
            "default": {"x": 1},
            "shape": None,
            "type": "object",
            "properties": {"x": {"type": "long", "required": True}},
        }
    ]


@pytest.mark.parametrize(
    "value",
    [
        [1, "a"],  # <U21 -> string, then 1 is not a string
        [True, 1],
        [[1]],
        np.array(1),
        b"x",  # binary params are not allowed
        2**70,
        np.uint8(1),
        pd.Timestamp("2020-01-01"),
        np.datetime64("2020-01-01T00:00:00.000000000"),
        {},
        None,
        (1, 2),
    ],
)
def test_params_refused(value):
    with pytest.raises(InferenceError, match="Failed to infer schema for parameters"):
        infer_param_schema({"a": value})


def test_params_must_be_a_dict_and_names_unique():
    with pytest.raises(InferenceError, match="Expected parameters to be dict, got list"):
        infer_param_schema([1])
    with pytest.raises(InferenceError, match="Duplicated parameters"):
        infer_param_schema({1: 1, "1": 2})


# --------------------------------------------------------------------------------------------------
# infer_signature
# --------------------------------------------------------------------------------------------------


def test_signature_from_frame_and_output_tensor():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sig = infer_signature(pd.DataFrame({"a": [1.0]}), np.array([0, 1]), {"k": 5})
    assert sig.to_dict() == {
        "inputs": '[{"type": "double", "name": "a", "required": true}]',
        "outputs": '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]',
        "params": '[{"name": "k", "default": 5, "shape": null, "type": "long"}]',
    }


@pytest.mark.parametrize("bad", [pd.Timestamp("2020-01-01"), {1: 2}, [1, "a"], pd.Series([1.0, None])])
def test_schema_failure_falls_back_to_any_with_a_warning(bad, caplog):
    with caplog.at_level(logging.WARNING, logger="spark_signature.inference.python"):
        sig = infer_signature(bad, bad)
    assert sig.to_dict() == {
        "inputs": '[{"type": "any", "required": true}]',
        "outputs": '[{"type": "any", "required": true}]',
        "params": None,
    }
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith("Failed to infer schema for inputs.") for m in messages)
    assert any(m.startswith("Failed to infer schema for outputs.") for m in messages)


def test_params_errors_are_not_swallowed():
    with pytest.raises(InferenceError, match="Failed to infer schema for parameters"):
        infer_signature(pd.DataFrame({"a": [1.0]}), params={"b": b"x"})


def test_empty_params_are_none():
    sig = infer_signature(pd.DataFrame({"a": [1.0]}), params={})
    assert sig.params is None


def test_pydantic_models_are_refused_not_swallowed():
    pydantic = pytest.importorskip("pydantic")

    class Item(pydantic.BaseModel):
        x: int = 1

    for data in ([Item()], {"a": Item()}, [{"a": Item()}]):
        with pytest.raises(PydanticInputError):
            infer_signature(data)
    # MLflow wraps a top-level model into its generic error, which infer_signature swallows
    assert infer_signature(Item()).to_dict()["inputs"] == '[{"type": "any", "required": true}]'
    # inside a pandas column the error is wrapped too
    frame = pd.DataFrame({"a": pd.Series([Item()], dtype=object)})
    assert infer_signature(frame).to_dict()["inputs"] == '[{"type": "any", "required": true}]'


def test_spark_dataframes_are_dispatched_lazily(monkeypatch):
    fake_module = types.ModuleType("spark_signature.inference.spark")
    calls = []

    def infer_spark_signature(model_input, model_output, params):
        calls.append((model_input, model_output, params))
        return "spark-signature"

    fake_module.infer_spark_signature = infer_spark_signature
    fake_module.infer_spark_schema = lambda df: "spark-schema"
    monkeypatch.setitem(sys.modules, "spark_signature.inference.spark", fake_module)
    fake_df_class = type("DataFrame", (), {"__module__": "pyspark.sql.classic.dataframe"})
    df = fake_df_class()
    assert infer_signature(df, params={"k": 1}) == "spark-signature"
    assert infer_signature(pd.DataFrame({"a": [1.0]}), df) == "spark-signature"
    assert calls[0] == (df, None, {"k": 1})
    assert infer_schema(df) == "spark-schema"
    connect_df = type("DataFrame", (), {"__module__": "pyspark.sql.connect.dataframe"})()
    assert infer_signature(connect_df) == "spark-signature"


def test_importing_inference_does_not_import_pyspark():
    import subprocess

    code = (
        "import sys, spark_signature.inference as i; "
        "i.infer_signature([1.0]); "
        "sys.exit(1 if any(m == 'pyspark' or m.startswith('pyspark.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_spark_options_are_refused_for_python_inputs():
    import pandas as pd

    from spark_signature import InferenceError, infer_signature

    with pytest.raises(InferenceError, match="Spark DataFrames only"):
        infer_signature(pd.DataFrame({"a": [1]}), mode="full")
