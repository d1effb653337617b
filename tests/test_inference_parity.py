"""Parity of spark_signature's Python-data inference with MLflow 3.x (the oracle), over generated data.

For every generated input:
* ``infer_schema``: MLflow accepts  <=> we accept; when both accept, the JSON is identical and the
  integer-column ``UserWarning`` is issued by both or by neither. When MLflow refuses, we raise
  ``InferenceError``.
* ``infer_signature``: ``to_dict()`` is identical (MLflow swallows schema errors into ``any``), or both
  raise (params errors, pydantic inputs).
* ``infer_param_schema``: same JSON, or both refuse.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import warnings
from dataclasses import make_dataclass
from decimal import Decimal
from typing import Optional

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

mlflow_utils = pytest.importorskip("mlflow.types.utils")
mlflow_signature = pytest.importorskip("mlflow.models.signature")

from spark_signature.errors import InferenceError  # noqa: E402
from spark_signature.inference import infer_param_schema, infer_schema, infer_signature  # noqa: E402

HINT = "Hint: Inferred schema contains integer column(s)"

# A deterministic, quick run by default; PARITY_EXAMPLES=5000 explores (randomly) for longer.
_EXAMPLES = int(os.environ.get("PARITY_EXAMPLES", "0"))
PARITY = settings(
    max_examples=_EXAMPLES or 120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    derandomize=not _EXAMPLES,
    database=None,
)


# --------------------------------------------------------------------------------------------------
# oracle comparison
# --------------------------------------------------------------------------------------------------


def _run(fn, *args):
    """(result, exception, integer hint issued?) of ``fn(*args)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, error = fn(*args), None
        except Exception as exc:
            result, error = None, exc
    hinted = any(HINT in str(w.message) for w in caught)
    return result, error, hinted


def _odd_names(schema) -> bool:
    """MLflow writes any column label as a name (NaN, 1.5, True, tuples); our ColSpec allows str/int."""
    return any(
        spec.name is not None and (isinstance(spec.name, bool) or not isinstance(spec.name, (str, int)))
        for spec in schema.inputs
    )


def assert_schema_parity(data):
    theirs, their_error, their_hint = _run(mlflow_utils._infer_schema, data)
    ours, our_error, our_hint = _run(infer_schema, data)
    if their_error is None and _odd_names(theirs):  # a deliberate deviation of spark_signature.types
        assert isinstance(our_error, InferenceError), f"expected a refusal of {theirs.inputs}"
        return
    if their_error is not None:
        assert isinstance(our_error, InferenceError), (
            f"MLflow refuses ({their_error!r}) but we give {ours and ours.to_json()} / {our_error!r}"
        )
        return
    assert our_error is None, f"MLflow gives {theirs.to_json()} but we raise {our_error!r}"
    assert ours.to_json() == theirs.to_json()
    assert our_hint == their_hint


def assert_signature_parity(model_input=None, model_output=None, params=None):
    theirs, their_error, _ = _run(lambda: mlflow_signature.infer_signature(model_input, model_output, params))
    ours, our_error, _ = _run(lambda: infer_signature(model_input, model_output, params))
    if their_error is not None:
        assert our_error is not None, f"MLflow raises {their_error!r} but we give {ours.to_dict()}"
        return
    if not _mlflow_can_write(theirs):  # no JSON to compare with
        return
    assert our_error is None, f"MLflow gives {theirs.to_dict()} but we raise {our_error!r}"
    expected = theirs.to_dict()
    for key in ("inputs", "outputs"):
        schema = getattr(theirs, key)
        if schema is not None and _odd_names(schema):  # we refuse such names: `any` + a warning
            expected[key] = '[{"type": "any", "required": true}]'
    assert ours.to_dict() == expected


def _mlflow_can_write(signature_or_params) -> bool:
    """MLflow builds some params it cannot write (a NaT default, bytes inside an object default)."""
    try:
        signature_or_params.to_dict() if hasattr(signature_or_params, "outputs") else signature_or_params.to_json()
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def assert_params_parity(params):
    theirs, their_error, _ = _run(mlflow_utils._infer_param_schema, params)
    ours, our_error, _ = _run(infer_param_schema, params)
    if their_error is not None:
        assert isinstance(our_error, InferenceError), (
            f"MLflow refuses ({their_error!r}) but we give {ours and ours.to_json()} / {our_error!r}"
        )
        return
    if not _mlflow_can_write(theirs):  # no JSON to compare with
        assert our_error is None or isinstance(our_error, InferenceError)
        return
    assert our_error is None, f"MLflow gives {theirs.to_json()} but we raise {our_error!r}"
    assert ours.to_json() == theirs.to_json()


