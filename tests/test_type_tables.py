"""Every DataType has an entry in every mapping table: a new DataType that misses one fails here.

The tables: numpy / pandas / Python (types/datatype.py), Spark (spark_types.DATATYPE_TO_SPARK), Arrow
(arrow_types.DATATYPE_TO_ARROW), the Python scalar types inference maps to each DataType, and the rule
table (rules.CONVERSIONS: a column of the DataType's own Spark and Arrow type is accepted unchanged).
"""

from __future__ import annotations

import numpy as np
import pytest
from pyspark.sql import types as T

from spark_signature.arrow_types import DATATYPE_TO_ARROW, classify
from spark_signature.arrow_types import to_arrow_type as signature_to_arrow
from spark_signature.enforcement.spark import spark_arrow_schema
from spark_signature.rules import Decision, Found, decide
from spark_signature.spark_types import DATATYPE_TO_SPARK, from_spark_type, to_spark_type
from spark_signature.types import DataType
from spark_signature.types.datatype import DATETIME_SCALAR_TYPES, PYTHON_SCALAR_TYPES

ALL = list(DataType)


def test_every_table_covers_exactly_the_datatypes():
    assert set(DATATYPE_TO_SPARK) == set(ALL)
    assert set(DATATYPE_TO_ARROW) == set(ALL)
    inferable = set(PYTHON_SCALAR_TYPES.values()) | ({DataType.datetime} if DATETIME_SCALAR_TYPES else set())
    assert inferable == set(ALL), f"no Python scalar infers {set(ALL) - inferable}"


@pytest.mark.parametrize("t", ALL, ids=lambda t: t.name)
def test_datatype_through_every_table(t):
    assert isinstance(t.to_numpy(), np.dtype)
    assert DataType.from_numpy_type(t.to_numpy()) is t  # numpy goes both ways
    assert t.to_pandas() is not None
    assert isinstance(t.to_python(), type)
    spark = to_spark_type(t)
    assert t.to_spark() == spark  # DataType.to_spark derives from the Spark table
    assert from_spark_type(spark) is t  # the Spark table goes both ways
    assert signature_to_arrow(t) == DATATYPE_TO_ARROW[t]
    # a column of the DataType's own Spark type, as mapInArrow hands it over, is accepted unchanged
    spark_arrow = spark_arrow_schema(T.StructType([T.StructField("x", spark)])).field(0).type
    assert decide(classify(spark_arrow, spark=True), t).decision is Decision.ACCEPT, spark_arrow
    # the local engine's output type is accepted unchanged too (timestamps are naive there)
    assert decide(classify(DATATYPE_TO_ARROW[t]), t).decision is Decision.ACCEPT
    # an all-null column has no type of its own: the rule table accepts it for every declared type
    assert decide(Found.NULL, t).accepted


def test_spark_type_instances_used_as_values_map_back():
    from spark_signature.spark_types import datatype_of_spark_instance

    for t, spark_class in DATATYPE_TO_SPARK.items():
        assert datatype_of_spark_instance(spark_class()) is t
        assert DataType.check_type(t, spark_class())
    assert datatype_of_spark_instance(T.ByteType()) is None  # only the eight exact classes, as MLflow
