"""JSON in and out of every signature construct, construction errors, and malformed documents.

Exact JSON texts are spelled out where the byte layout matters (key order, separators, NaN token);
parity with MLflow itself is in test_types_parity.py.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from spark_signature.errors import (
    InferenceError,
    SchemaDefinitionError,
    SignatureFormatError,
    TypeMappingError,
)
from spark_signature.types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    ModelSignature,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    SparkMLVector,
    TensorSpec,
)

ALL_TYPES = list(DataType)


def roundtrip(schema: Schema) -> Schema:
    again = Schema.from_json(schema.to_json())
    assert again == schema
    assert again.to_json() == schema.to_json()
    return again


# --- DataType --------------------------------------------------------------------------------------


def test_datatype_numbers_and_mappings() -> None:
    assert [(t.name, t.value) for t in DataType] == [
        ("boolean", 1), ("integer", 2), ("long", 3), ("float", 4),
        ("double", 5), ("string", 6), ("binary", 7), ("datetime", 8),
    ]  # fmt: skip
    assert DataType.string.to_numpy() == np.dtype("<U0")
    assert DataType.binary.to_numpy() == np.dtype("|S0")
    assert DataType.datetime.to_numpy() == np.dtype("datetime64[ns]")
    assert DataType.string.to_pandas() is object and DataType.binary.to_pandas() is object
    assert DataType.float.to_pandas() == np.dtype("float32")
    assert DataType.datetime.to_python() is dt.date
    assert DataType.long.to_python() is int and DataType.double.to_python() is float
    assert repr(DataType.long) == "long" and str(DataType.long) == "DataType.long"


@pytest.mark.parametrize(
    ("dtype", "value", "expected"),
    [
        (DataType.long, 1, True),
        (DataType.long, np.int64(1), True),
        (DataType.long, True, False),
        (DataType.integer, 1, True),
        (DataType.integer, np.int64(1), False),
        (DataType.float, 1.5, True),
        (DataType.float, np.float64(1.5), False),
        (DataType.double, np.float64(1.5), True),
        (DataType.boolean, np.bool_(True), True),
        (DataType.string, np.str_("a"), True),
        (DataType.string, b"a", False),
        (DataType.binary, bytearray(b"a"), True),
        (DataType.datetime, dt.datetime(2020, 1, 1), True),
        (DataType.datetime, np.datetime64("2020-01-01"), True),
    ],
)
def test_check_type_is_exact(dtype: DataType, value: object, expected: bool) -> None:
    assert DataType.check_type(dtype, value) is expected


def test_from_numpy_type() -> None:
    assert DataType.from_numpy_type(np.dtype("int32")) is DataType.integer
    assert DataType.from_numpy_type(np.dtype("float64")) is DataType.double
    assert DataType.from_numpy_type(np.dtype("object")) is None


def test_types_package_does_not_import_pyspark_pandas_or_pyarrow() -> None:
    code = (
        "import sys, spark_signature.types, spark_signature.mlmodel, spark_signature.enforcement.params;"
        "from spark_signature.types import ParamSpec, Schema;"
        "ParamSpec('a', 'long', 1); Schema.from_json('[{\"type\": \"long\"}]');"
        "import spark_signature.rules, spark_signature.violations, spark_signature.paths;"
        "print('pyspark' in sys.modules, 'pandas' in sys.modules, 'pyarrow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


# --- ColSpec / nested types ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ALL_TYPES)
@pytest.mark.parametrize("required", [True, False])
def test_every_datatype_roundtrips(dtype: DataType, required: bool) -> None:
    schema = Schema([ColSpec(dtype, "c", required=required), ColSpec(dtype.name, "d")])
    assert schema.to_json() == (
        f'[{{"type": "{dtype.name}", "name": "c", "required": {json.dumps(required)}}}, '
        f'{{"type": "{dtype.name}", "name": "d", "required": true}}]'
    )
    roundtrip(schema)
    roundtrip(Schema([ColSpec(dtype)]))


NESTED = [
    Array(DataType.long),
    Array(Array(Array("string"))),
    Array(Object([Property("b", DataType.double), Property("a", "string", required=False)])),
    Object([Property("m", Map(Array(DataType.binary))), Property("any", AnyType(), required=False)]),
    Object([Property("o", Object([Property("x", DataType.datetime)]))]),
    Map(DataType.boolean),
    Map(Map(AnyType())),
    Map(Object([Property("k", DataType.float)])),
    Array(AnyType()),
    Array(SparkMLVector()),
    AnyType(),
    SparkMLVector(),
]


@pytest.mark.parametrize("dtype", NESTED, ids=repr)
def test_nested_types_roundtrip(dtype: object) -> None:
    roundtrip(Schema([ColSpec(dtype, "x", required=False), ColSpec("long", "y")]))
    roundtrip(Schema([ColSpec(dtype)]))


def test_colspec_key_order_and_sorted_properties() -> None:
    col = ColSpec(Object([Property("z", "long"), Property("a", Array("double"), required=False)]), "o")
    assert json.dumps(col.to_dict()) == (
        '{"type": "object", "properties": {"a": {"type": "array", "items": {"type": "double"}, '
        '"required": false}, "z": {"type": "long", "required": true}}, "name": "o", "required": true}'
    )
    assert [p.name for p in col.type.properties] == ["a", "z"]
    assert json.dumps(ColSpec(Map("string")).to_dict()) == (
        '{"type": "map", "values": {"type": "string"}, "required": true}'
    )
    assert repr(col) == "'o': {a: Array(double) (optional), z: long (required)} (required)"
    assert repr(Map("long")) == "Map(str -> DataType.long)"
    assert repr(SparkMLVector()) == "SparkML vector" and repr(AnyType()) == "Any"


def test_sparkml_vector_equals_only_itself() -> None:
    assert SparkMLVector() == SparkMLVector()
    assert SparkMLVector() != Array(DataType.double)
    assert Array(DataType.double) != SparkMLVector()
    assert isinstance(SparkMLVector(), Array) and SparkMLVector().dtype is DataType.double


def test_int_names_and_positional_input_names() -> None:
    schema = Schema([ColSpec("long", 0), ColSpec("string", "b")])
    assert schema.to_json() == (
        '[{"type": "long", "name": 0, "required": true}, {"type": "string", "name": "b", "required": true}]'
    )
    assert schema.input_names() == [0, "b"]
    assert roundtrip(schema).inputs[0].name == 0
    assert Schema([ColSpec("long", ""), ColSpec("long", "x")]).input_names() == [0, "x"]


def test_schema_helpers() -> None:
    schema = Schema([ColSpec("long", "a"), ColSpec("string", "b", required=False)])
    assert schema.required_input_names() == ["a"] and schema.optional_input_names() == ["b"]
    assert schema.has_input_names() and not schema.is_tensor_spec()
    assert schema.input_types() == [DataType.long, DataType.string]
    assert schema.input_dict() == {"a": schema.inputs[0], "b": schema.inputs[1]}
    assert schema.numpy_types() == [np.dtype("int64"), np.dtype("<U0")]
    assert schema.pandas_types() == [np.dtype("int64"), object]
    unnamed = Schema([ColSpec("long"), ColSpec("double")])
    assert unnamed.input_names() == [0, 1] and not unnamed.has_input_names()
    with pytest.raises(SchemaDefinitionError):
        unnamed.input_dict()
    with pytest.raises(TypeMappingError):
        Schema([ColSpec(Array("long"), "a")]).numpy_types()
    assert len(schema) == 2 and list(schema) == schema.inputs


# --- TensorSpec ------------------------------------------------------------------------------------

TENSOR_DTYPES = ["float32", "float64", "int8", "int32", "int64", "uint8", "bool", "str", "bytes", "object",
                 "datetime64[ns]", "complex128", "float16"]  # fmt: skip


@pytest.mark.parametrize("dtype", TENSOR_DTYPES)
@pytest.mark.parametrize("shape", [(-1,), (-1, 3), (), (2, 3, 4), (-1, -1, 28)])
def test_tensorspec_roundtrip(dtype: str, shape: tuple[int, ...]) -> None:
    spec = TensorSpec(np.dtype(dtype), shape)
    expected_name = np.dtype(dtype).name
    shape_text = json.dumps(list(shape))
    assert json.dumps(spec.to_dict()) == (
        f'{{"type": "tensor", "tensor-spec": {{"dtype": "{expected_name}", "shape": {shape_text}}}}}'
    )
    roundtrip(Schema([spec]))
    named = Schema([TensorSpec(np.dtype(dtype), shape, "x"), TensorSpec(np.dtype("int64"), [-1], "y")])
    assert named.to_json().startswith('[{"name": "x", "type": "tensor", "tensor-spec": {"dtype"')
    assert roundtrip(named).is_tensor_spec()


def test_tensorspec_rules() -> None:
    with pytest.raises(SchemaDefinitionError, match="size information"):
        TensorSpec(np.dtype("<U5"), [-1])
    with pytest.raises(SchemaDefinitionError, match=r'np\.dtype\("bytes"\)'):
        TensorSpec(np.dtype("S3"), [-1])
    with pytest.raises(SchemaDefinitionError):
        TensorSpec("float32", [-1])  # type: ignore[arg-type]
    spec = TensorSpec(np.dtype("float32"), [-1, 2], "t")
    assert spec.required is True and spec.shape == (-1, 2)
    assert repr(spec) == "'t': Tensor('float32', (-1, 2))"


# --- Legacy MLflow 2.x JSON ----------------------------------------------------------------------------


def test_legacy_primitive_without_required_is_required() -> None:
    schema = Schema.from_json('[{"type": "long", "name": "a"}, {"name": "b", "type": "string"}]')
    assert schema.inputs[0].raw_required is True
    assert schema.to_json() == (
        '[{"type": "long", "name": "a", "required": true}, {"type": "string", "name": "b", "required": true}]'
    )


def test_legacy_composite_without_required_keeps_null_but_counts_as_required() -> None:
    """Deviation (docs/deviations.md): MLflow reads it as optional; we read it as required."""
    legacy = (
        '[{"type": "array", "items": {"type": "long"}, "name": "a"}, '
        '{"type": "object", "properties": {"x": {"type": "long"}}, "name": "o"}, '
        '{"type": "any", "name": "z"}, {"type": "double", "name": "d", "required": false}]'
    )
    schema = Schema.from_json(legacy)
    col = schema.inputs[0]
    assert col.raw_required is None and col.required is True
    assert schema.required_input_names() == ["a", "o", "z"]
    assert schema.optional_input_names() == ["d"]
    assert schema.to_json() == (
        '[{"type": "array", "items": {"type": "long"}, "name": "a", "required": null}, '
        '{"type": "object", "properties": {"x": {"type": "long", "required": true}}, "name": "o", '
        '"required": null}, {"type": "any", "name": "z", "required": null}, '
        '{"type": "double", "name": "d", "required": false}]'
    )
    assert Schema.from_json(schema.to_json()) == schema  # null reads back as null
    assert repr(col) == "'a': Array(long) (required)"


def test_legacy_param_dtype_key_and_missing_shape() -> None:
    params = ParamSchema.from_json('[{"name": "k", "dtype": "long", "default": 3}]')
    assert params.params[0] == ParamSpec("k", DataType.long, 3)
    assert params.to_json() == '[{"name": "k", "default": 3, "shape": null, "type": "long"}]'


# --- ParamSpec ------------------------------------------------------------------------------------------

OBJ = Object([Property("a", "long"), Property("b", Array("string"), required=False)])
PARAMS = [
    (ParamSpec("b", "boolean", True), '{"name": "b", "default": true, "shape": null, "type": "boolean"}'),
    (ParamSpec("i", "integer", 3), '{"name": "i", "default": 3, "shape": null, "type": "integer"}'),
    (ParamSpec("l", DataType.long, np.int64(2**40)),
     '{"name": "l", "default": 1099511627776, "shape": null, "type": "long"}'),
    (ParamSpec("f", "float", 0.5), '{"name": "f", "default": 0.5, "shape": null, "type": "float"}'),
    (ParamSpec("d", "double", 1), '{"name": "d", "default": 1.0, "shape": null, "type": "double"}'),
    (ParamSpec("n", "double", math.nan), '{"name": "n", "default": NaN, "shape": null, "type": "double"}'),
    (ParamSpec("s", "string", "x"), '{"name": "s", "default": "x", "shape": null, "type": "string"}'),
    (ParamSpec("none", "long", None), '{"name": "none", "default": null, "shape": null, "type": "long"}'),
    (ParamSpec("dt", "datetime", "2020-01-01"),
     '{"name": "dt", "default": "2020-01-01", "shape": null, "type": "datetime"}'),
    (ParamSpec("ts", "datetime", dt.datetime(2020, 1, 2, 3, 4, 5, 6)),
     '{"name": "ts", "default": "2020-01-02T03:04:05.000006", "shape": null, "type": "datetime"}'),
    (ParamSpec("ld", "double", [1, 2.5], (-1,)),
     '{"name": "ld", "default": [1.0, 2.5], "shape": [-1], "type": "double"}'),
    (ParamSpec("ls", "string", np.array(["a", "b"]), [-1]),
     '{"name": "ls", "default": ["a", "b"], "shape": [-1], "type": "string"}'),
    (ParamSpec("lt", "datetime", ["2020-01-01", dt.date(2021, 1, 1)], (-1,)),
     '{"name": "lt", "default": ["2020-01-01", "2021-01-01"], "shape": [-1], "type": "datetime"}'),
    (ParamSpec("le", "long", [], (-1,)), '{"name": "le", "default": [], "shape": [-1], "type": "long"}'),
    (ParamSpec("o", OBJ, {"a": 1, "b": ["x"]}),
     '{"name": "o", "default": {"a": 1, "b": ["x"]}, "shape": null, "type": "object", "properties": '
     '{"a": {"type": "long", "required": true}, "b": {"type": "array", "items": {"type": "string"}, '
     '"required": false}}}'),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "text"), PARAMS, ids=[p.name for p, _ in PARAMS])
def test_paramspec_json(spec: ParamSpec, text: str) -> None:
    assert json.dumps(spec.to_dict()) == text
    schema = ParamSchema([spec])
    again = ParamSchema.from_json(schema.to_json())
    assert again == schema  # NaN defaults compare equal (deviation: MLflow's do not)
    assert again.to_json() == schema.to_json()


def test_param_defaults_are_converted() -> None:
    assert ParamSpec("d", "double", 1).default == 1.0 and type(ParamSpec("d", "double", 1).default) is float
    assert ParamSpec("l", "long", np.int64(5)).default.__class__ is int
    assert ParamSpec("dt", "datetime", "2020-01-01").default == dt.date(2020, 1, 1)
    assert ParamSpec(5, "long", 1).name == "5"
    assert repr(ParamSpec("l", "long", [1], (-1,))) == "'l': long (default: [1]) (shape: (-1,))"


def test_datetime_param_with_none_default_serializes_null() -> None:
    """Deviation: MLflow's to_dict crashes (None.isoformat())."""
    assert ParamSpec("d", "datetime", None).to_dict()["default"] is None
    assert ParamSpec("d", "datetime", [None, "2020-01-01"], (-1,)).to_dict()["default"] == [
        None,
        "2020-01-01",
    ]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("b", "binary", b"x"), "Binary type is not supported"),
        (("a", "array", [1]), "Unsupported type 'array'"),
        (("a", Array("long"), [1]), "must be DataType, Object or str"),
        (("l", "long", 1.5), "Can not safely convert"),
        (("l", "long", True), "Can not safely convert"),
        (("l", "long", [1, 2]), "Value must be a scalar"),
        (("l", "long", 1, (2,)), "Shape must be None"),
        (("l", "long", None, (-1,)), "1D array"),
        (("l", "long", [[1, 2]], (-1,)), "1D array"),
        (("l", "long", (1, 2), (-1,)), "1D array"),
        (("d", "datetime", 5), "to `DataType.datetime`"),
        (("d", "datetime", np.datetime64("2020-01-01T00:00:00.000000001")), "convertible to datetime.date"),
        (("o", OBJ, None), "dictionary"),
        (("o", OBJ, {"b": ["x"]}), "missing required"),
        (("o", OBJ, {"a": 1, "zz": 2}), "not defined"),
    ],
)
def test_paramspec_refusals(args: tuple, match: str) -> None:
    with pytest.raises(SchemaDefinitionError, match=match):
        ParamSpec(*args)