# --------------------------------------------------------------------------------------------------
# strategies: values
# --------------------------------------------------------------------------------------------------

ODD_SCALARS = [
    float("nan"),
    np.nan,
    pd.NA,
    pd.NaT,
    np.float64("nan"),
    np.float32(1.5),
    np.float32("nan"),
    np.float16(2.5),
    np.int8(1),
    np.int16(2),
    np.int32(3),
    np.int64(4),
    np.uint8(5),
    np.uint32(6),
    np.uint64(7),
    np.longlong(8),
    np.bool_(True),
    np.str_("s"),
    np.bytes_(b"b"),
    bytearray(b"x"),
    dt.date(2020, 1, 2),
    dt.datetime(2020, 1, 2, 3, 4),
    dt.datetime(2020, 1, 2, tzinfo=dt.UTC),
    np.datetime64("2020-01-01"),
    np.datetime64("2020-01-01T00:00:00.000000000"),
    np.datetime64("NaT"),
    pd.Timestamp("2020-01-01"),
    dt.timedelta(days=1),
    Decimal("1.5"),
    complex(1, 2),
    (1, 2),
    object(),
    np.array([]),
    np.array([1, 2]),
    np.array(["a", "bc"]),
    np.array([[1.0], [2.0]]),
    np.array(5),
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet="ab", max_size=3),
    st.binary(max_size=3),
    st.sampled_from(ODD_SCALARS),
)

keys = st.sampled_from(["a", "b", "c"])

json_like = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=6,
)

# Homogeneous values, so that many generated inputs are *accepted* (random values mostly conflict).
TYPED = [
    st.integers(-5, 5),
    st.floats(allow_nan=True, width=64),
    st.text(alphabet="xyz", max_size=3),
    st.booleans(),
    st.binary(max_size=3),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    st.lists(st.integers(0, 3) | st.none(), max_size=3),
    st.lists(st.text(alphabet="xy", max_size=2), max_size=3),
    st.lists(st.lists(st.floats(0, 1), max_size=2), max_size=2),
    st.dictionaries(st.sampled_from(["x", "y", "z"]), st.integers(0, 3) | st.none(), max_size=2),
    st.dictionaries(st.sampled_from(["x", "y"]), st.lists(st.booleans(), max_size=2), max_size=2),
    st.builds(np.int32, st.integers(-5, 5)),
    st.builds(np.float32, st.floats(-1, 1, width=32)),
    st.builds(lambda xs: np.array(xs, dtype=np.int64), st.lists(st.integers(0, 3), max_size=3)),
    st.sampled_from(ODD_SCALARS),
    json_like,
]
typed_strategy = st.sampled_from(TYPED)


@st.composite
def homogeneous_values(draw, n_min=1, n_max=5, missing=(None, float("nan"))):
    """A list of values of one generated kind, sprinkled with missing markers."""
    values = draw(typed_strategy)
    gaps = st.sampled_from(list(missing))
    return draw(st.lists(st.one_of(values, values, gaps) if missing else values, min_size=n_min, max_size=n_max))


# --------------------------------------------------------------------------------------------------
# strategies: containers
# --------------------------------------------------------------------------------------------------


@st.composite
def records(draw):
    """A list of dicts; keys are missing, None or NaN at random; each key has one generated kind."""
    names = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=0, max_size=3, unique=True))
    kinds = {name: draw(typed_strategy) for name in names}
    n = draw(st.integers(1, 4))
    out = []
    for _ in range(n):
        record = {}
        for name in names:
            choice = draw(st.sampled_from(["value", "value", "value", "absent", "none", "nan"]))
            if choice == "value":
                record[name] = draw(kinds[name])
            elif choice == "none":
                record[name] = None
            elif choice == "nan":
                record[name] = float("nan")
        out.append(record)
    return out


NUMPY_DTYPES = [
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex128",
    "datetime64[ns]",
    "datetime64[us]",
    "datetime64[s]",
    "timedelta64[ns]",
    "<U3",
    "S2",
]

