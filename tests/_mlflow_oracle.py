"""The MLflow oracle for ``compat="mlflow"`` on pandas / numpy / scipy / list / dict inputs.

Every case is one input and one signature. It goes through MLflow 3.17.2's own enforcement
(``mlflow.models.utils._enforce_schema``, which ``mlflow.models.validate_schema`` calls and whose return
value is the converted input) and through ``spark_signature.validate_schema(..., compat="mlflow")``;
:func:`compare` says whether both took the same accept / reject decision and, when both accept, whether
the outputs hold the same values with the same dtypes.

The cases are exhaustive products (no sampling): every pandas column source (numpy, nullable, pyarrow,
object columns holding each Python type, mixes, None/NaN-only) x every DataType x required/optional;
object columns of lists, dicts, arrays and scalars x Array / Object / Map / Any types; tensors given as
arrays, DataFrames, lists, dicts and sparse matrices; unnamed and integer-named columns and the input
shapes MLflow normalises (Series, dict, list, scalar, ndarray). Each factory builds fresh data, because
MLflow mutates dicts in place.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import decimal
import logging
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from spark_signature import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    Property,
    Schema,
    SchemaEnforcementError,
    TensorSpec,
)
from spark_signature.enforcement.local import validate_schema

# ---- the cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    category: str  # scalar | scalar-vs-composite | composite | tensor | shape
    data: Callable[[], Any]  # a fresh input on every call
    schema: Schema
    source: str = ""  # the catalogue name of the input (for deviation rules)
    target: str = ""  # the catalogue name of the declared type


def _s(values: list, dtype: Any = None) -> Callable[[], pd.Series]:
    """A factory of fresh Series: the values are deep-copied, because MLflow mutates dicts in place."""
    return lambda: pd.Series(copy.deepcopy(values), dtype=dtype)


UTC = dt.UTC
D0, D1 = dt.date(2020, 1, 1), dt.date(2021, 6, 30)
T0, T1 = dt.datetime(2020, 1, 1, 12, 30), dt.datetime(2021, 6, 30, 8)
DEC = decimal.Decimal

#: name -> factory of a 2-3 row pandas Series: every dtype family MLflow meets.
SCALAR_SOURCES: dict[str, Callable[[], pd.Series]] = {
    # numpy
    "bool": _s([True, False]),
    "int8": _s([1, -2], "int8"),
    "int16": _s([1, 300], "int16"),
    "int32": _s([1, 70000], "int32"),
    "int64": _s([1, 5]),
    "int64_01": _s([1, 0]),
    "uint8": _s([1, 200], "uint8"),
    "uint16": _s([1, 0], "uint16"),
    "uint32": _s([1, 0], "uint32"),
    "uint64": _s([1, 0], "uint64"),
    "float16": _s([1.5, 0], "float16"),
    "float32": _s([1.5, 0], "float32"),
    "float32_nan": _s([1.5, np.nan], "float32"),
    "float64": _s([1.5, 0.25]),
    "float64_int": _s([1.0, 2.0]),
    "float64_nan": _s([1.5, np.nan]),
    "float64_nan_int": _s([1.0, np.nan]),
    "float64_all_nan": _s([np.nan, np.nan]),
    "complex": _s([1 + 1j, 2]),
    "timedelta": lambda: pd.Series(pd.to_timedelta([1, 2], unit="s")),
    "dt64_ns": lambda: pd.Series(pd.to_datetime(["2020-01-01 00:00", "2021-01-01 10:00"])).astype("datetime64[ns]"),
    "dt64_us_nat": lambda: pd.Series(pd.to_datetime(["2020-01-01", None])).astype("datetime64[us]"),
    "dt64_s": lambda: pd.Series(np.array(["2020-01-01", "2021-02-03"], dtype="datetime64[s]")),
    "dt64_utc": lambda: pd.Series(pd.to_datetime(["2020-01-01"]).tz_localize("UTC")),
    "np_bytes_S": lambda: pd.Series(np.array([b"ab", b"c"])),
    "str": _s(["a", "b"]),
    "str_none": _s(["a", None]),
    "category": _s(["a", "b"], "category"),
    "category_int": _s([1, 2], "category"),
    # pandas nullable
    "Int8": _s([1, 2], "Int8"),
    "Int32_na": _s([1, None], "Int32"),
    "Int64": _s([1, 2], "Int64"),
    "Int64_01": _s([1, 0], "Int64"),
    "Int64_na": _s([1, None], "Int64"),
    "UInt8": _s([1, 2], "UInt8"),
    "UInt64": _s([1, 2], "UInt64"),
    "Float32": _s([1.5, 2], "Float32"),
    "Float64_na": _s([1.5, None], "Float64"),
    "boolean": _s([True, False], "boolean"),
    "boolean_na": _s([True, None], "boolean"),
    "string_python": _s(["a", "b"], "string[python]"),
    "string_python_na": _s(["a", None], "string[python]"),
    "string_pyarrow": _s(["a", "b"], "string[pyarrow]"),
    # pandas pyarrow-backed
    "i8pa": _s([1, 2], "int8[pyarrow]"),
    "i32pa": _s([1, 2], "int32[pyarrow]"),
    "i64pa": _s([1, 2], "int64[pyarrow]"),
    "i64pa_01": _s([1, 0], "int64[pyarrow]"),
    "i64pa_na": _s([1, None], "int64[pyarrow]"),
    "u16pa": _s([1, 2], "uint16[pyarrow]"),
    "f32pa": _s([1.5, 2], "float[pyarrow]"),
    "f64pa_na": _s([1.5, None], "double[pyarrow]"),
    "boolpa": _s([True, False], "bool[pyarrow]"),
    "boolpa_na": _s([True, None], "bool[pyarrow]"),
    "arrow_string": _s(["a", "b"], pd.ArrowDtype(pa.string())),
    "arrow_string_na": _s(["a", None], pd.ArrowDtype(pa.string())),
    "arrow_large_string": _s(["a", "b"], pd.ArrowDtype(pa.large_string())),
    "arrow_binary": _s([b"a", b"b"], pd.ArrowDtype(pa.binary())),
    "arrow_date32": _s([D0, D1], pd.ArrowDtype(pa.date32())),
    "arrow_ts_us": _s([T0, T1], pd.ArrowDtype(pa.timestamp("us"))),
    "arrow_ts_utc": _s([T0, T1], pd.ArrowDtype(pa.timestamp("us", tz="UTC"))),
    "arrow_decimal": _s([DEC("1.5"), DEC("2.25")], pd.ArrowDtype(pa.decimal128(5, 2))),
    # object columns holding one Python type
    "obj_str": _s(["a", "b"], object),
    "obj_str_none": _s(["a", None], object),
    "obj_str_nan": _s(["a", np.nan], object),
    "obj_num_str": _s(["1.5", "2"], object),
    "obj_date_str": _s(["2020-01-01", "2021-06-30"], object),
    "obj_int": _s([1, 2], object),
    "obj_int_01": _s([1, 0], object),
    "obj_int_none": _s([1, None], object),
    "obj_int_nan": _s([1, np.nan], object),
    "obj_big_int": _s([2**70, 1], object),
    "obj_float": _s([1.5, 2.5], object),
    "obj_float_none": _s([1.5, None], object),
    "obj_bool": _s([True, False], object),
    "obj_bool_none": _s([True, None], object),
    "obj_bool_nan": _s([True, np.nan], object),
    "obj_bytes": _s([b"a", b"b"], object),
    "obj_bytes_none": _s([b"a", None], object),
    "obj_bytearray": _s([bytearray(b"a"), bytearray(b"b")], object),
    "obj_decimal": _s([DEC("1.5"), DEC("2")], object),
    "obj_decimal_none": _s([DEC("1.5"), None], object),
    "obj_date": _s([D0, D1], object),
    "obj_date_none": _s([D0, None], object),
    "obj_datetime": _s([T0, T1], object),
    "obj_datetime_none": _s([T0, None], object),
    "obj_datetime_tz": _s([T0.replace(tzinfo=UTC), T1.replace(tzinfo=UTC)], object),
    "obj_timestamp": _s([pd.Timestamp(T0), pd.Timestamp(T1)], object),
    "obj_np_datetime64": _s([np.datetime64("2020-01-01"), np.datetime64("2021-01-01")], object),
    "obj_time": _s([dt.time(1, 2), dt.time(3, 4)], object),
    "obj_timedelta": _s([dt.timedelta(seconds=1), dt.timedelta(seconds=2)], object),
    "obj_np_int64": _s([np.int64(1), np.int64(2)], object),
    "obj_np_int32": _s([np.int32(1), np.int32(2)], object),
    "obj_np_float32": _s([np.float32(1.5), np.float32(2)], object),
    "obj_np_bool": _s([np.bool_(True), np.bool_(False)], object),
    "obj_np_str": _s([np.str_("a"), np.str_("b")], object),
    "obj_complex": _s([1 + 1j, 2j], object),
    "obj_list": _s([[1, 2], [3]], object),
    "obj_dict": _s([{"a": 1}, {"a": 2}], object),
    "obj_tuple": _s([(1, 2), (3,)], object),
    "obj_set": _s([{1}, {2}], object),
    "obj_ndarray": _s([np.array([1, 2]), np.array([3])], object),
    # missing-only object columns (the all-null column of part 4)
    "obj_none_only": _s([None, None], object),
    "obj_one_none": _s([None], object),
    "obj_nan_only": _s([np.nan, np.nan], object),
    "obj_na_only": _s([pd.NA, pd.NA], object),
    "obj_nat_only": _s([pd.NaT, pd.NaT], object),
    "obj_none_nan": _s([None, np.nan], object),
    # mixes
    "obj_int_float": _s([1, 2.5], object),
    "obj_int_str": _s([1, "a"], object),
    "obj_int_numstr": _s([1, "2"], object),
    "obj_int_bool": _s([1, True], object),
    "obj_bool_str": _s([True, "a"], object),
    "obj_bool_int01": _s([True, 0], object),
    "obj_str_bytes": _s(["a", b"b"], object),
    "obj_date_datetime": _s([D0, T1], object),
    "obj_datetime_str": _s([T0, "2021-01-01"], object),
    "obj_int_decimal": _s([1, DEC("2.5")], object),
    "obj_float_decimal": _s([1.5, DEC("2.5")], object),
    "obj_int_list": _s([1, [2]], object),
    "obj_str_dict": _s(["a", {"b": 1}], object),
    "obj_float_str_none": _s([1.5, "a", None], object),
}

SIGNATURE_TYPES = [t.name for t in DataType]


def _colspec(dtype: Any, required: bool, name: Any = "x") -> Schema:
    return Schema([ColSpec(dtype, name, required=required)])


def _frame(series_factory: Callable[[], pd.Series]) -> Callable[[], pd.DataFrame]:
    return lambda: pd.DataFrame({"x": series_factory()})


L, INT, D, F, S, B, BIN, DT = (DataType.long, DataType.integer, DataType.double, DataType.float, DataType.string,
                               DataType.boolean, DataType.binary, DataType.datetime)

#: name -> declared composite type.
COMPOSITE_TYPES: dict[str, Any] = {
    "Array(long)": Array(L),
    "Array(integer)": Array(INT),
    "Array(double)": Array(D),
    "Array(float)": Array(F),
    "Array(string)": Array(S),
    "Array(boolean)": Array(B),
    "Array(binary)": Array(BIN),
    "Array(datetime)": Array(DT),
    "Array(Array(long))": Array(Array(L)),
    "Array(Object)": Array(Object([Property("x", L)])),
    "Array(Any)": Array(AnyType()),
    "Object(x,y?)": Object([Property("x", L), Property("y", S, required=False)]),
    "Object(x double)": Object([Property("x", D)]),
    "Object(nested)": Object([Property("x", Object([Property("x", L)]))]),
    "Object(x Array)": Object([Property("x", Array(L))]),
    "Map(long)": Map(L),
    "Map(double)": Map(D),
    "Map(string)": Map(S),
    "Map(Array(long))": Map(Array(L)),
    "Map(Any)": Map(AnyType()),
    "Any": AnyType(),
}

#: Composite targets the scalar sources are also run against (a scalar never is a list, dict or map;
#: Any takes anything; all-null columns are the interesting part).
SCALAR_VS_COMPOSITE = ("Array(long)", "Array(string)", "Object(x,y?)", "Map(string)", "Any")

#: name -> factory of an object (or pyarrow nested) Series of composite values.
COMPOSITE_SOURCES: dict[str, Callable[[], pd.Series]] = {
    "list_int": _s([[1, 2], [3]], object),
    "list_int01": _s([[1, 0], [0]], object),
    "list_int_none": _s([[1, None], [3]], object),
    "list_float": _s([[1.5, 2.0], [3.25]], object),
    "list_float_nan": _s([[1.5, np.nan], [3.25]], object),
    "list_float32_arr": _s([np.array([1.5], dtype="float32"), np.array([2.0], dtype="float32")], object),
    "list_str": _s([["a", "b"], ["c"]], object),
    "list_str_none": _s([["a", None], ["c"]], object),
    "list_bool": _s([[True, False], [True]], object),
    "list_bool_none": _s([[True, None], [False]], object),
    "list_bytes": _s([[b"a"], [b"b", b"c"]], object),
    "list_date": _s([[D0], [D1]], object),
    "list_datetime": _s([[T0], [T1, T0]], object),
    "list_mixed": _s([[1, "a"], [2]], object),
    "list_empty": _s([[], [1]], object),
    "list_nested": _s([[[1, 2], [3]], [[4]]], object),
    "list_nested_none": _s([[[1], None], [[4]]], object),
    "list_of_dicts": _s([[{"x": 1}], [{"x": 2}, {"x": 3}]], object),
    "list_of_bad_dicts": _s([[{"x": "a"}], [{"x": 2}]], object),
    "ndarray_int": _s([np.array([1, 2]), np.array([3])], object),
    "ndarray_float": _s([np.array([1.5, 2.0]), np.array([3.0])], object),
    "ndarray_str": _s([np.array(["a", "b"]), np.array(["c"])], object),
    "tuple_int": _s([(1, 2), (3,)], object),
    "list_or_none": _s([[1, 2], None], object),
    "none_only": _s([None, None], object),
    "one_none": _s([None], object),
    "nan_only": _s([np.nan, np.nan], object),
    "dict_xy": _s([{"x": 1, "y": "a"}, {"x": 2}], object),
    "dict_x": _s([{"x": 1}, {"x": 2}], object),
    "dict_x_float": _s([{"x": 1.5}, {"x": 2.0}], object),
    "dict_x_none": _s([{"x": None}, {"x": 2}], object),
    "dict_x_str": _s([{"x": "a"}, {"x": "b"}], object),
    "dict_extra": _s([{"x": 1, "z": 2}, {"x": 2}], object),
    "dict_empty": _s([{}, {"x": 1}], object),
    "dict_or_none": _s([{"x": 1}, None], object),
    "dict_nested": _s([{"x": {"x": 1}}, {"x": {"x": 2}}], object),
    "dict_x_list": _s([{"x": [1, 2]}, {"x": [3]}], object),
    "map_float": _s([{"a": 1.5, "b": 2.0}, {"c": 3.0}], object),
    "map_str": _s([{"a": "x"}, {"b": "y"}], object),
    "map_none_value": _s([{"a": None}, {"b": 1}], object),
    "map_int_keys": _s([{1: 2}, {3: 4}], object),
    "map_list": _s([{"a": [1, 2]}, {"b": [3]}], object),
    "str_values": _s(["a", "b"], object),
    "int_values": _s([1, 2], object),
    "arrow_list_int": _s([[1, 2], [3]], pd.ArrowDtype(pa.list_(pa.int64()))),
    "arrow_list_str_na": _s([["a", None], None], pd.ArrowDtype(pa.list_(pa.string()))),
    "arrow_struct": _s([{"x": 1, "y": "a"}, {"x": 2, "y": None}],
                       pd.ArrowDtype(pa.struct([("x", pa.int64()), ("y", pa.string())]))),
    "arrow_map": _s([[("a", 1.5)], [("b", 2.0)]], pd.ArrowDtype(pa.map_(pa.string(), pa.float64()))),
}


def _tensor(dtype: str, shape: tuple[int, ...], name: str | None = None) -> Schema:
    return Schema([TensorSpec(np.dtype(dtype), shape, name)])


def _sparse(kind: str, dtype: str) -> Callable[[], Any]:
    def make() -> Any:
        import scipy.sparse as sp

        m = np.array([[1, 0, 2], [0, 0, 3]], dtype=dtype)
        return sp.csr_matrix(m) if kind == "csr" else sp.csc_matrix(m)

    return make


#: name -> factory of an unnamed tensor input.
TENSOR_SOURCES: dict[str, Callable[[], Any]] = {
    "nd_f64_2x3": lambda: np.arange(6, dtype="float64").reshape(2, 3),
    "nd_f32_2x3": lambda: np.arange(6, dtype="float32").reshape(2, 3),
    "nd_i64_2x3": lambda: np.arange(6, dtype="int64").reshape(2, 3),
    "nd_i64_3": lambda: np.arange(3, dtype="int64"),
    "nd_f64_2x2x2": lambda: np.zeros((2, 2, 2)),
    "nd_obj_ragged": lambda: np.array([np.zeros(2), np.zeros(3)], dtype=object),
    "nd_str": lambda: np.array(["a", "b"]),
    "list_2x3": lambda: [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]],
    "csr_f64": _sparse("csr", "float64"),
    "csc_f32": _sparse("csc", "float32"),
    "df_1col_float": lambda: pd.DataFrame({"a": [1.5, 2.7]}),
    "df_1col_int": lambda: pd.DataFrame({"a": [1, 2]}),
    "df_1col_lists": lambda: pd.DataFrame({"a": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}),
    "df_1col_ndarrays": lambda: pd.DataFrame({"a": [np.zeros(3), np.ones(3)]}),
    "df_3col_float": lambda: pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 6.0]}),
    "df_3col_int": lambda: pd.DataFrame({"a": [1, 2], "b": [3, 4], "c": [5, 6]}),
    "df_empty": lambda: pd.DataFrame({"a": []}),
    "dict_f64": lambda: {"t": np.zeros((2, 3))},
}

TENSOR_SPECS: dict[str, Schema] = {
    "f64(-1,3)": _tensor("float64", (-1, 3)),
    "f32(-1,3)": _tensor("float32", (-1, 3)),
    "i64(-1,3)": _tensor("int64", (-1, 3)),
    "i64(-1,)": _tensor("int64", (-1,)),
    "f64(-1,)": _tensor("float64", (-1,)),
    "f64(-1,1)": _tensor("float64", (-1, 1)),
    "f64(-1,-1)": _tensor("float64", (-1, -1)),
    "f64(-1,2,2)": _tensor("float64", (-1, 2, 2)),
    "obj(-1,)": _tensor("object", (-1,)),
    "str(-1,)": _tensor("str", (-1,)),
}

#: Named tensor inputs: name -> (factory, schema).
NAMED_TENSOR_CASES: dict[str, tuple[Callable[[], Any], Schema]] = {
    "dict_ok": (lambda: {"t": np.zeros((2, 3))}, _tensor("float64", (-1, 3), "t")),
    "dict_wrong_dtype": (lambda: {"t": np.zeros((2, 3), dtype="float32")}, _tensor("float64", (-1, 3), "t")),
    "dict_wrong_shape": (lambda: {"t": np.zeros((2, 4))}, _tensor("float64", (-1, 3), "t")),
    "dict_list_value": (lambda: {"t": [[0.0, 1.0, 2.0]]}, _tensor("float64", (-1, 3), "t")),
    "dict_missing": (lambda: {"u": np.zeros((2, 3))}, _tensor("float64", (-1, 3), "t")),
    "dict_two": (lambda: {"t": np.zeros((2, 3)), "u": np.ones(2, dtype="int64")},
                 Schema([TensorSpec(np.dtype("float64"), (-1, 3), "t"), TensorSpec(np.dtype("int64"), (-1,), "u")])),
    "ndarray_one_named": (lambda: np.zeros((2, 3)), _tensor("float64", (-1, 3), "t")),
    "df_named_scalars": (lambda: pd.DataFrame({"t": [1.5, 2.5]}), _tensor("float64", (-1,), "t")),
    "df_named_scalars_cast": (lambda: pd.DataFrame({"t": [1.5, 2.7]}), _tensor("int64", (-1,), "t")),
    "df_named_lists": (lambda: pd.DataFrame({"t": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}),
                       _tensor("float64", (-1, 3), "t")),
    "df_named_lists_cast": (lambda: pd.DataFrame({"t": [[1.5, 2.0, 3.0], [4.0, 5.0, 6.0]]}),
                            _tensor("int32", (-1, 3), "t")),
    "df_named_ragged": (lambda: pd.DataFrame({"t": [[1.0, 2.0], [4.0, 5.0, 6.0]]}), _tensor("float64", (-1, 3), "t")),
    "df_named_ndarrays": (lambda: pd.DataFrame({"t": [np.zeros(3), np.ones(3)]}), _tensor("float64", (-1, 3), "t")),
    "df_named_var_dim": (lambda: pd.DataFrame({"t": [[1.0], [2.0]]}), _tensor("float64", (-1, -1), "t")),
    "df_named_missing": (lambda: pd.DataFrame({"u": [1.0]}), _tensor("float64", (-1,), "t")),
    "df_named_strings": (lambda: pd.DataFrame({"t": ["a", "b"]}), _tensor("str", (-1,), "t")),
    "list_named": (lambda: [[0.0, 1.0, 2.0]], _tensor("float64", (-1, 3), "t")),
}

_TWO = Schema([ColSpec(L, "a"), ColSpec(S, "b")])
_TWO_UNNAMED = Schema([ColSpec(L), ColSpec(S)])
_INT_NAMED = Schema([ColSpec(L, 0), ColSpec(S, 1)])

#: Input shapes MLflow normalises, and column naming: name -> (factory, schema).
SHAPE_CASES: dict[str, tuple[Callable[[], Any], Schema]] = {
    "df_named": (lambda: pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), _TWO),
    "df_named_reordered": (lambda: pd.DataFrame({"b": ["x", "y"], "a": [1, 2]}), _TWO),
    "df_named_extra": (lambda: pd.DataFrame({"a": [1], "b": ["x"], "c": [0.5]}), _TWO),
    "df_named_missing": (lambda: pd.DataFrame({"a": [1]}), _TWO),
    "df_named_missing_optional": (lambda: pd.DataFrame({"a": [1]}),
                                  Schema([ColSpec(L, "a"), ColSpec(S, "b", required=False)])),
    "df_named_custom_index": (lambda: pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}, index=[10, 20]), _TWO),
    "df_int_labels_vs_unnamed": (lambda: pd.DataFrame({0: [1, 2], 1: ["x", "y"]}), _TWO_UNNAMED),
    "df_str_labels_vs_unnamed": (lambda: pd.DataFrame({"p": [1, 2], "q": ["x", "y"]}), _TWO_UNNAMED),
    "df_unnamed_extra_cols": (lambda: pd.DataFrame({"p": [1], "q": ["x"], "r": [2.5]}), _TWO_UNNAMED),
    "df_unnamed_too_few": (lambda: pd.DataFrame({"p": [1]}), _TWO_UNNAMED),
    "df_unnamed_wrong_type": (lambda: pd.DataFrame({"p": ["x"], "q": ["y"]}), _TWO_UNNAMED),
    "df_int_labels_vs_int_named": (lambda: pd.DataFrame({0: [1, 2], 1: ["x", "y"]}), _INT_NAMED),
    "df_str_labels_vs_int_named": (lambda: pd.DataFrame({"0": [1, 2], "1": ["x", "y"]}), _INT_NAMED),
    "df_int_labels_vs_str_named": (lambda: pd.DataFrame({0: [1, 2], 1: ["x", "y"]}),
                                   Schema([ColSpec(L, "0"), ColSpec(S, "1")])),
    "ndarray_2d_vs_unnamed": (lambda: np.array([[1, 2], [3, 4]]), Schema([ColSpec(L), ColSpec(L)])),
    "ndarray_2d_float_vs_unnamed": (lambda: np.array([[1.5, 2], [3, 4]]), Schema([ColSpec(D), ColSpec(D)])),
    "ndarray_1d_vs_unnamed": (lambda: np.array([1, 2]), Schema([ColSpec(L)])),
    "ndarray_vs_named": (lambda: np.array([1, 2]), Schema([ColSpec(L, "a")])),
    "series_named": (lambda: pd.Series([1, 2], name="a"), Schema([ColSpec(L, "a")])),
    "series_unnamed_vs_unnamed": (lambda: pd.Series([1, 2]), Schema([ColSpec(L)])),
    "series_unnamed_vs_named": (lambda: pd.Series([1, 2]), Schema([ColSpec(L, "a")])),
    "scalar_int": (lambda: 5, Schema([ColSpec(L)])),
    "scalar_str": (lambda: "hello", Schema([ColSpec(S)])),
    "scalar_str_vs_named": (lambda: "hello", Schema([ColSpec(S, "a")])),
    "scalar_float_vs_long": (lambda: 1.5, Schema([ColSpec(L)])),
    "dict_scalars": (lambda: {"a": 1, "b": "x"}, _TWO),
    "dict_lists": (lambda: {"a": [1, 2], "b": ["x", "y"]}, _TWO),
    "dict_list_of_str": (lambda: {"a": 1, "b": ["x", "y"]}, _TWO),
    "dict_ndarray": (lambda: {"a": np.array([1, 2]), "b": np.array(["x", "y"])}, _TWO),
    "dict_2d_ndarray": (lambda: {"a": np.array([[1, 2], [3, 4]])}, Schema([ColSpec(L, "a")])),
    "dict_for_array_col": (lambda: {"a": [1, 2]}, Schema([ColSpec(Array(L), "a")])),
    "dict_for_map_col": (lambda: {"m": {"k": 1.0}}, Schema([ColSpec(Map(D), "m")])),
    "dict_for_object_col": (lambda: {"o": {"x": 1}}, Schema([ColSpec(Object([Property("x", L)]), "o")])),
    "dict_missing": (lambda: {"a": 1}, _TWO),
    "list_of_dicts": (lambda: [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}], _TWO),
    "list_of_scalars": (lambda: [1, 2, 3], Schema([ColSpec(L)])),
    "list_of_lists": (lambda: [[1, "x"], [2, "y"]], _TWO_UNNAMED),
    "list_of_str_vs_named": (lambda: ["a", "b"], Schema([ColSpec(S, "a")])),
    "tuple_input": (lambda: (1, 2), Schema([ColSpec(L)])),
    "set_input": (lambda: {1, 2}, Schema([ColSpec(L)])),
}


def cases() -> Iterator[Case]:
    """Every case of the oracle, in a stable order."""
    for source, make in SCALAR_SOURCES.items():
        for target in SIGNATURE_TYPES:
            for required in (True, False):
                yield Case(f"{source}->{target}{'' if required else '?'}", "scalar", _frame(make),
                           _colspec(target, required), source, target)
        for target in SCALAR_VS_COMPOSITE:
            for required in (True, False):
                yield Case(f"{source}->{target}{'' if required else '?'}", "scalar-vs-composite", _frame(make),
                           _colspec(COMPOSITE_TYPES[target], required), source, target)
    for source, make in COMPOSITE_SOURCES.items():
        for target, dtype in COMPOSITE_TYPES.items():
            for required in (True, False):
                yield Case(f"{source}->{target}{'' if required else '?'}", "composite", _frame(make),
                           _colspec(dtype, required), source, target)
    for source, make in TENSOR_SOURCES.items():
        for target, schema in TENSOR_SPECS.items():
            yield Case(f"{source}->{target}", "tensor", make, schema, source, target)
    for name, (make, schema) in NAMED_TENSOR_CASES.items():
        yield Case(f"named-tensor:{name}", "tensor", make, schema, name, "named")
    for name, (make, schema) in SHAPE_CASES.items():
        yield Case(f"shape:{name}", "shape", make, schema, name, "shape")


# ---- running one case through both -------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    output: Any = None  # canonical form of the returned value (when accepted)
    error: str = ""  # the exception's type and first line (when refused)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No warnings, and MLflow's logger (extra-column warnings) silenced, for the duration."""
    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _refusal(exc: Exception) -> Outcome:
    lines = str(exc).splitlines() or [""]
    return Outcome(False, error=f"{type(exc).__name__}: {lines[0][:200]}")


