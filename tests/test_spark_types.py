"""Schema <-> StructType, both ways, nested (spark_signature.spark_types)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from _spark_lines import COLLATED_STRING, HAS_VARIANT, VARIANT, requires_collations, requires_variant
from _strategies import FIELD_NAMES, named_schemas, signature_types
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.errors import PySparkValueError
from pyspark.ml.linalg import MatrixUDT, VectorUDT
from pyspark.sql import types as T

from spark_signature import compat
from spark_signature.errors import SignatureError, TypeMappingError
from spark_signature.spark_types import (
    from_spark_schema,
    from_spark_type,
    is_lossy_decimal,
    tensor_to_spark_type,
    to_spark_schema,
    to_spark_type,
)
from spark_signature.types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    Property,
    Schema,
    SparkMLVector,
    TensorSpec,
)

HYPOTHESIS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def arr(t: T.DataType) -> T.ArrayType:
    return T.ArrayType(t, containsNull=True)


def smap(t: T.DataType) -> T.MapType:
    return T.MapType(T.StringType(), t, valueContainsNull=True)


def field(name: str, t: T.DataType, nullable: bool = True) -> T.StructField:
    return T.StructField(name, t, nullable)


# ------------------------------------------------------------------------------------------------
# The table (docs/types.md), one row per test case
# ------------------------------------------------------------------------------------------------

SIGNATURE_TO_SPARK = [
    (DataType.boolean, T.BooleanType()),
    (DataType.integer, T.IntegerType()),
    (DataType.long, T.LongType()),
    (DataType.float, T.FloatType()),
    (DataType.double, T.DoubleType()),
    (DataType.string, T.StringType()),
    (DataType.binary, T.BinaryType()),
    (DataType.datetime, T.TimestampType()),
    (Array(DataType.long), arr(T.LongType())),
    (Map(DataType.double), smap(T.DoubleType())),
    pytest.param(AnyType(), VARIANT, marks=requires_variant),
    (SparkMLVector(), arr(T.DoubleType())),
    (
        Object([Property("b", DataType.string, required=False), Property("a", DataType.long)]),
        T.StructType([field("a", T.LongType(), False), field("b", T.StringType(), True)]),
    ),
]

SPARK_TO_SIGNATURE = [
    (T.ByteType(), DataType.integer),
    (T.ShortType(), DataType.integer),
    (T.IntegerType(), DataType.integer),
    (T.LongType(), DataType.long),
    (T.FloatType(), DataType.float),
    (T.DoubleType(), DataType.double),
    (T.DecimalType(10, 2), DataType.double),
    (T.DecimalType(38, 18), DataType.double),
    (T.BooleanType(), DataType.boolean),
    (T.StringType(), DataType.string),
    pytest.param(COLLATED_STRING, DataType.string, marks=requires_collations),
    (T.CharType(3), DataType.string),
    (T.VarcharType(10), DataType.string),
    (T.BinaryType(), DataType.binary),
    (T.DateType(), DataType.datetime),
    (T.TimestampType(), DataType.datetime),
    (T.TimestampNTZType(), DataType.datetime),
    (T.ArrayType(T.IntegerType(), containsNull=False), Array(DataType.integer)),
    (arr(T.LongType()), Array(DataType.long)),
    (T.StructType([field("x", T.DoubleType(), False)]), Object([Property("x", DataType.double)])),
    (T.MapType(T.StringType(), T.LongType(), False), Map(DataType.long)),
    (T.MapType(T.VarcharType(5), T.LongType()), Map(DataType.long)),
    (VectorUDT(), SparkMLVector()),
    pytest.param(VARIANT, AnyType(), marks=requires_variant),
    (T.NullType(), AnyType()),
]


class FakeTimeType(T.AtomicType):
    """Stands in for Spark types this pyspark does not know yet (TIME, GEOMETRY, ...)."""

    def simpleString(self) -> str:
        return "time(6)"


UNSUPPORTED = [
    T.DayTimeIntervalType(),
    T.DayTimeIntervalType(T.DayTimeIntervalType.HOUR, T.DayTimeIntervalType.MINUTE),
    T.YearMonthIntervalType(),
    pytest.param(
        getattr(T, "CalendarIntervalType", T.NullType)(),
        marks=pytest.mark.skipif(not hasattr(T, "CalendarIntervalType"), reason="CalendarIntervalType: pyspark 4.0+"),
        id="CalendarIntervalType()",
    ),
    MatrixUDT(),
    FakeTimeType(),
]


@pytest.mark.parametrize(("spec_type", "spark_type"), SIGNATURE_TO_SPARK, ids=repr)
def test_signature_to_spark(spec_type, spark_type):
    assert to_spark_type(spec_type) == spark_type


@pytest.mark.parametrize(("spark_type", "spec_type"), SPARK_TO_SIGNATURE, ids=repr)
def test_spark_to_signature(spark_type, spec_type):
    assert from_spark_type(spark_type) == spec_type
    if isinstance(spec_type, SparkMLVector):  # SparkMLVector == Array(double) is not symmetric
        assert isinstance(from_spark_type(spark_type), SparkMLVector)


@pytest.mark.parametrize("spark_type", UNSUPPORTED, ids=repr)
def test_unsupported_spark_types_raise_with_path_and_hint(spark_type):
    with pytest.raises(TypeMappingError) as info:
        from_spark_type(spark_type, path="col")
    err = info.value
    assert err.path == "col"
    assert err.found == spark_type.simpleString()
    assert "`col`" in str(err) and spark_type.simpleString() in str(err)
    assert "Fix:" in str(err)
    assert isinstance(err, SignatureError) and isinstance(err, TypeError)


def test_unsupported_types_hint_says_cast_in_sql():
    with pytest.raises(TypeMappingError, match=r"CAST\(<column> AS STRING\)"):
        from_spark_type(T.DayTimeIntervalType(), path="d")


def test_every_datatype_maps_to_spark_and_back():
    assert {t.name for t in DataType} == {
        "boolean",
        "integer",
        "long",
        "float",
        "double",
        "string",
        "binary",
        "datetime",
    }
    for t in DataType:
        assert from_spark_type(to_spark_type(t)) == t
        assert to_spark_type(t.name) == to_spark_type(t)  # a DataType name string is accepted


def test_to_spark_type_refuses_non_types():
    with pytest.raises(TypeMappingError, match="not a signature type"):
        to_spark_type(3.5, path="x")
    with pytest.raises(TypeMappingError, match="unknown signature type name 'int'"):
        to_spark_type("int", path="x")
    with pytest.raises(TypeMappingError, match="tensor_to_spark_type"):
        to_spark_type(TensorSpec(np.dtype("float64"), (-1,)))


def test_is_lossy_decimal():
    assert not is_lossy_decimal(T.DecimalType(15, 2))
    assert is_lossy_decimal(T.DecimalType(16, 2))
    assert is_lossy_decimal(T.DecimalType(38, 0))
    assert not is_lossy_decimal(T.DoubleType())


# ------------------------------------------------------------------------------------------------
# Errors name the path
# ------------------------------------------------------------------------------------------------


def _path_of(struct: T.StructType) -> str:
    with pytest.raises(TypeMappingError) as info:
        from_spark_schema(struct)
    return info.value.path


def test_error_path_through_struct_array_struct():
    interval = T.DayTimeIntervalType()
    struct = T.StructType(
        [
            field("id", T.LongType()),
            field(
                "features",
                T.StructType(
                    [
                        field(
                            "items",
                            arr(T.StructType([field("price", interval), field("sku", T.StringType())])),
                        ),
                    ]
                ),
            ),
        ]
    )
    with pytest.raises(TypeMappingError) as info:
        from_spark_schema(struct)
    assert info.value.path == "features.items[].price"
    assert "`features.items[].price`" in str(info.value)
    assert "interval day to second" in str(info.value)


def test_error_path_plain_struct_field():
    struct = T.StructType(
        [
            field(
                "features",
                T.StructType([field("items", T.StructType([field("price", T.YearMonthIntervalType())]))]),
            )
        ]
    )
    assert _path_of(struct) == "features.items.price"


def test_error_path_map_values_and_keys():
    assert _path_of(T.StructType([field("m", smap(arr(T.DayTimeIntervalType())))])) == "m{}[]"
    with pytest.raises(TypeMappingError, match="string keys") as info:
        from_spark_schema(T.StructType([field("a", arr(T.MapType(T.IntegerType(), T.LongType())))]))
    assert info.value.path == "a[]"
    assert "transform_keys" in str(info.value)


def test_empty_struct_is_refused_with_path():
    with pytest.raises(TypeMappingError, match="empty struct") as info:
        from_spark_schema(T.StructType([field("s", T.StructType([field("inner", T.StructType([]))]))]))
    assert info.value.path == "s.inner"
    with pytest.raises(TypeMappingError, match="at least one column"):
        from_spark_schema(T.StructType([]))


def test_duplicate_struct_fields_are_refused_with_path():
    dup = T.StructType([field("x", T.LongType()), field("x", T.StringType())])
    with pytest.raises(TypeMappingError, match="duplicate field names") as info:
        from_spark_schema(T.StructType([field("s", dup)]))
    assert info.value.path == "s"


def test_other_udt_is_refused():
    with pytest.raises(TypeMappingError, match="VectorUDT") as info:
        from_spark_schema(T.StructType([field("m", MatrixUDT())]))
    assert info.value.path == "m"


# ------------------------------------------------------------------------------------------------
# required <-> nullable, at every level
# ------------------------------------------------------------------------------------------------

NESTED = Schema(
    [
        ColSpec(DataType.long, name="id"),
        ColSpec(DataType.string, name="note", required=False),
        ColSpec(
            Object(
                [
                    Property("tags", Array(DataType.string), required=False),
                    Property(
                        "items",
                        Array(
                            Object(
                                [
                                    Property("price", DataType.double),
                                    Property(
                                        "attrs",
                                        Map(Array(Object([Property("k", DataType.string, required=False)]))),
                                    ),
                                ]
                            )
                        ),
                    ),
                ]
            ),
            name="features",
        ),
        ColSpec(Map(Object([Property("v", AnyType(), required=False)])), name="extra", required=False),
    ]
)

NESTED_SPARK = T.StructType(
    [
        field("id", T.LongType(), False),
        field("note", T.StringType(), True),
        field(
            "features",
            T.StructType(
                [
                    field(
                        "items",
                        arr(
                            T.StructType(
                                [
                                    field(
                                        "attrs",
                                        smap(arr(T.StructType([field("k", T.StringType(), True)]))),
                                        False,
                                    ),
                                    field("price", T.DoubleType(), False),
                                ]
                            )
                        ),
                        False,
                    ),
                    field("tags", arr(T.StringType()), True),
                ]
            ),
            False,
        ),
        field("extra", smap(T.StructType([field("v", VARIANT, True)])), True),
    ]
)


@requires_variant
def test_nested_schema_to_spark_exactly():
    assert to_spark_schema(NESTED) == NESTED_SPARK


def test_nested_schema_from_spark_exactly():
    assert from_spark_schema(NESTED_SPARK) == NESTED


def test_required_from_nullable_false_makes_top_level_required_only():
    relaxed = from_spark_schema(NESTED_SPARK, required_from_nullable=False)
    assert [c.required for c in relaxed.inputs] == [True, True, True, True]
    # nested struct fields still follow nullable (as MLflow's _infer_spark_type does)
    assert relaxed.inputs[2].type == NESTED.inputs[2].type
    assert relaxed.inputs[3].type == NESTED.inputs[3].type


def test_element_nullability_is_always_true_going_to_spark():
    t = to_spark_type(Array(Map(Array(DataType.long))))
    assert t.containsNull and t.elementType.valueContainsNull and t.elementType.valueType.containsNull


def test_element_nullability_is_dropped_coming_from_spark():
    strict = T.ArrayType(T.MapType(T.StringType(), T.LongType(), False), containsNull=False)
    assert from_spark_type(strict) == Array(Map(DataType.long))


def test_nulltype_is_an_optional_any():
    struct = T.StructType(
        [field("n", T.NullType(), False), field("s", T.StructType([field("n", T.NullType(), False)]))]
    )
    for relaxed in (True, False):
        schema = from_spark_schema(struct, required_from_nullable=relaxed)
        assert schema.inputs[0] == ColSpec(AnyType(), name="n", required=False)
        assert schema.inputs[1].type == Object([Property("n", AnyType(), required=False)])


def test_non_struct_spark_type_is_one_unnamed_required_column():
    assert from_spark_schema(arr(T.LongType())) == Schema([ColSpec(Array(DataType.long))])


# ------------------------------------------------------------------------------------------------
# Names
# ------------------------------------------------------------------------------------------------


def test_unnamed_columns_are_named_by_index():
    struct = to_spark_schema(Schema([ColSpec(DataType.long), ColSpec(Array(DataType.string))]))
    assert struct == T.StructType([field("0", T.LongType(), False), field("1", arr(T.StringType()), False)])
    assert to_spark_schema(Schema([ColSpec(DataType.double)])) == T.StructType(
        [field("0", T.DoubleType(), False)]
    )


def test_int_names_become_strings():
    struct = to_spark_schema(Schema([ColSpec(DataType.long, name=7), ColSpec(DataType.long, name=0)]))
    assert struct.fieldNames() == ["7", "0"]


# ------------------------------------------------------------------------------------------------
# Tensors
# ------------------------------------------------------------------------------------------------

TENSOR_DTYPES = [
    ("int8", T.ByteType()),
    ("int16", T.ShortType()),
    ("int32", T.IntegerType()),
    ("int64", T.LongType()),
    ("float32", T.FloatType()),
    ("float64", T.DoubleType()),
    ("bool", T.BooleanType()),
    ("str", T.StringType()),
    ("bytes", T.BinaryType()),
    ("datetime64[ns]", T.TimestampType()),
    ("datetime64[us]", T.TimestampType()),
    # Spark has no unsigned types: the smallest signed type that holds the range carries them
    ("uint8", T.ShortType()),
    ("uint16", T.IntegerType()),
    ("uint32", T.LongType()),
    ("uint64", T.LongType()),
]


@pytest.mark.parametrize(("dtype", "spark_type"), TENSOR_DTYPES)
def test_tensor_element_types(dtype, spark_type):
    assert tensor_to_spark_type(TensorSpec(np.dtype(dtype), (-1,))) == spark_type


@pytest.mark.parametrize(
    ("shape", "depth"), [((-1,), 0), ((), 0), ((-1, 4), 1), ((-1, 2, 3), 2), ((-1, -1, 28, 28), 3)]
)
def test_tensor_shapes_nest_arrays_after_the_batch_axis(shape, depth):
    expected: T.DataType = T.FloatType()
    for _ in range(depth):
        expected = arr(expected)
    assert tensor_to_spark_type(TensorSpec(np.dtype("float32"), shape)) == expected


@pytest.mark.parametrize("dtype", ["object", "float16", "complex128", "timedelta64[ns]"])
def test_unsupported_tensor_dtypes_raise(dtype):
    with pytest.raises(TypeMappingError, match="has no Spark element type") as info:
        tensor_to_spark_type(TensorSpec(np.dtype(dtype), (-1, 2), name="pixels"))
    assert info.value.path == "pixels"
    assert info.value.found == str(np.dtype(dtype))


def test_tensor_schema_to_spark():
    named = Schema(
        [
            TensorSpec(np.dtype("float32"), (-1, 28, 28), name="image"),
            TensorSpec(np.dtype("int64"), (-1,), name="label"),
        ]
    )
    assert to_spark_schema(named) == T.StructType(
        [
            field("image", arr(arr(T.FloatType())), False),
            field("label", T.LongType(), False),
        ]
    )
    unnamed = Schema([TensorSpec(np.dtype("float64"), (-1, 3))])
    assert to_spark_schema(unnamed) == T.StructType([field("0", arr(T.DoubleType()), False)])


def test_the_seed_mnist_tensor_maps_to_nested_smallint_arrays():
    """The seed's uint8 [-1, 28, 28, 1] images: three array levels of smallint (Spark has no uint8)."""
    mnist = Schema([TensorSpec(np.dtype("uint8"), (-1, 28, 28, 1), name="images")])
    assert to_spark_schema(mnist).simpleString() == "struct<images:array<array<array<smallint>>>>"