def test_param_schema_rules() -> None:
    with pytest.raises(SchemaDefinitionError, match=r"Duplicated parameters found in schema: \['a'\]"):
        ParamSchema([ParamSpec("a", "long", 1), ParamSpec("a", "double", 1.0)])
    assert ParamSchema([]).to_json() == "[]"
    with pytest.raises(SchemaDefinitionError):
        ParamSchema(["a"])  # type: ignore[list-item]


# --- ModelSignature ------------------------------------------------------------------------------------


def test_signature_dict_roundtrip_and_repr() -> None:
    sig = ModelSignature(
        Schema([ColSpec("long", "a")]), Schema([ColSpec("double")]), ParamSchema([ParamSpec("k", "long", 5)])
    )
    d = sig.to_dict()
    assert d == {
        "inputs": '[{"type": "long", "name": "a", "required": true}]',
        "outputs": '[{"type": "double", "required": true}]',
        "params": '[{"name": "k", "default": 5, "shape": null, "type": "long"}]',
    }
    assert ModelSignature.from_dict(d) == sig
    assert repr(sig) == (
        "inputs: \n  ['a': long (required)]\noutputs: \n  [double (required)]\nparams: \n  ['k': long (default: 5)]\n"
    )
    only = ModelSignature(outputs=Schema([ColSpec("long")]))
    assert only.to_dict() == {
        "inputs": None,
        "outputs": '[{"type": "long", "required": true}]',
        "params": None,
    }
    assert ModelSignature.from_dict({"inputs": "", "outputs": only.to_dict()["outputs"]}) == only
    # An empty ParamSchema is kept in the object but written as absent, as in MLflow.
    assert ModelSignature(params=ParamSchema([])).to_dict()["params"] is None