numpy_arrays = st.sampled_from(NUMPY_DTYPES).flatmap(
    lambda dtype: hnp.arrays(np.dtype(dtype), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
)

EXTENSION_DTYPES = {
    "Int8": st.integers(-100, 100),
    "Int16": st.integers(-100, 100),
    "Int32": st.integers(-100, 100),
    "Int64": st.integers(-100, 100),
    "UInt8": st.integers(0, 100),
    "UInt32": st.integers(0, 100),
    "UInt64": st.integers(0, 100),
    "Float32": st.floats(-1, 1, width=32),
    "Float64": st.floats(-1, 1),
    "boolean": st.booleans(),
    "string": st.text(alphabet="ab", max_size=2),
    "string[pyarrow]": st.text(alphabet="ab", max_size=2),
    "str": st.text(alphabet="ab", max_size=2),
}

ARROW_TYPES = {
    "int64": (pa.int64(), st.integers(-5, 5)),
    "int32": (pa.int32(), st.integers(-5, 5)),
    "int16": (pa.int16(), st.integers(-5, 5)),
    "uint64": (pa.uint64(), st.integers(0, 5)),
    "float32": (pa.float32(), st.floats(-1, 1, width=32)),
    "float64": (pa.float64(), st.floats(-1, 1)),
    "bool": (pa.bool_(), st.booleans()),
    "string": (pa.string(), st.text(alphabet="ab", max_size=2)),
    "binary": (pa.binary(), st.binary(max_size=2)),
    "list": (pa.list_(pa.int64()), st.lists(st.integers(0, 3), max_size=2)),
    "struct": (
        pa.struct([("x", pa.int64()), ("y", pa.string())]),
        st.fixed_dictionaries({"x": st.integers(0, 3), "y": st.just("v")}),
    ),
    "date32": (pa.date32(), st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1))),
    "timestamp": (
        pa.timestamp("us"),
        st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    ),
    "decimal": (pa.decimal128(5, 2), st.decimals(-10, 10, places=2, allow_nan=False)),
    "duration": (pa.duration("s"), st.integers(0, 1000).map(lambda s: dt.timedelta(seconds=s))),
}


@st.composite
def series_values(draw, n):
    """One pandas column of length n of a randomly chosen family (numpy/extension/Arrow/object/...)."""
    family = draw(st.sampled_from(["numpy", "extension", "arrow", "object", "object", "category", "tz"]))
    if family == "numpy":
        dtype = np.dtype(draw(st.sampled_from(NUMPY_DTYPES)))
        return pd.Series(draw(hnp.arrays(dtype, n)))
    if family == "extension":
        dtype = draw(st.sampled_from(sorted(EXTENSION_DTYPES)))
        values = draw(st.lists(EXTENSION_DTYPES[dtype] | st.none(), min_size=n, max_size=n))
        return pd.Series(values, dtype=dtype)
    if family == "arrow":
        arrow_type, element = ARROW_TYPES[draw(st.sampled_from(sorted(ARROW_TYPES)))]
        values = draw(st.lists(element | st.none(), min_size=n, max_size=n))
        return pd.Series(pd.array(values, dtype=pd.ArrowDtype(arrow_type)))
    if family == "category":
        pool = st.sampled_from(["x", "y", None]) if draw(st.booleans()) else st.sampled_from([1, 2, None])
        return pd.Series(pd.Categorical(draw(st.lists(pool, min_size=n, max_size=n))))
    if family == "tz":
        return pd.Series(pd.date_range("2020-01-01", periods=n, freq="D", tz="UTC"))
    values = draw(homogeneous_values(n_min=n, n_max=n, missing=(None, float("nan"), pd.NA)))
    return pd.Series(values, dtype=object)


@st.composite
def dataframes(draw):
    """Columns of mixed families; labels are str, int or None and may repeat (refusal parity)."""
    n = draw(st.integers(0, 4))
    label = st.sampled_from(["a", "b", "c", "d"]) | st.integers(0, 3) | st.none()
    labels = draw(st.lists(label, min_size=0, max_size=4))
    if not labels:
        return pd.DataFrame(index=range(n))
    frame = pd.concat([draw(series_values(n)) for _ in labels], axis=1, ignore_index=True)
    frame.columns = labels
    return frame


@st.composite
def named_series(draw):
    n = draw(st.integers(0, 4))
    series = draw(series_values(n))
    series.name = draw(st.sampled_from([None, "s", 0]))
    return series