# ------------------------------------------------------------------------------------------------
# Hypothesis: round trips
# ------------------------------------------------------------------------------------------------

NAMES = FIELD_NAMES


def _struct(children, sort: bool):
    fields = st.lists(
        st.tuples(NAMES, children, st.booleans()), min_size=1, max_size=4, unique_by=lambda f: f[0]
    )
    if sort:
        fields = fields.map(lambda fs: sorted(fs, key=lambda f: f[0]))
    return fields.map(lambda fs: T.StructType([field(n, t, b) for n, t, b in fs]))


CANONICAL_LEAVES = [
    T.BooleanType(),
    T.IntegerType(),
    T.LongType(),
    T.FloatType(),
    T.DoubleType(),
    T.StringType(),
    T.BinaryType(),
    T.TimestampType(),
    *([VARIANT] if HAS_VARIANT else []),  # Spark 3.5 has no VARIANT: the round trip covers the rest
]

canonical_spark_types = st.recursive(
    st.sampled_from(CANONICAL_LEAVES),
    lambda c: c.map(arr) | c.map(smap) | _struct(c, sort=True),
    max_leaves=12,
)

SUPPORTED_LEAVES = [
    *CANONICAL_LEAVES,
    T.ByteType(),
    T.ShortType(),
    T.DecimalType(20, 4),
    T.CharType(2),
    T.VarcharType(9),
    *([COLLATED_STRING] if COLLATED_STRING is not None else []),  # collations: Spark 4.0+
    T.DateType(),
    T.TimestampNTZType(),
    *([T.NullType()] if HAS_VARIANT else []),  # NULL -> AnyType, whose Spark image is VARIANT (4.0+)
]

