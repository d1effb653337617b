"""Parity with MLflow 3.17.2 on generated schemas, params and signatures (MLflow is the oracle).

Each strategy draws an abstract description and builds it twice, with our classes and with MLflow's;
the JSON must be byte-identical and each side must read the other's JSON back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

mlflow_schema = pytest.importorskip("mlflow.types.schema")
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.models.signature import ModelSignature as MLSignature  # noqa: E402

from spark_signature import types as ours  # noqa: E402
from spark_signature.errors import SignatureError  # noqa: E402

theirs = mlflow_schema
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DTYPE_NAMES = [t.name for t in ours.DataType]
NAMES = st.text(alphabet="abcxyz_ 0é", min_size=1, max_size=4)


# --- abstract type trees -> both libraries ------------------------------------------------------------


def type_trees(allow_vector_anywhere: bool = False) -> st.SearchStrategy[Any]:
    """("dt", name) | ("any",) | ("vec",) | ("array", t) | ("map", t) | ("object", [(name, t, req)])."""
    leaves = st.one_of(st.sampled_from(DTYPE_NAMES).map(lambda n: ("dt", n)), st.just(("any",)))

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        # MLflow cannot read back a vector as a map value or object property (see deviations).
        nested_ok = children if allow_vector_anywhere else children.filter(lambda t: t != ("vec",))
        props = st.lists(st.tuples(NAMES, nested_ok, st.booleans()), min_size=1, max_size=4,
                         unique_by=lambda p: p[0])  # fmt: skip
        return st.one_of(
            st.tuples(st.just("array"), st.one_of(children, st.just(("vec",)))),
            st.tuples(st.just("map"), nested_ok),
            st.tuples(st.just("object"), props),
        )

    return st.recursive(leaves, extend, max_leaves=8)


def build(tree: Any, lib: Any) -> Any:
    kind = tree[0]
    if kind == "dt":
        return lib.DataType[tree[1]]
    if kind == "any":
        return lib.AnyType()
    if kind == "vec":
        return lib.SparkMLVector()
    if kind == "array":
        return lib.Array(build(tree[1], lib))
    if kind == "map":
        return lib.Map(build(tree[1], lib))
    return lib.Object([lib.Property(n, build(t, lib), r) for n, t, r in tree[1]])


col_types = st.one_of(type_trees(), st.just(("vec",)))


@st.composite
def column_schemas(draw: st.DrawFn) -> list[tuple[Any, Any, bool]]:
    named = draw(st.booleans())
    cols = draw(st.lists(st.tuples(col_types, st.booleans()), min_size=1, max_size=5))
    if named:
        names = draw(st.lists(NAMES, min_size=len(cols), max_size=len(cols)))
        return [(t, n, r) for (t, r), n in zip(cols, names, strict=True)]
    return [(t, None, True) for t, _ in cols]


def build_schema(cols: list[tuple[Any, Any, bool]], lib: Any) -> Any:
    return lib.Schema([lib.ColSpec(build(t, lib), n, r) for t, n, r in cols])


TENSOR_DTYPES = ["float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint64", "bool", "str",
                 "bytes", "object", "datetime64[ns]", "datetime64[s]", "complex64", "float16"]  # fmt: skip


@st.composite
def tensor_schemas(draw: st.DrawFn) -> list[tuple[str, tuple[int, ...], str | None]]:
    n = draw(st.integers(1, 3))
    dims = st.lists(st.sampled_from([-1, 1, 2, 3, 28]), max_size=4).map(tuple)
    names: list[str | None] = (
        draw(st.lists(NAMES, min_size=n, max_size=n, unique=True)) if n > 1 or draw(st.booleans()) else [None]
    )
    return [(draw(st.sampled_from(TENSOR_DTYPES)), draw(dims), name) for name in names]


def build_tensors(specs: list[tuple[str, tuple[int, ...], str | None]], lib: Any) -> Any:
    return lib.Schema([lib.TensorSpec(np.dtype(d), s, n) for d, s, n in specs])


def assert_same_schema(mine: Any, other: Any) -> None:
    text = other.to_json()
    assert mine.to_json() == text
    assert repr(mine) == repr(other)
    assert ours.Schema.from_json(text) == mine
    assert ours.Schema.from_json(text).to_json() == text
    assert theirs.Schema.from_json(mine.to_json()) == other
    assert mine.input_names() == other.input_names()
    assert mine.required_input_names() == other.required_input_names()
    assert mine.optional_input_names() == other.optional_input_names()
    assert bool(mine.has_input_names()) == bool(other.has_input_names())
    assert bool(mine.is_tensor_spec()) == bool(other.is_tensor_spec())


@FAST
@given(column_schemas())
def test_column_schema_parity(cols: list[tuple[Any, Any, bool]]) -> None:
    assert_same_schema(build_schema(cols, ours), build_schema(cols, theirs))


@FAST
@given(tensor_schemas())
def test_tensor_schema_parity(specs: list[tuple[str, tuple[int, ...], str | None]]) -> None:
    mine, other = build_tensors(specs, ours), build_tensors(specs, theirs)
    assert_same_schema(mine, other)
    assert mine.numpy_types() == other.numpy_types()


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_datatype_mapping_parity(name: str) -> None:
    mine, other = ours.DataType[name], theirs.DataType[name]
    assert mine.value == other.value
    assert mine.to_numpy() == other.to_numpy() and mine.to_pandas() == other.to_pandas()
    assert mine.to_python() is other.to_python()
    assert repr(mine) == repr(other) and str(mine) == str(other)
    assert (
        ours.DataType.from_numpy_type(mine.to_numpy())
        == ours.DataType[theirs.DataType.from_numpy_type(other.to_numpy()).name]
    )
    assert type(mine.to_spark()) is type(other.to_spark())


CHECK_VALUES = [True, np.bool_(False), 1, 2**70, np.int8(1), np.int32(1), np.int64(1), np.uint8(1), 1.5,
                np.float16(1), np.float32(1), np.float64(1), "a", np.str_("a"), b"a", bytearray(b"a"),
                dt.date(2020, 1, 1), dt.datetime(2020, 1, 1), np.datetime64("2020-01-01"), None, [1],
                object()]  # fmt: skip


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_check_type_parity(name: str) -> None:
    for value in CHECK_VALUES:
        expected = theirs.DataType.check_type(theirs.DataType[name], value)
        assert ours.DataType.check_type(ours.DataType[name], value) == expected, (name, value)


# --- legacy MLflow 2.x JSON ---------------------------------------------------------------------------------


def strip_required(obj: Any) -> Any:
    """The MLflow 2.x form of a schema JSON: top-level ColSpecs without ``required``."""
    return [{k: v for k, v in col.items() if k != "required"} for col in obj]


@FAST
@given(column_schemas())
def test_legacy_json_parity(cols: list[tuple[Any, Any, bool]]) -> None:
    legacy = json.dumps(strip_required(build_schema(cols, ours).to_dict()))
    other = theirs.Schema.from_json(legacy)
    mine = ours.Schema.from_json(legacy)
    assert mine.to_json() == other.to_json()  # "required": null survives byte-identically
    assert theirs.Schema.from_json(mine.to_json()) == other
    # The deviation: MLflow counts a legacy composite column (required None) as optional, we as required.
    expected = [x.name or i for i, x in enumerate(other.inputs) if x.required or x.required is None]
    assert mine.required_input_names() == expected


LEGACY_DOCS = [
    '[{"type": "long", "name": "a"}, {"type": "string", "name": "b"}]',
    '[{"type": "array", "items": {"type": "double"}, "name": "a"}, {"type": "any", "name": "z"}]',
    '[{"type": "object", "properties": {"x": {"type": "long"}, "y": {"type": "string", "required": false}}}]',
    '[{"type": "map", "values": {"type": "array", "items": {"type": "long"}}, "name": "m"}]',
    '[{"type": "sparkml_vector", "name": "v"}, {"type": "double", "name": "d", "required": false}]',
    '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]',
    '[{"type": "tensor", "tensor-spec": {"dtype": "float", "shape": [-1]}, "name": "t"}]',
]


@pytest.mark.parametrize("document", LEGACY_DOCS)
def test_legacy_documents(document: str) -> None:
    other = theirs.Schema.from_json(document)
    mine = ours.Schema.from_json(document)
    assert mine.to_json() == other.to_json()
    assert ours.Schema.from_json(other.to_json()) == mine


def test_legacy_param_documents() -> None:
    document = (
        '[{"name": "a", "dtype": "long", "default": 1}, {"name": "b", "type": "double", "default": 1}, '
        '{"name": "c", "type": "datetime", "default": "2021-02-03T04:05:06"}]'
    )
    assert ours.ParamSchema.from_json(document).to_json() == theirs.ParamSchema.from_json(document).to_json()


# --- merge -------------------------------------------------------------------------------------------------


def merged(a: Any, b: Any, lib: Any) -> Any:
    try:
        result = build(a, lib)._merge(build(b, lib)) if a[0] != "dt" else None
    except (MlflowException, SignatureError):
        return "error"
    return None if result is None else json.dumps(lib.ColSpec(result).to_dict())


@FAST
@given(type_trees(), type_trees())
def test_merge_parity(a: Any, b: Any) -> None:
    assert merged(a, b, ours) == merged(a, b, theirs)
    assert merged(a, a, ours) == merged(a, a, theirs)


# --- params ------------------------------------------------------------------------------------------------

OBJECT_TREES = [
    ("object", [("a", ("dt", "long"), True), ("b", ("dt", "string"), False)]),
    ("object", [("x", ("array", ("dt", "double")), True), ("m", ("map", ("dt", "long")), False)]),
    ("object", [("o", ("object", [("d", ("dt", "datetime"), True)]), True), ("z", ("any",), False)]),
    ("object", [("f", ("dt", "float"), True), ("flag", ("dt", "boolean"), False)]),
]
PARAM_TYPES = [("dt", n) for n in DTYPE_NAMES if n != "binary"] + OBJECT_TREES
PARAM_VALUES = [
    None, True, False, np.bool_(True), 0, 1, 7, -3, 2**70, np.int8(2), np.int32(5), np.int64(5), np.uint8(3),
    1.5, 0.0, math.nan, math.inf, np.float16(1.5), np.float32(2.5), np.float64(2.5), "a", "7", "abc",
    "2020-01-01", "2020-01-01T10:11:12.5", "NaT", np.str_("s"), b"b", dt.date(2020, 1, 2),
    dt.datetime(2020, 1, 2, 3, 4), np.datetime64("2020-01-01"), np.datetime64("2020-01-01T00:00:00", "s"),
    np.datetime64("2020-01-01T00:00:00", "ns"), [1, 2], [1, 2.5], [], [None, 1], ["a", "b"], [True, 1],
    [[1, 2]], [[1], [1, 2]], (1, 2), np.array([1, 2]), np.array([1.5]), np.array([[1]]),
    np.array(["a"]), {"a": 1}, {"a": 1, "b": "x"}, {"a": 1.5}, {"a": 1, "zz": 0}, {"b": "x"},
    {"a": np.int32(1)}, {"x": [1, 2], "m": {"k": 1}}, {"x": [0, 1]}, {"x": [1.5], "m": {"k": None}},
    {"x": [1.5], "m": {}}, {"o": {"d": "2020-01-01"}}, {"o": {"d": dt.datetime(2020, 1, 1)}, "z": None},
    {"f": 1.5, "flag": None}, {"f": 0}, {"f": 2}, {"f": np.float32(1)}, {"x": np.array([1.0, 2.0])},
    {"x": None}, {"o": None}, {"o": {}}, {"o": {"d": np.datetime64("2020-01-01")}},
    {"o": {"d": np.datetime64("2020-01-01")}, "z": [1, "a"]}, {"x": [np.float32(1)]}, {"x": [1, None]},
    {"x": [[1.0]]}, {"a": True}, {"a": "1"}, {"a": b"x", "b": b"y"}, {"a": 1, "b": None}, {"a": 1, "b": 5},
    {"a": 2**70}, {"a": np.uint64(1)}, {"f": True, "flag": True}, {"f": 0.5, "flag": "no"}, {"m": {"k": 1}},
    {"x": [], "m": {"k": 1, "j": np.int8(2)}}, {"x": [1.5], "m": {1: 1}}, {"x": "ab"},
]  # fmt: skip


def same_value(a: Any, b: Any) -> bool:
    """Equal and of the same type, NaN equal to NaN, recursively."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return type(a) is type(b) and a.dtype == b.dtype and np.array_equal(a, b)
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return bool(a == b)