def test_signature_construction_errors() -> None:
    with pytest.raises(SchemaDefinitionError, match="At least one of inputs, outputs or params"):
        ModelSignature()
    with pytest.raises(SchemaDefinitionError, match="inputs must be"):
        ModelSignature(inputs=[ColSpec("long")])  # type: ignore[arg-type]


# --- Construction errors (MLflow's messages) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Schema("x"), "Inputs of Schema must be a list, got type str"),
        (lambda: Schema([]), "Creating Schema with empty inputs is not allowed."),
        (
            lambda: Schema([ColSpec("long", "a"), ColSpec("long")]),
            "Creating Schema with a combination of named and unnamed inputs is not allowed. "
            "Got input names ['a', None]",
        ),
        (
            lambda: Schema([ColSpec("long", "a"), TensorSpec(np.dtype("int64"), [-1], "b")]),
            "Creating Schema with a combination of {0} and {1} is not supported. "
            "Please choose one of ColSpec or TensorSpec",
        ),
        (
            lambda: Schema([TensorSpec(np.dtype("int64"), [-1]), TensorSpec(np.dtype("int64"), [-1])]),
            "Creating Schema with multiple unnamed TensorSpecs is not supported. "
            "Please provide names for each TensorSpec.",
        ),
        (
            lambda: Schema([ColSpec("long", required=False)]),
            "Creating Schema with unnamed optional inputs is not supported. "
            "Please name all inputs or make all inputs required.",
        ),
        (lambda: Object([]), "Creating Object with empty properties is not allowed."),
        (lambda: Object([Property("a", "long"), Property("a", "double")]), "Found duplicated property names: `a`"),
        (lambda: Property(1, "long"), "Expected name to be a string, got type int"),
        (lambda: ColSpec("strng"), "Unsupported type 'strng'"),
        (lambda: ColSpec(int), "but got"),
        (lambda: Array("nope"), "Unsupported type 'nope'"),
        (lambda: Map(3), "but got 3"),
        (lambda: ColSpec("long", "a", required="false"), "to be a bool"),
    ],
)
def test_construction_errors(build, message: str) -> None:
    with pytest.raises(SchemaDefinitionError) as info:
        build()
    assert message in str(info.value)