supported_spark_types = st.recursive(
    st.sampled_from(SUPPORTED_LEAVES),
    lambda c: (
        st.builds(T.ArrayType, c, st.booleans())
        | st.builds(T.MapType, st.sampled_from([T.StringType(), T.VarcharType(3)]), c, st.booleans())
        | _struct(c, sort=False)
    ),
    max_leaves=12,
)


@HYPOTHESIS
@given(named_schemas(signature_types()))
def test_schema_round_trip(schema):
    assert from_spark_schema(to_spark_schema(schema)) == schema


@HYPOTHESIS
@given(_struct(canonical_spark_types, sort=False))
def test_canonical_struct_round_trip(struct):
    assert to_spark_schema(from_spark_schema(struct)) == struct


@HYPOTHESIS
@given(_struct(supported_spark_types, sort=False))
def test_every_supported_struct_maps_into_the_canonical_image(struct):
    schema = from_spark_schema(struct)
    canonical = to_spark_schema(schema)
    assert from_spark_schema(canonical) == schema
    assert to_spark_schema(from_spark_schema(canonical)) == canonical


# ------------------------------------------------------------------------------------------------
# Parity with MLflow
# ------------------------------------------------------------------------------------------------

mlflow_schema = pytest.importorskip("mlflow.types.schema")