def build_paramspec(lib: Any, tree: Any, value: Any, shape: Any) -> Any:
    try:
        return lib.ParamSpec("p", build(tree, lib), value, shape)
    except (MlflowException, SignatureError, ValueError, TypeError, AttributeError):
        # MLflow leaks raw errors for some refusals (ragged lists, ...); a refusal is a refusal.
        return "refused"


@pytest.mark.parametrize("tree", PARAM_TYPES, ids=repr)
@pytest.mark.parametrize("shape", [None, (-1,)])
def test_paramspec_default_parity(tree: Any, shape: Any) -> None:
    for value in PARAM_VALUES:
        mine = build_paramspec(ours, tree, value, shape)
        other = build_paramspec(theirs, tree, value, shape)
        assert (mine == "refused") == (other == "refused"), (tree, shape, value, mine, other)
        if mine == "refused":
            continue
        assert same_value(mine.default, other.default), (tree, value, mine.default, other.default)
        if isinstance(mine.dtype, ours.DataType) and mine.dtype.name == "datetime" and _has_none(value):
            continue  # deviation: MLflow's to_dict crashes on a None datetime default
        assert repr(mine) == repr(other)
        try:
            text = theirs.ParamSchema([other]).to_json()
        except (TypeError, AttributeError):
            # Deviations: MLflow cannot write numpy inside an Object default, nor an Object (-1,) spec.
            assert json.loads(ours.ParamSchema([mine]).to_json())
            continue
        assert ours.ParamSchema([mine]).to_json() == text


