"""Input examples: our files are MLflow's byte for byte, and each side reads the other's."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from spark_signature import (
    InputExampleError,
    ModelSignature,
    infer_signature_from_input_example,
    load_input_example,
    load_input_example_params,
    save_input_example,
)
from spark_signature.errors import ModelURIError, SignatureError

mlflow_models = pytest.importorskip("mlflow.models")
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.models.utils import _Example  # noqa: E402
from mlflow.types.utils import TensorsNotSupportedException  # noqa: E402

FILES = ("input_example.json", "serving_input_example.json")


class Prompt(pydantic.BaseModel):
    text: str
    n: int = 2


def _frame_all_types() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "i": [1, 2, 3],
            "f": [1.5, float("nan"), float("inf")],
            "s": ["a", None, "ü€"],
            "o": pd.Series(["x", None, 3], dtype=object),
            "b": [True, False, True],
            "t": pd.to_datetime(["2020-01-01 00:00:00", "2021-06-30 12:34:56.789", None], format="ISO8601"),
            "bin": [b"\x00\x01", b"ab" * 60, b""],
            "arr": [[1, 2], [], [3]],
            "obj": [{"k": 1.0}, {"k": 2.0}, {"k": None}],
        },
        index=["r1", "r2", "r3"],
    )


EXAMPLES: dict[str, Any] = {
    "df_all_types": _frame_all_types(),
    "df_values_orient": pd.DataFrame([[1, 2.5], [3, float("nan")]]),
    "df_float32": pd.DataFrame({"x": np.array([0.1, 0.2], dtype=np.float32), "y": np.array([1, 2], np.int32)}),
    "df_empty": pd.DataFrame({"a": pd.Series([], dtype="int64")}),
    "df_int_column_names": pd.DataFrame({1: [1], 0: [2]}),
    "ndarray_int": np.arange(6).reshape(2, 3),
    "ndarray_nan": np.array([[1.0, np.nan], [np.inf, -0.0]]),
    "ndarray_float32": np.array([0.1, 0.7], dtype=np.float32),
    "ndarray_bool": np.array([True, False]),
    "ndarray_str": np.array(["a", "bc"]),
    "ndarray_bytes": np.array([b"ab", b"c"]),
    "ndarray_datetime_ns": np.array(["2020-01-01T00:00:00.000000001"], dtype="datetime64[ns]"),
    "ndarray_datetime_us": np.array(["2020-01-01T10:00:00"], dtype="datetime64[us]"),
    "ndarray_uint8_image": np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3, 1),
    "dict_of_ndarrays": {"a": np.array([1, 2]), "b": np.array([[0.5, np.nan]])},
    "dict_json": {"a": 1, "b": [1, 2], "c": {"d": "x", "e": None}, "f": float("nan"), "g": b"xyz"},
    "dict_llm_messages": {"messages": [{"role": "user", "content": "hi"}], "temperature": 0.1},
    "dict_llm_prompt": {"prompt": "hello"},
    "list_str": ["a", "b"],
    "list_dicts": [{"a": 1, "b": "x"}, {"a": 2, "b": None}],
    "list_lists": [[1, 2], [3]],
    "list_dates": [dt.date(2020, 1, 2), dt.datetime(2020, 1, 2, 3, 4, 5)],
    "str": "hello",
    "bytes_long": bytes(range(256)),
    "int": 42,
    "float": 0.1,
    "float_nan": float("nan"),
    "bool": True,
    "datetime": dt.datetime(2020, 1, 2, 3, 4, 5, 6),
    "datetime_tz": dt.datetime(2020, 1, 2, tzinfo=dt.UTC),
    "np_int64": np.int64(7),
    "np_float32": np.float32(0.1),
    "np_datetime64": np.datetime64("2020-01-01"),
    "pd_timestamp": pd.Timestamp("2020-01-01 00:00:00.000000001"),
    "csr": sparse.csr_matrix(np.array([[0.0, 1.5], [np.nan, 0.0]])),
    "csc": sparse.csc_matrix(np.array([[0, 2], [3, 0]])),
    "pydantic": Prompt(text="hi"),
    "tuple_df_params": (pd.DataFrame({"x": [1.0]}), {"temperature": 0.5, "suppress_tokens": [101, 102]}),
    "tuple_list_params": (["input"], {"k": 3}),
    "tuple_llm_params": ({"messages": [{"role": "user", "content": "x"}]}, {"max_tokens": 10}),
    "tuple_ndarray_params": (np.array([1, 2]), {"flag": True}),
    "tuple_empty_params": ([1, 2], {}),
}

# Examples MLflow refuses, with the words our error must contain.
REFUSED: dict[str, tuple[Any, str]] = {
    "series": (pd.Series([1, 2]), "to_frame"),
    "date": (dt.date(2020, 1, 1), "datetime.datetime"),
    "time": (dt.time(1, 2), "isoformat"),
    "none": (None, "nothing to save"),
    "three_tuple": (([1], {"a": 1}, 3), "3-tuple"),
    "tuple_non_dict_params": (([1], [1]), "not a params dict"),
    "mixed_dict": ({"a": np.array([1]), "b": 1}, "Mixed types"),
    "list_with_ndarray": ([np.array([1])], "Numpy arrays in list"),
    "set": ({1, 2}, "Expected a pandas DataFrame"),
    "decimal": (Decimal("1.5"), "not JSON serializable"),
    "params_2d": (([1], {"p": [[1, 2]]}), "Invalid params"),
}


def _save_both(example: Any, tmp_path: Path) -> tuple[Path, Path, dict, dict]:
    theirs, ours = tmp_path / "mlflow", tmp_path / "ours"
    theirs.mkdir()
    mlflow_example = _Example(example)
    mlflow_example.save(str(theirs))
    info = save_input_example(example, ours)
    return theirs, ours, mlflow_example.info, info


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_files_are_byte_identical(name: str, tmp_path: Path) -> None:
    theirs, ours, their_info, our_info = _save_both(EXAMPLES[name], tmp_path)
    assert our_info == their_info
    for file in FILES:
        assert (ours / file).read_bytes() == (theirs / file).read_bytes(), file
    assert sorted(p.name for p in ours.iterdir()) == sorted(FILES)


def test_base64_and_nan_tokens_as_mlflow_writes_them(tmp_path: Path) -> None:
    save_input_example({"b": b"ab" * 40, "x": float("nan")}, tmp_path)
    text = (tmp_path / "input_example.json").read_text()
    encoded = json.loads(text.replace("NaN", "null"))["b"]
    assert encoded.count("\n") == 2 and encoded.endswith("\n") and len(encoded.split("\n")[0]) == 76
    assert '"x": NaN' in text
    assert (tmp_path / "serving_input_example.json").read_text().startswith('{\n  "inputs": {\n    "b": ')


def _model_dir(directory: Path, info: dict, signature: Any | None) -> None:
    mlflow_models.Model(saved_input_example_info=info, signature=signature).save(str(directory / "MLmodel"))


def _same(a: Any, b: Any) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif sparse.issparse(a):
        assert type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype
        for part in ("data", "indices", "indptr"):
            np.testing.assert_array_equal(getattr(a, part), getattr(b, part))
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b)
    else:
        assert a == b and type(a) is type(b)


def _their_signature(example: Any) -> Any:
    data = example[0] if isinstance(example, tuple) else example
    params = example[1] if isinstance(example, tuple) and example[1] else None
    try:
        return mlflow_models.infer_signature(data, params=params)
    except Exception:  # MLflow cannot infer every kind (e.g. some nested frames): read without a schema
        return None


@pytest.mark.parametrize("with_schema", [False, True], ids=["raw", "schema"])
@pytest.mark.parametrize("name", [n for n in EXAMPLES if n not in ("df_all_types",)])
def test_each_side_reads_the_others_files(name: str, with_schema: bool, tmp_path: Path) -> None:
    example = EXAMPLES[name]
    theirs, ours, info, _ = _save_both(example, tmp_path)
    signature = _their_signature(example) if with_schema else None
    for directory in (theirs, ours):
        _model_dir(directory, info, signature)
    for directory in (theirs, ours):
        model = mlflow_models.Model.load(str(directory))
        try:
            expected = model.load_input_example(str(directory))
        except Exception:  # MLflow cannot read it (e.g. a sparse matrix with a NaN): neither do we
            with pytest.raises(SignatureError):
                load_input_example(directory)
            continue
        _same(expected, load_input_example(directory))
        assert load_input_example_params(directory) == model.load_input_example_params(str(directory))


def test_dataframe_with_binary_and_datetime_read_back_with_the_schema(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "bin": [b"\x00\xff" * 50, b"x"],
            "t": pd.to_datetime(["2020-01-01 10:00:00", "2021-02-03 00:00:00"]),
            "n": [1, 2],
            "s": ["a", "b"],
        }
    )
    theirs, ours, info, _ = _save_both(frame, tmp_path)
    signature = mlflow_models.infer_signature(frame)
    for directory in (theirs, ours):
        _model_dir(directory, info, signature)
    expected = mlflow_models.Model.load(str(theirs)).load_input_example(str(theirs))
    got = load_input_example(ours)
    pd.testing.assert_frame_equal(expected, got)
    assert got["bin"].tolist() == frame["bin"].tolist()
    assert got["t"].dtype == np.dtype("datetime64[ns]") and got["n"].dtype == np.int64


def test_explicit_info_and_schema_on_a_plain_directory(tmp_path: Path) -> None:
    from spark_signature import ColSpec, Schema

    info = save_input_example(pd.DataFrame({"x": ["1", "2"]}), tmp_path)
    raw = load_input_example(tmp_path, info=info)
    assert raw["x"].tolist() == ["1", "2"]
    bad = save_input_example(pd.DataFrame({"x": ["1", "two"]}), tmp_path / "bad")
    with pytest.raises(InputExampleError, match=r"Column 'x'.*cannot be converted"):
        load_input_example(tmp_path / "bad", info=bad, schema=Schema([ColSpec("long", "x")]))
    cast = load_input_example(tmp_path, info=info, schema=Schema([ColSpec("long", "x")]))
    assert cast["x"].tolist() == [1, 2] and cast["x"].dtype == np.int64


def test_params_read_back(tmp_path: Path) -> None:
    params = {"temperature": 0.5, "suppress_tokens": [101, 102]}
    info = save_input_example((["input"], params), tmp_path)
    assert info["params"] == "true"
    assert load_input_example(tmp_path, info=info) == ["input"]
    assert load_input_example_params(tmp_path, info=info) == params
    empty = save_input_example((["input"], {}), tmp_path / "empty")
    assert "params" not in empty
    # MLflow's quirk, kept: without the flag the wrapper dict comes back
    assert load_input_example(tmp_path / "empty", info=empty) == {"inputs": ["input"], "params": {}}
    assert load_input_example_params(tmp_path / "empty", info=empty) is None


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_like_mlflow_with_a_fix(name: str, tmp_path: Path) -> None:
    example, words = REFUSED[name]
    with pytest.raises((MlflowException, TensorsNotSupportedException, TypeError)):
        _Example(example)
    target = tmp_path / "out"
    with pytest.raises(InputExampleError) as info:
        save_input_example(example, target)
    assert words in str(info.value)
    assert not target.exists() or not any(target.iterdir())


def test_spark_dataframe_refused_with_the_way_out(spark: Any, tmp_path: Path) -> None:
    df = spark.createDataFrame([(1,)], "a long")
    with pytest.raises(MlflowException, match="Spark Dataframe"):
        _Example(df)
    with pytest.raises(InputExampleError, match="input_example_from_spark"):
        save_input_example(df, tmp_path)


# ---- saved files that do not match their info -----------------------------------------------------


@pytest.mark.parametrize(
    ("info", "content", "words"),
    [
        ({"type": "dataframe", "artifact_path": "input_example.json"}, '["not", "split"]', "dataframe example"),
        ({"type": "dataframe", "artifact_path": "input_example.json"}, '{"data": [[1]], "x": 1}', "dataframe"),
        ({"type": "ndarray", "artifact_path": "input_example.json"}, "[[1, 2], [3]]", "cannot convert"),
        ({"type": "sparse_matrix_csr", "artifact_path": "input_example.json"}, '{"data": []}', "indptr"),
        ({"type": "json_object", "artifact_path": "input_example.json", "params": "true"}, "[1]", "has params"),
        ({"type": "json_object", "artifact_path": "input_example.json"}, "{not json", "not valid JSON"),
        ({"type": "pickle", "artifact_path": "input_example.json"}, "[]", "expected one of"),
        ({"type": "json_object", "artifact_path": "missing.json"}, "[]", "cannot be read"),
    ],
)
def test_example_that_does_not_match_its_info(info: dict, content: str, words: str, tmp_path: Path) -> None:
    (tmp_path / "input_example.json").write_text(content)
    with pytest.raises(InputExampleError, match=words):
        load_input_example(tmp_path, info=info)


@pytest.mark.parametrize("artifact_path", ["../secret.json", "/etc/passwd", "a/../../b.json", "..\\x.json", ""])
def test_example_paths_never_leave_the_model_directory(artifact_path: str, tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (tmp_path / "secret.json").write_text("[1]")
    _model_dir(model, {"type": "json_object", "artifact_path": artifact_path}, None)
    with pytest.raises(ModelURIError):
        load_input_example(model)


def test_symlink_out_of_the_model_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (tmp_path / "secret.json").write_text("[1]")
    (model / "input_example.json").symlink_to(tmp_path / "secret.json")
    _model_dir(model, {"type": "json_object", "artifact_path": "input_example.json"}, None)
    with pytest.raises(ModelURIError, match="outside the model directory"):
        load_input_example(model)


def test_model_without_example(tmp_path: Path) -> None:
    _model_dir(tmp_path, None, None)
    assert load_input_example(tmp_path) is None
    assert load_input_example_params(tmp_path) is None
    with pytest.raises(InputExampleError, match="no input example"):
        infer_signature_from_input_example(tmp_path)


# ---- a signature from a saved example -------------------------------------------------------------


def test_signature_inferred_from_a_saved_example_matches_mlflow(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1.0, None], "n": [1, 2], "s": ["a", "b"]})
    params = {"temperature": 0.5, "suppress_tokens": [101, 102]}
    info = save_input_example((frame, params), tmp_path)
    _model_dir(tmp_path, info, None)
    ours = infer_signature_from_input_example(tmp_path)
    theirs = mlflow_models.infer_signature(frame, params=params)
    assert isinstance(ours, ModelSignature)
    assert ours.inputs.to_json() == theirs.inputs.to_json()
    assert ours.params.to_json() == theirs.params.to_json()


# ---- hypothesis: random frames and JSON values, byte for byte ---------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
_floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), _floats, _text, st.binary(max_size=90))
_json_like = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3), max_leaves=10
)


@st.composite
def _frames(draw: Any) -> pd.DataFrame:
    n = draw(st.integers(0, 4))
    columns = draw(st.lists(st.sampled_from(["a", "b", "c d", "é"]), min_size=1, max_size=3, unique=True))
    kinds = {
        "int": st.integers(-(2**31), 2**31),
        "float": _floats,
        "str": st.one_of(st.none(), _text),
        "bool": st.booleans(),
        "bytes": st.binary(max_size=80),
    }
    data = {}
    for column in columns:
        kind = draw(st.sampled_from(sorted(kinds)))
        data[column] = draw(st.lists(kinds[kind], min_size=n, max_size=n))
    return pd.DataFrame(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(example=st.one_of(_frames(), _json_like, st.tuples(_json_like, st.dictionaries(
    st.sampled_from(["k", "t"]), st.one_of(st.integers(0, 9), st.floats(0, 1), _text), max_size=2))))
def test_random_examples_are_byte_identical(example: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp = tmp_path_factory.mktemp("ex")
    try:
        mlflow_example = _Example(example)
    except Exception:
        with pytest.raises(InputExampleError):
            save_input_example(example, tmp / "ours")
        return
    info = save_input_example(example, tmp / "ours")
    assert info == mlflow_example.info
    assert (tmp / "ours" / FILES[0]).read_text() == mlflow_example.json_input_example
    assert (tmp / "ours" / FILES[1]).read_text() == mlflow_example.json_serving_input


# ---- examples taken from Spark ---------------------------------------------------------------------

SPARK_DDL = (
    "l long, i int, d double, s string, dd date, ts timestamp, b binary, arr array<int>, "
    "st struct<x: double, y: string>, m map<string, double>"
)


def test_example_from_spark_reads_back_with_its_schema(spark: Any, tmp_path: Path) -> None:
    from spark_signature import from_spark_schema, input_example_from_spark

    rows = [
        (1, 2, 1.5, "a", dt.date(2020, 1, 2), dt.datetime(2020, 1, 2, 3, 4, 5), b"\x00\x01" * 50, [1, 2],
         (1.0, "x"), {"k": 1.0}),
        (2, None, None, None, dt.date(2021, 1, 2), dt.datetime(2021, 1, 2, 3, 4, 5), b"zz", [], (2.0, None), {}),
        (3, 4, 2.5, "c", dt.date(2022, 1, 2), dt.datetime(2022, 1, 2), b"", [3], (3.0, "z"), {"q": 2.0}),
    ]  # fmt: skip
    df = spark.createDataFrame(rows, SPARK_DDL)
    example = input_example_from_spark(df, n=2)
    assert len(example) == 2 and list(example.columns) == df.columns
    theirs, ours, info, _ = _save_both(example, tmp_path)  # MLflow accepts it and writes the same bytes
    assert (theirs / FILES[0]).read_bytes() == (ours / FILES[0]).read_bytes()
    text = (ours / FILES[0]).read_text()
    assert '"2020-01-02T03:04:05"' in text and '"AAEAAQ' in text and '{"x": 2.0, "y": null}' in text
    schema = from_spark_schema(df.schema)
    back = load_input_example(ours, info=info, schema=schema)
    assert back["b"].tolist() == [rows[0][6], rows[1][6]]
    assert back["ts"].tolist() == [pd.Timestamp(rows[0][5]), pd.Timestamp(rows[1][5])]
    assert back["l"].dtype == np.int64 and back["st"].tolist()[1] == {"x": 2.0, "y": None}
    assert back["arr"].tolist() == [[1, 2], []] and back["m"].tolist() == [{"k": 1.0}, {}]


def test_example_from_spark_takes_only_n_rows(spark: Any) -> None:
    from spark_signature import input_example_from_spark

    huge = spark.range(0, 10**15).selectExpr("id", "cast(id as double) as x")  # never materializable
    example = input_example_from_spark(huge, n=3)
    assert example["id"].tolist() == [0, 1, 2] and example["x"].dtype == np.float64
    with pytest.raises(InputExampleError, match="positive int"):
        input_example_from_spark(huge, n=0)
    with pytest.raises(InputExampleError, match="expects a Spark DataFrame"):
        input_example_from_spark(pd.DataFrame({"a": [1]}))


def test_binary_null_reads_back_as_none_where_mlflow_fails(tmp_path: Path) -> None:
    frame = pd.DataFrame({"bin": [b"ab", None]})
    info = save_input_example(frame, tmp_path)
    inputs = '[{"type": "binary", "name": "bin", "required": false}]'
    signature = mlflow_models.ModelSignature.from_dict({"inputs": inputs})
    _model_dir(tmp_path, info, signature)
    with pytest.raises(MlflowException, match="Failed to convert column bin"):
        mlflow_models.Model.load(str(tmp_path)).load_input_example(str(tmp_path))
    assert load_input_example(tmp_path)["bin"].tolist() == [b"ab", None]


def test_save_into_a_file_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    with pytest.raises(InputExampleError, match="Cannot write the input example"):
        save_input_example([1, 2], blocker / "model")