def to_mlflow(t):
    """Rebuild one of our types with MLflow's classes, through the shared attribute API."""
    m = mlflow_schema
    if isinstance(t, DataType):
        return m.DataType[t.name]
    if isinstance(t, SparkMLVector):
        return m.SparkMLVector()
    if isinstance(t, Array):
        return m.Array(to_mlflow(t.dtype))
    if isinstance(t, Map):
        return m.Map(to_mlflow(t.value_type))
    if isinstance(t, AnyType):
        return m.AnyType()
    if isinstance(t, Object):
        return m.Object([m.Property(p.name, to_mlflow(p.dtype), required=p.required) for p in t.properties])
    if isinstance(t, Schema):
        return m.Schema([m.ColSpec(to_mlflow(c.type), name=c.name, required=c.required) for c in t.inputs])
    raise AssertionError(t)


MLFLOW_INFERABLE_LEAVES = [
    T.ByteType(),
    T.ShortType(),
    T.IntegerType(),
    T.LongType(),
    T.FloatType(),
    T.DoubleType(),
    T.BooleanType(),
    T.StringType(),
    T.BinaryType(),
    T.DateType(),
    T.TimestampType(),
    VectorUDT(),
]

mlflow_inferable = st.recursive(
    st.sampled_from(MLFLOW_INFERABLE_LEAVES),
    lambda c: st.builds(T.ArrayType, c, st.booleans()) | _struct(c, sort=False),
    max_leaves=10,
)


