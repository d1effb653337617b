"""Test helper: the Arrow schema a local (pandas) user would have for the rows of a Spark schema."""

from __future__ import annotations

import pyarrow as pa

from spark_signature.enforcement.spark import spark_arrow_schema


def _naive(t: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(t):
        return pa.timestamp(t.unit)
    if pa.types.is_list(t):
        return pa.list_(_naive(t.value_type))
    if pa.types.is_map(t):
        return pa.map_(t.key_type, _naive(t.item_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _naive(f.type), f.nullable) for f in t])
    return t


def local_arrow_schema(spark_schema) -> pa.Schema:
    """Spark hands timestamps to Arrow tz-aware (UTC); a local user has naive timestamps."""
    return pa.schema([pa.field(f.name, _naive(f.type)) for f in spark_arrow_schema(spark_schema)])