tensor_dicts = st.dictionaries(keys, numpy_arrays, max_size=3)
column_dicts = st.dictionaries(keys | st.integers(0, 1), json_like | numpy_arrays, max_size=3)

param_values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.sampled_from(TYPED).flatmap(lambda s: st.lists(s, max_size=3)),
    st.lists(st.lists(st.integers(0, 2), max_size=2), max_size=2),
    hnp.arrays(
        st.sampled_from(["int32", "int64", "float32", "float64", "bool", "<U2", "datetime64[D]", "datetime64[ns]"]),
        hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
    ),
    st.dictionaries(keys, json_like, max_size=3),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
)
params_dicts = st.dictionaries(st.sampled_from(["a", "b", "k"]) | st.integers(0, 1), param_values, max_size=3)


# --------------------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------------------


@PARITY
@given(dataframes())
def test_dataframes(frame):
    assert_schema_parity(frame)


@PARITY
@given(named_series())
def test_series(series):
    assert_schema_parity(series)


@PARITY
@given(numpy_arrays)
def test_numpy_arrays(array):
    assert_schema_parity(array)


@PARITY
@given(tensor_dicts)
def test_dicts_of_arrays(data):
    assert_schema_parity(data)


@PARITY
@given(column_dicts)
def test_dicts_of_values(data):
    assert_schema_parity(data)


@PARITY
@given(records())
def test_lists_of_dicts(data):
    assert_schema_parity(data)


@PARITY
@given(homogeneous_values(n_min=0, n_max=5))
def test_homogeneous_lists(data):
    assert_schema_parity(data)


@PARITY
@given(st.lists(json_like, max_size=4))
def test_random_lists(data):
    assert_schema_parity(data)


@PARITY
@given(json_like)
def test_scalars_and_nested_values(data):
    assert_schema_parity(data)


@PARITY
@given(params_dicts)
def test_params(params):
    assert_params_parity(params)


@settings(PARITY, max_examples=_EXAMPLES or 60)
@given(
    st.one_of(dataframes(), numpy_arrays, records(), json_like, st.none()),
    st.one_of(named_series(), numpy_arrays, homogeneous_values(), st.none()),
    st.one_of(params_dicts, st.none(), st.just({})),
)
def test_signatures(model_input, model_output, params):
    assert_signature_parity(model_input, model_output, params)


# --------------------------------------------------------------------------------------------------
# a fixed corpus of known-tricky inputs (each one documented in mlflow-semantics.md §1b)
# --------------------------------------------------------------------------------------------------


def _sparse(kind, dtype):
    sparse = pytest.importorskip("scipy.sparse")
    return getattr(sparse, kind)(np.eye(3, 4, dtype=dtype))


def _matrix(rows):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(rows)