@HYPOTHESIS
@given(_struct(mlflow_inferable, sort=False))
def test_parity_with_mlflow_infer_spark_type(struct):
    from mlflow.types.utils import _infer_spark_type

    theirs = mlflow_schema.Schema(
        [mlflow_schema.ColSpec(_infer_spark_type(f.dataType), name=f.name) for f in struct.fields]
    )
    assert to_mlflow(from_spark_schema(struct, required_from_nullable=False)) == theirs


primitive_schemas = st.lists(
    st.tuples(NAMES, st.sampled_from(list(DataType)), st.booleans()),
    min_size=1,
    max_size=6,
).map(lambda cs: Schema([ColSpec(t, name=n, required=r) for n, t, r in cs]))


@HYPOTHESIS
@given(primitive_schemas)
def test_parity_with_mlflow_as_spark_schema_on_primitives(schema):
    assert to_spark_schema(schema) == to_mlflow(schema).as_spark_schema()


def test_parity_with_mlflow_as_spark_schema_unnamed():
    many = Schema([ColSpec(DataType.long), ColSpec(DataType.string)])
    assert to_spark_schema(many) == to_mlflow(many).as_spark_schema()
    # MLflow returns the bare type for one unnamed column; we always return a struct, field "0"
    one = Schema([ColSpec(DataType.double)])
    assert to_spark_schema(one)["0"].dataType == to_mlflow(one).as_spark_schema()


