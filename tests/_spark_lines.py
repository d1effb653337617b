"""Test helpers for what differs between Spark lines. spark_signature.compat decides; tests only skip,
always with the reason, never silently."""

from __future__ import annotations

import pytest
from pyspark.sql import types as T

from spark_signature import compat

HAS_VARIANT = compat.has_variant()
#: VARIANT tests: skipped on Spark 3.5 (no such type; compat refuses it with a TypeMappingError instead).
requires_variant = pytest.mark.skipif(not HAS_VARIANT, reason=compat.variant_skip_reason())
#: ``VariantType()`` where it exists; elsewhere a stand-in only read by tests that ``requires_variant``.
VARIANT: T.DataType = compat.variant_type() if HAS_VARIANT else T.NullType()


def _collated_string() -> T.DataType | None:
    try:
        return T.StringType("UTF8_LCASE")  # collations: Spark 4.0+
    except TypeError:
        return None


COLLATED_STRING = _collated_string()
requires_collations = pytest.mark.skipif(
    COLLATED_STRING is None, reason=f"string collations need Spark 4.0+; this is pyspark {compat.spark_version()}"
)