CORPUS = {
    "empty list": [],
    "list of empty dicts": [{}, {}],
    "records NaN vs None": [{"a": 1.0, "b": 1}, {"a": float("nan"), "b": None}, {"c": "x"}],
    "records int vs float": [{"a": 1}, {"a": 1.5}],
    "records nested": [{"o": {"x": 1}}, {"o": {"y": "s"}}, {"o": None}],
    "records empty lists": [{"l": []}, {"l": []}],
    "records non-str key": [{1: "a"}],
    "records None key": [{None: "a"}],
    "dict of arrays": {"a": np.array([1, 2]), "b": np.array(["x", "yy"]), "c": np.array([b"q"])},
    "dict of 0-d array": {"a": np.array(1)},
    "dict mixed": {"a": np.array([1]), "b": 1, "c": [1, None], "d": None, "e": []},
    "dict empty ndarray value": {"a": np.array([]), "b": 1},
    "dict int key": {1: 2},
    "empty dict": {},
    "dict nested int key": {"a": {1: 2}},
    "list with None": [1, None],
    "list str None": ["a", None],
    "list of empty lists": [[], []],
    "list mixed": [1, "a"],
    "list long double": [1, 2.5],
    "list of None": [None],
    "list of empty arrays": [np.array([]), np.array([])],
    "list of arrays": [np.array([1, 2]), np.array([3])],
    "list of 2d arrays": [np.array([[1.0, 2.0]])],
    "list of np.matrix (endless recursion)": [_matrix([[1, 2]])],
    "list objects then None": [None, {"a": 1}],
    "None": None,
    "nan": float("nan"),
    "float32 nan": np.float32("nan"),
    "Timestamp": pd.Timestamp("2020-01-01"),
    "Decimal": Decimal("1.5"),
    "tuple": (1, 2),
    "str": "text",
    "bytes": b"raw",
    "np.int16": np.int16(1),
    "0-d array": np.array(3),
    "empty array": np.array([]),
    "ragged object array": np.array([[1], [1, 2]], dtype=object),
    "str array": np.array(["a", "bcd"]),
    "bytes array": np.array([b"a"]),
    "csr": _sparse("csr_matrix", np.float32),
    "csc": _sparse("csc_matrix", np.int64),
    "csr_array (refused)": _sparse("csr_array", np.float64),
    "df int with NaN": pd.DataFrame({"a": [1, None]}),
    "df object int None": pd.DataFrame({"a": pd.Series([1, None], dtype=object)}),
    "df all None": pd.DataFrame({"a": pd.Series([None, None], dtype=object)}),
    "df all NaN object": pd.DataFrame({"a": pd.Series([np.nan, np.nan], dtype=object)}),
    "df Decimal": pd.DataFrame({"a": [Decimal("1.5")]}),
    "df int+float object": pd.DataFrame({"a": pd.Series([1, 2.5], dtype=object)}),
    "df bool+int object": pd.DataFrame({"a": pd.Series([True, 1], dtype=object)}),
    "df list column": pd.DataFrame({"a": [[1, None], [None]], "b": [[1], None]}),
    "df dict column": pd.DataFrame({"a": [{"x": 1}, {"y": 2.0}]}),
    "df ndarray column": pd.DataFrame({"a": [np.array([[1, 2]]), np.array([[3, 4]])]}),
    "df datetime units": pd.DataFrame(
        {
            "ns": pd.to_datetime(["2020-01-01"]),
            "s": np.array(["2020-01-01"], dtype="datetime64[s]"),
            "tz": pd.to_datetime(["2020-01-01"]).tz_localize("UTC"),
        }
    ),
    "df Timestamp objects": pd.DataFrame({"a": pd.Series([pd.Timestamp("2020-01-01"), None], dtype=object)}),
    "df Int64 NA": pd.DataFrame({"a": pd.array([1, None], dtype="Int64")}),
    "df boolean NA": pd.DataFrame({"a": pd.array([True, None], dtype="boolean")}),
    "df uint": pd.DataFrame(
        {
            "u8": np.array([1], dtype="uint8"),
            "u16": np.array([1], dtype="uint16"),
            "u32": np.array([1], dtype="uint32"),
            "f16": np.array([1], dtype="float16"),
        }
    ),
    "df uint64": pd.DataFrame({"a": np.array([1], dtype="uint64")}),
    "df timedelta": pd.DataFrame({"a": pd.to_timedelta([1], unit="s")}),
    "df category str": pd.DataFrame({"a": pd.Categorical(["x", None])}),
    "df category int": pd.DataFrame({"a": pd.Categorical([1, 2])}),
    "df duplicate labels": pd.DataFrame([[1, 2]], columns=["a", "a"]),
    "df int labels": pd.DataFrame({0: [1.0], 1: ["x"]}),
    "df None label": pd.DataFrame({None: [1.0]}),
    "df mixed None label": pd.DataFrame([[1.0, 2.0]], columns=[None, "a"]),
    "df no columns": pd.DataFrame(index=[0, 1]),
    "df empty object column": pd.DataFrame({"a": pd.Series([], dtype=object)}),
    "df str with NaN": pd.DataFrame({"a": ["x", None]}),
    "df bytes": pd.DataFrame({"a": [b"x", b"y"]}),
    "df arrow list": pd.DataFrame({"a": pd.Series([[1], None], dtype=pd.ArrowDtype(pa.list_(pa.int64())))}),
    "df arrow struct": pd.DataFrame({"a": pd.Series([{"x": 1}], dtype=pd.ArrowDtype(pa.struct([("x", pa.int64())])))}),
    "df arrow decimal": pd.DataFrame({"a": pd.Series([Decimal("1")], dtype=pd.ArrowDtype(pa.decimal128(5, 2)))}),
    "series unnamed NaN": pd.Series([1.0, np.nan]),
    "series unnamed": pd.Series([1, 2]),
    "series int name": pd.Series(["a"], name=0),
}