def _has_numpy(value: Any) -> bool:
    """True for Object defaults holding numpy values (MLflow cannot write them as JSON)."""
    if isinstance(value, dict):
        return any(_has_numpy(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_numpy(v) for v in value)
    return isinstance(value, (np.generic, np.ndarray))


def _has_none(value: Any) -> bool:
    if isinstance(value, list):
        return any(v is None for v in value)
    return value is None or (isinstance(value, str) and value == "NaT")


param_entries = st.tuples(st.sampled_from(PARAM_TYPES), st.sampled_from(PARAM_VALUES), st.sampled_from([None, (-1,)]))


@FAST
@given(st.lists(param_entries, min_size=0, max_size=5))
def test_param_schema_and_signature_parity(entries: list[Any]) -> None:
    mine_specs, other_specs = [], []
    for i, (tree, value, shape) in enumerate(entries):
        mine = build_paramspec(ours, tree, value, shape)
        other = build_paramspec(theirs, tree, value, shape)
        if (
            mine == "refused"
            or other == "refused"
            or _has_none(value)
            or (isinstance(value, dict) and _has_numpy(value))
        ):
            continue
        if tree[0] == "object" and shape is not None:
            continue  # MLflow cannot write an Object param of shape (-1,) (tested above)
        mine_specs.append(ours.ParamSpec(f"p{i}", mine.dtype, mine.default, mine.shape))
        other_specs.append(theirs.ParamSpec(f"p{i}", other.dtype, other.default, other.shape))
    mine_schema, other_schema = ours.ParamSchema(mine_specs), theirs.ParamSchema(other_specs)
    text = other_schema.to_json()
    assert mine_schema.to_json() == text
    assert ours.ParamSchema.from_json(text) == mine_schema
    assert theirs.ParamSchema.from_json(mine_schema.to_json()).to_json() == text
    inputs = [(("dt", "long"), "a", True)]
    mine_sig = ours.ModelSignature(build_schema(inputs, ours), None, mine_schema)
    other_sig = MLSignature(build_schema(inputs, theirs), None, other_schema)
    assert mine_sig.to_dict() == other_sig.to_dict()
    # An empty ParamSchema is written as absent (both libraries), so it reads back as None.
    reread = ours.ModelSignature(mine_sig.inputs, None, mine_schema or None)
    assert ours.ModelSignature.from_dict(other_sig.to_dict()) == reread
    assert MLSignature.from_dict(mine_sig.to_dict()).to_dict() == other_sig.to_dict()
    assert repr(mine_sig).replace("nan", "NaN") == repr(other_sig).replace("nan", "NaN")


@FAST
@given(column_schemas(), st.one_of(st.none(), column_schemas()))
def test_signature_dict_parity(inputs: Any, outputs: Any) -> None:
    mine = ours.ModelSignature(build_schema(inputs, ours), outputs and build_schema(outputs, ours))
    other = MLSignature(build_schema(inputs, theirs), outputs and build_schema(outputs, theirs))
    assert mine.to_dict() == other.to_dict()
    assert ours.ModelSignature.from_dict(other.to_dict()) == mine
    assert MLSignature.from_dict(mine.to_dict()) == other
    assert repr(mine) == repr(other)