def run_mlflow(case: Case) -> Outcome:
    """MLflow's decision and converted output (any exception counts as a refusal, as for a caller)."""
    from mlflow.models.utils import _enforce_schema
    from mlflow.types.schema import Schema as MlflowSchema

    schema = MlflowSchema.from_json(case.schema.to_json())
    with _quiet():
        try:
            out = _enforce_schema(case.data(), schema)
        except Exception as exc:
            return _refusal(exc)
    return Outcome(True, canon_output(out))


def run_ours(case: Case) -> Outcome:
    """Our decision under compat='mlflow'. Only SchemaEnforcementError is a refusal: anything else raises."""
    with _quiet():
        try:
            out = validate_schema(case.data(), case.schema, compat="mlflow")
        except SchemaEnforcementError as exc:
            return _refusal(exc)
    return Outcome(True, canon_output(out))


# ---- canonical outputs -------------------------------------------------------------------------------


def canon_value(v: Any) -> Any:
    """A comparable form of one value: kind + value, recursively. numpy scalars count as their Python
    value (``np.int64(1)`` and ``1`` are the same output), but kinds never mix (``1`` vs ``1.0`` vs ``True``)."""
    if v is None:
        return ("None",)
    if v is pd.NA:
        return ("NA",)
    if v is pd.NaT:
        return ("NaT",)
    if isinstance(v, (bool, np.bool_)):
        return ("bool", bool(v))
    if isinstance(v, (int, np.integer)):
        return ("int", int(v))
    if isinstance(v, (float, np.floating)):
        return ("nan",) if math.isnan(v) else ("float", float(v))
    if isinstance(v, (str, np.str_)):
        return ("str", str(v))
    if isinstance(v, (bytes, bytearray, np.bytes_)):
        return ("bytes", bytes(v))
    if isinstance(v, decimal.Decimal):
        return ("decimal", str(v))
    if isinstance(v, (pd.Timestamp, dt.datetime, np.datetime64)):
        ts = pd.Timestamp(v)
        return ("NaT",) if ts is pd.NaT else ("datetime", ts.isoformat())
    if isinstance(v, dt.date):
        return ("date", v.isoformat())
    if isinstance(v, np.ndarray):
        return ("ndarray", str(v.dtype), v.shape, tuple(canon_value(x) for x in v.reshape(-1).tolist()))
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, tuple(canon_value(x) for x in v))
    if isinstance(v, dict):
        return ("dict", tuple(sorted((str(k), canon_value(x)) for k, x in v.items())))
    return (type(v).__name__, repr(v))


def canon_output(out: Any) -> Any:
    if isinstance(out, pd.DataFrame):
        return ("DataFrame", tuple((type(c).__name__, str(c)) for c in out.columns), tuple(out.index.tolist()),
                tuple((str(out[c].dtype), tuple(canon_value(v) for v in out[c].tolist())) for c in out.columns))
    if isinstance(out, dict):
        return ("dict", tuple(sorted((str(k), canon_output(v)) for k, v in out.items())))
    if isinstance(out, np.ndarray):
        return canon_value(out)
    if hasattr(out, "tocoo"):  # scipy sparse
        return (type(out).__name__, str(out.dtype), out.shape, canon_value(out.toarray()))
    return canon_value(out)


def compare(case: Case) -> tuple[Outcome, Outcome, str | None]:
    """(MLflow's outcome, ours, the kind of difference: None, 'decision' or 'output')."""
    theirs, ours = run_mlflow(case), run_ours(case)
    if theirs.accepted != ours.accepted:
        return theirs, ours, "decision"
    if theirs.accepted and theirs.output != ours.output:
        return theirs, ours, "output"
    return theirs, ours, None