@requires_variant
def test_mlflow_as_spark_schema_fails_where_ours_succeeds():
    schema = Schema([ColSpec(Array(DataType.long), name="a"), ColSpec(Map(AnyType()), name="m")])
    with pytest.raises(AttributeError, match="to_spark"):
        to_mlflow(schema).as_spark_schema()
    assert to_spark_schema(schema) == T.StructType(
        [field("a", arr(T.LongType()), False), field("m", smap(VARIANT), False)]
    )


def _all_nullable(t: T.DataType) -> T.DataType:
    if isinstance(t, T.StructType):
        return T.StructType([field(f.name, _all_nullable(f.dataType), True) for f in t.fields])
    if isinstance(t, T.ArrayType):
        return arr(_all_nullable(t.elementType))
    if isinstance(t, T.MapType):
        return smap(_all_nullable(t.valueType))
    return t


@HYPOTHESIS
@given(signature_types(vector=True))
def test_parity_with_pyfunc_spark_type_up_to_struct_nullability(spec_type):
    from mlflow.pyfunc import _convert_spec_type_to_spark_type

    ours = to_spark_type(spec_type)
    assert _all_nullable(ours) == _convert_spec_type_to_spark_type(to_mlflow(spec_type))


@requires_variant
def test_schema_as_spark_schema_delegates():
    if Schema is mlflow_schema.Schema:
        pytest.skip("spark_signature.types is MLflow's stand-in")
    assert NESTED.as_spark_schema() == NESTED_SPARK


# ------------------------------------------------------------------------------------------------
# Real DataFrames
# ------------------------------------------------------------------------------------------------