def test_duplicate_column_names_are_allowed() -> None:
    assert len(Schema([ColSpec("long", "a"), ColSpec("double", "a")])) == 2


# --- Merge (used by inference) -------------------------------------------------------------------------


def test_merge_rules() -> None:
    a = Object([Property("a", "string"), Property("b", "double")])
    b = Object([Property("a", "string"), Property("c", "boolean")])
    assert a._merge(b) == Object(
        [
            Property("a", "string"),
            Property("b", "double", required=False),
            Property("c", "boolean", required=False),
        ]
    )
    assert a._merge(AnyType()) == Object([Property("a", "string", False), Property("b", "double", False)])
    assert AnyType()._merge(DataType.long) is DataType.long
    assert Array(AnyType())._merge(Array("long")) == Array("long")
    assert Map("long")._merge(Map(AnyType())) == Map("long")
    assert SparkMLVector()._merge(SparkMLVector()) == SparkMLVector()
    for left, right in [(Array("long"), Array("double")), (SparkMLVector(), Array("double")),
                        (Map("long"), Array("long")), (a, Array("long"))]:  # fmt: skip
        with pytest.raises(InferenceError):
            left._merge(right)


# --- Malformed JSON -> SignatureFormatError with a path --------------------------------------------------


@pytest.mark.parametrize(
    ("document", "path", "words"),
    [
        ('[{"name": "a"}]', "inputs[0].type", "missing key 'type'"),
        (
            '[{"type": "long"}, {"type": "long"}, {"type": "array", "items": {"type": "strng"}}]',
            "inputs[2].items.type",
            "unknown type the string 'strng'",
        ),
        ('[{"type": "array", "items": "long"}]', "inputs[0].items", "expected the array's item type"),
        ('[{"type": "array"}]', "inputs[0].items", "missing key 'items'"),
        ('[{"type": "object", "properties": {}}]', "inputs[0].properties", "empty properties"),
        (
            '[{"type": "object", "properties": {"a": {"type": "long", "required": "yes"}}}]',
            "inputs[0].properties.a.required",
            "expected true or false",
        ),
        ('[{"type": "map", "values": {"type": "map"}}]', "inputs[0].values.values", "missing key 'values'"),
        (
            '[{"type": "tensor", "tensor-spec": {"dtype": "flaot32", "shape": [-1]}}]',
            "inputs[0].tensor-spec.dtype",
            "unknown numpy dtype 'flaot32'",
        ),
        (
            '[{"type": "tensor", "tensor-spec": {"dtype": "<U5", "shape": [-1]}}]',
            "inputs[0].tensor-spec.dtype",
            "size information",
        ),
        (
            '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": "abc"}}]',
            "inputs[0].tensor-spec.shape",
            "expected the tensor shape",
        ),
        ('[{"type": "tensor", "tensor-spec": {"shape": [-1]}}]', "inputs[0].tensor-spec.dtype", "missing key"),
        ('{"type": "long"}', "inputs", "a list of column or tensor specs"),
        ("[]", "inputs", "empty inputs"),
        ('[{"type": "long", "name": "a"}, {"type": "long"}]', "inputs", "named and unnamed"),
        ('[{"type": "long", "name": "a", "optional": true}]', "inputs[0]", "unknown key(s) ['optional']"),
        ('[{"type": "long", "name": "a", "required": "false"}]', "inputs[0].required", "expected true or false"),
        ('[{"type": "long", "name": ["a"]}]', "inputs[0].name", "expected a string name"),
        ('[{"type": 5}]', "inputs[0].type", "unknown type the number 5"),
        ("[{'type': 'long'}]", "inputs", "not valid JSON"),
        ('["long"]', "inputs[0]", "expected a column spec"),
    ],
)
def test_malformed_schema_json(document: str, path: str, words: str) -> None:
    with pytest.raises(SignatureFormatError) as info:
        ModelSignature.from_dict({"inputs": document})
    assert info.value.path == path
    assert f"at {path}:" in str(info.value)
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("document", "path", "words"),
    [
        ('[{"name": "k", "type": "long"}]', "params[0].default", "missing key(s) ['default']"),
        ('[{"name": "k", "default": 1}]', "params[0].type", "missing key(s) ['type']"),
        ('[{"name": "k", "type": "array", "default": [1]}]', "params[0].type", "unsupported param type"),
        ('[{"name": "k", "type": "int", "default": 1}]', "params[0].type", "unsupported param type"),
        ('[{"name": "k", "type": "binary", "default": "x"}]', "params[0].type", "unsupported param type"),
        ('[{"name": "k", "type": "long", "default": 1.5}]', "params[0].default", "Can not safely convert"),
        ('[{"name": "k", "type": "long", "default": [1], "shape": [2]}]', "params[0].shape", "[-1]"),
        ('[{"name": "k", "type": "object", "default": {}}]', "params[0].properties", "missing key"),
        ('[{"name": "k", "type": "long", "default": 1}, {"name": "k", "type": "long", "default": 2}]',
         "params", "Duplicated parameters"),
    ],
)  # fmt: skip
def test_malformed_params_json(document: str, path: str, words: str) -> None:
    with pytest.raises(SignatureFormatError) as info:
        ModelSignature.from_dict({"params": document})
    assert info.value.path == path
    assert words in str(info.value)