@pytest.mark.parametrize("data", CORPUS.values(), ids=CORPUS.keys())
def test_corpus_schema(data):
    assert_schema_parity(data)


@pytest.mark.parametrize("data", CORPUS.values(), ids=CORPUS.keys())
def test_corpus_signature(data):
    assert_signature_parity(data, data)


PARAMS_CORPUS = {
    "scalars": {"i": 1, "f": 1.5, "s": "x", "b": True, "n": np.int32(3), "f32": np.float32(1.5)},
    "int list to double": {"a": [1, 2.5]},
    "int and str list": {"a": [1, "a"]},
    "bool and int list": {"a": [True, 1]},
    "empty list": {"a": []},
    "int32 array": {"a": np.array([1, 2], dtype=np.int32)},
    "2d list": {"a": [[1]]},
    "0-d array": {"a": np.array(1)},
    "list of tuples": {"a": [(1, 2)]},
    "datetime": {"a": dt.datetime(2020, 1, 1), "b": dt.date(2020, 1, 2), "c": np.datetime64("2020-01-01")},
    "datetime64 ns": {"a": np.datetime64("2020-01-01T00:00:00.000000000")},
    "Timestamp": {"a": pd.Timestamp("2020-01-01")},
    "bytes": {"a": b"x"},
    "huge int": {"a": 2**70},
    "uint64-sized int": {"a": 2**63},
    "uint8": {"a": np.uint8(1)},
    "float16": {"a": np.float16(1.5)},
    "Decimal": {"a": Decimal("1.5")},
    "complex": {"a": 1j},
    "dict": {"a": {"x": 1, "y": [1, 2], "z": None}},
    "empty dict": {"a": {}},
    "None": {"a": None},
    "tuple": {"a": (1, 2)},
    "nan": {"a": float("nan")},
    "duplicate names": {1: 1, "1": 2},
    "not a dict": [1, 2],
    "datetime list": {"a": [dt.date(2020, 1, 1), dt.datetime(2020, 1, 1)]},
    "None list": {"a": [None]},
    "str list with None": {"a": ["a", None]},
}


@pytest.mark.parametrize("params", PARAMS_CORPUS.values(), ids=PARAMS_CORPUS.keys())
def test_corpus_params(params):
    assert_params_parity(params)
    assert_signature_parity(pd.DataFrame({"x": [1.0]}), None, params)


# --------------------------------------------------------------------------------------------------
# dataclasses (described by their annotations; built with make_dataclass so annotations are real types)
# --------------------------------------------------------------------------------------------------

_Inner = make_dataclass("Inner", [("x", int), ("tags", list[str]), ("maybe", float | None)])
_Base = make_dataclass("Base", [("base", str)])
DATACLASSES = {
    "scalars": make_dataclass(
        "Scalars", [("i", int), ("f", float), ("s", str), ("b", bool), ("raw", bytes), ("d", dt.date)]
    ),
    "optional and lists": make_dataclass(
        "Lists",
        [("o", Optional[int]), ("l", list[int]), ("lo", list[str] | None)],  # noqa: UP045
    ),
    "nested": make_dataclass("Nested", [("inner", _Inner), ("inners", list[_Inner]), ("oi", _Inner | None)]),
    "inherited": make_dataclass("Child", [("child", int)], bases=(_Base,)),
    "datetime field": make_dataclass("When", [("t", dt.datetime)]),
    "union field": make_dataclass("U", [("u", int | str)]),
    "optional union of three": make_dataclass("U3", [("u", int | str | None)]),
    "nested list of dataclasses": make_dataclass("NL", [("n", make_dataclass("Holder", [("items", list[_Inner])]))]),
    "nested union": make_dataclass("NU", [("n", make_dataclass("H2", [("v", int | str | None)]))]),
    "bare list": make_dataclass("BL", [("l", list)]),
    "list of lists": make_dataclass("LL", [("l", list[list[int]])]),
    "empty": make_dataclass("Empty", []),
}


@pytest.mark.parametrize("cls", DATACLASSES.values(), ids=DATACLASSES.keys())
def test_dataclasses(cls):
    assert_signature_parity(cls, None)
    try:
        instance = cls(*([None] * len(dataclasses.fields(cls))))
    except TypeError:
        return
    assert_signature_parity(instance, instance)