ALL_TYPES = Schema(
    [
        ColSpec(DataType.boolean, name="b"),
        ColSpec(DataType.integer, name="i"),
        ColSpec(DataType.long, name="l"),
        ColSpec(DataType.float, name="f"),
        ColSpec(DataType.double, name="d", required=False),
        ColSpec(DataType.string, name="s"),
        ColSpec(DataType.binary, name="bin"),
        ColSpec(DataType.datetime, name="ts"),
        ColSpec(Array(DataType.long), name="arr"),
        ColSpec(
            Object([Property("x", DataType.double), Property("y", DataType.string, required=False)]),
            name="obj",
        ),
        ColSpec(Map(Array(DataType.double)), name="m"),
        ColSpec(AnyType(), name="any", required=False),
    ]
)

ROW = (
    True,
    1,
    2,
    1.5,
    None,
    "s",
    b"\x00",
    dt.datetime(2024, 1, 2, 3, 4, 5),
    [1, None, 3],
    {"x": 1.0, "y": None},
    {"k": [0.5, None]},
    None,
)


@pytest.mark.spark
@requires_variant  # the schema has an AnyType column
def test_dataframe_from_signature_schema(spark):
    struct = to_spark_schema(ALL_TYPES)
    empty = spark.createDataFrame([], struct)
    assert empty.schema == struct
    assert empty.count() == 0

    df = spark.createDataFrame([ROW, ROW], struct)
    assert df.schema == struct
    assert from_spark_schema(df.schema) == ALL_TYPES
    row = df.collect()[0]
    assert row.arr == [1, None, 3] and row.obj.x == 1.0 and row.m == {"k": [0.5, None]}


@pytest.mark.spark
@requires_variant  # the schema has an AnyType column
def test_spark_enforces_required_as_not_nullable(spark):
    struct = to_spark_schema(ALL_TYPES)
    bad = (None, *ROW[1:])
    with pytest.raises(PySparkValueError) as info:
        spark.createDataFrame([bad], struct)
    assert compat.error_condition(info.value) == "FIELD_NOT_NULLABLE_WITH_NAME"
    assert "field b" in str(info.value)
    bad_nested = (*ROW[:9], {"x": None, "y": "a"}, *ROW[10:])
    with pytest.raises(PySparkValueError) as info:
        spark.createDataFrame([bad_nested], struct)
    assert "field x in field obj" in str(info.value)


@pytest.mark.spark
def test_sql_types_from_a_real_dataframe(spark):
    df = spark.sql(
        "SELECT CAST(1 AS TINYINT) AS t, CAST(1.5 AS DECIMAL(20, 2)) AS dec, DATE'2024-01-01' AS day, "
        "TIMESTAMP_NTZ'2024-01-01 00:00:00' AS ntz, NULL AS nothing, "
        "named_struct('items', array(named_struct('price', INTERVAL '1' DAY))) AS features"
    )
    with pytest.raises(TypeMappingError) as info:
        from_spark_schema(df.schema)
    assert info.value.path == "features.items[].price"
    schema = from_spark_schema(df.drop("features").schema)
    assert [c.type for c in schema.inputs] == [
        DataType.integer,
        DataType.double,
        DataType.datetime,
        DataType.datetime,
        AnyType(),
    ]
    assert schema.inputs[-1].required is False


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer:UserWarning")
def test_vector_column_parity_with_mlflow(spark):
    from mlflow.types.utils import _infer_schema
    from pyspark.ml.linalg import Vectors

    df = spark.createDataFrame([(Vectors.dense([1.0, 2.0]), 1)], ["features", "label"])
    ours = from_spark_schema(df.schema, required_from_nullable=False)
    assert isinstance(ours.inputs[0].type, SparkMLVector)
    assert to_mlflow(ours) == _infer_schema(df)
    assert to_spark_schema(ours)["features"].dataType == arr(T.DoubleType())


def test_unsigned_carriers_are_one_way():
    """Inference reads a smallint array as int16, never as the uint8 it may carry."""
    from spark_signature.spark_types import tensor_dtype_of

    assert tensor_dtype_of(T.ShortType()) == np.dtype("int16")
    assert tensor_dtype_of(T.LongType()) == np.dtype("int64")