def test_malformed_signature_dict() -> None:
    with pytest.raises(SignatureFormatError, match="At least one of inputs"):
        ModelSignature.from_dict({})
    with pytest.raises(SignatureFormatError, match="expected a mapping"):
        ModelSignature.from_dict(["inputs"])  # type: ignore[arg-type]
    with pytest.raises(SignatureFormatError, match="expected a JSON string"):
        ModelSignature.from_dict({"inputs": 5})
    with pytest.raises(SignatureFormatError) as info:
        Schema.from_json('[{"type": "bad"}]')
    assert info.value.path == "schema[0].type"  # standalone default root
    with pytest.raises(SignatureFormatError) as info:
        ColSpec.from_json_dict(type="array", items={"type": "nope"})
    assert info.value.path == "items.type"


def test_format_errors_carry_a_fix() -> None:
    with pytest.raises(SignatureFormatError) as info:
        Schema.from_json('[{"type": "strng", "name": "a"}]', path="inputs")
    assert info.value.fix and "Fix:" in str(info.value)
    assert "boolean" in str(info.value)


# --- Deliberate deviations on MLflow's loader bugs --------------------------------------------------------


def test_sparkml_vector_inside_map_and_object_loads_as_written() -> None:
    """Deviation: MLflow turns a map of vectors into a bare vector and fails on a vector property."""
    schema = Schema(
        [
            ColSpec(Map(SparkMLVector()), "m"),
            ColSpec(Object([Property("v", SparkMLVector())]), "o"),
        ]
    )
    again = roundtrip(schema)
    assert again.inputs[0].type == Map(SparkMLVector())
    assert again.inputs[1].type.properties[0].dtype == SparkMLVector()


def test_as_spark_schema_delegates_to_spark_types() -> None:
    """The one Spark entry point of Schema: imports pyspark lazily (no JVM needed to build types)."""
    from pyspark.sql import types as T

    from spark_signature.spark_types import to_spark_schema

    legacy = Schema.from_json('[{"type": "array", "items": {"type": "long"}, "name": "a"}]')
    spark_schema = legacy.as_spark_schema()
    assert spark_schema == to_spark_schema(legacy)
    # The legacy deviation reaches Spark: required (null in JSON) -> nullable=False.
    assert spark_schema["a"].nullable is False and spark_schema["a"].dataType == T.ArrayType(T.LongType())
