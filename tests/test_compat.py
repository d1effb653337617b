"""spark_signature.compat: what differs between Spark lines, checked on whichever line this venv runs.

`make test-matrix` runs this file on Spark 3.5 and 4.3 besides the default 4.0, so each branch of every
helper is exercised for real on the line that takes it.
"""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pytest
from _spark_lines import HAS_VARIANT, requires_variant
from pyspark.sql import functions as F
from pyspark.sql import types as T

from spark_signature import compat
from spark_signature.errors import ConfigError, TypeMappingError
from spark_signature.spark_types import from_spark_type, to_spark_type
from spark_signature.types import AnyType, Array

# --------------------------------------------------------------------------------------------------
# Versions (pure)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("3.5.9", (3, 5, 9)),
        ("4.0.0.dev1", (4, 0, 0)),
        ("4.1.0rc2", (4, 1, 0)),
        ("3.5.0+databricks", (3, 5, 0)),
        ("4", (4, 0, 0)),
        ("v4.3", (4, 3, 0)),
    ],
)
def test_parse_version(text: str, parsed: tuple[int, int, int]) -> None:
    assert compat.parse_version(text) == parsed


def test_parse_version_refuses_garbage() -> None:
    with pytest.raises(ConfigError, match="cannot read a version"):
        compat.parse_version("latest")


@pytest.mark.parametrize(
    ("version", "scala"), [("3.5.0", "2.12"), ("3.5.9", "2.12"), ("4.0.5", "2.13"), ("4.3.0", "2.13")]
)
def test_scala_suffix_of_the_pip_pyspark(version: str, scala: str) -> None:
    assert compat.scala_binary_version(version) == scala


@pytest.mark.parametrize(
    ("version", "supported"),
    [("3.4.4", False), ("3.5.0", True), ("4.0.5", True), ("4.3.0", True), ("4.4.0", False)],
)
def test_supported_lines(version: str, supported: bool) -> None:
    assert compat.supported_spark_line(version) is supported


def test_installed_spark_is_a_supported_line() -> None:
    import pyspark

    assert compat.spark_version() == pyspark.__version__
    assert compat.spark_line() == compat.parse_version(pyspark.__version__)[:2]
    assert compat.supported_spark_line()


def test_supported_lines_match_pyproject() -> None:
    """pyproject.toml's pyspark range and compat's lines are one statement, written twice: keep them equal."""
    import tomllib
    from pathlib import Path

    from packaging.requirements import Requirement

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    (pyspark,) = [Requirement(r) for r in project["project"]["dependencies"] if r.startswith("pyspark")]
    old, new = compat.OLDEST_SPARK_LINE, compat.NEWEST_SPARK_LINE
    assert pyspark.specifier.contains(f"{old[0]}.{old[1]}.0")
    assert not pyspark.specifier.contains(f"{old[0]}.{old[1] - 1}.9")
    assert pyspark.specifier.contains(f"{new[0]}.{new[1]}.99")
    assert not pyspark.specifier.contains(f"{new[0]}.{new[1] + 1}.0")


def test_importing_compat_loads_no_pyspark() -> None:
    code = "import sys, spark_signature.compat; print('pyspark' in sys.modules, 'pyarrow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------------------------------
# VARIANT (Spark 4.0+)
# --------------------------------------------------------------------------------------------------


def test_variant_support_follows_the_installed_line() -> None:
    assert HAS_VARIANT is (compat.spark_line() >= compat.VARIANT_SINCE)
    assert HAS_VARIANT is hasattr(T, "VariantType")


@requires_variant
def test_variant_type_on_4x() -> None:
    assert compat.variant_type() == T.VariantType()
    assert compat.is_variant(T.VariantType())
    assert to_spark_type(Array(AnyType())) == T.ArrayType(T.VariantType(), True)
    assert from_spark_type(T.VariantType()) == AnyType()


@pytest.mark.skipif(HAS_VARIANT, reason="this pyspark has VARIANT; the refusal is for Spark 3.5")
def test_any_type_needs_variant_on_3_5() -> None:
    with pytest.raises(TypeMappingError) as info:
        to_spark_type(Array(AnyType()), path="payload")
    err = info.value
    assert err.path == "payload[]"
    assert "VARIANT" in str(err) and compat.spark_version() in str(err) and "Spark 4.0" in str(err)
    assert err.hint and "concrete type" in err.hint


def test_is_variant_is_false_for_other_types() -> None:
    assert not compat.is_variant(T.StringType())
    assert not compat.is_variant(T.NullType())
    assert from_spark_type(T.NullType()) == AnyType()  # NullType stays AnyType on every line


# --------------------------------------------------------------------------------------------------
# Spark Connect, Observation, Arrow, error classes (a real session)
# --------------------------------------------------------------------------------------------------


def test_classic_objects_are_not_connect(spark) -> None:
    df = spark.range(1)
    assert not compat.is_connect(spark)
    assert not compat.is_connect(df)
    assert not compat.is_connect(df["id"])


def test_connect_detection_is_by_class_module() -> None:
    """A class defined in a pyspark.sql.connect module (or derived from one) is a Connect object."""
    connect_cls = type("DataFrame", (), {"__module__": "pyspark.sql.connect.dataframe"})
    derived = type("Mine", (connect_cls,), {"__module__": "somewhere.else"})
    assert compat.is_connect(connect_cls())
    assert compat.is_connect(derived())
    assert not compat.is_connect(object())


def test_connect_unavailable_without_grpc() -> None:
    import importlib.util

    if importlib.util.find_spec("grpc") is not None:
        pytest.skip("grpcio is installed here: whether Connect works needs a Connect server, not this check")
    assert compat.connect_available() is False


def test_observation_filled_only_after_an_action(spark) -> None:
    from pyspark.sql import Observation

    observation = Observation("compat_test")
    assert compat.observation_is_filled(observation, spark) is False  # not attached yet
    df = spark.range(10).observe(observation, F.count(F.lit(1)).alias("rows"))
    assert compat.observation_metrics(observation, spark) is None  # attached, no action yet (get would block)
    assert df.where("id % 2 = 0").count() == 5
    # The listener fills it a moment after the action returned; with the session the bus is drained first.
    assert compat.observation_metrics(observation, spark) == {"rows": 10}
    assert compat.observation_is_filled(observation) is True


def test_observation_of_a_connect_client_uses_its_result() -> None:
    """Connect's Observation answers ``get`` without blocking: {} until the metrics came back."""

    class ConnectObservation:  # the shape of pyspark.sql.connect.observation.Observation
        __module__ = "pyspark.sql.connect.observation"

        def __init__(self, result):
            self._result = result

        @property
        def get(self):
            if self._result is None:
                raise AssertionError("NO_OBSERVE_BEFORE_GET")
            return self._result

    assert compat.observation_is_filled(ConnectObservation(None)) is False
    assert compat.observation_is_filled(ConnectObservation({})) is False
    assert compat.observation_is_filled(ConnectObservation({"rows": 3})) is True


def test_arrow_table(spark) -> None:
    df = spark.createDataFrame([(1, "a"), (2, None)], "id bigint, s string")
    table = compat.arrow_table(df)
    assert isinstance(table, pa.Table)
    assert table.to_pydict() == {"id": [1, 2], "s": ["a", None]}
    empty = compat.arrow_table(df.where("id > 5"))
    assert empty.num_rows == 0 and empty.schema.names == ["id", "s"]


def test_error_condition_of_an_analysis_error(spark) -> None:
    from pyspark.errors import AnalysisException

    with pytest.raises(AnalysisException) as info:
        spark.range(1).select("no_such_column").collect()
    assert (compat.error_condition(info.value) or "").startswith("UNRESOLVED_COLUMN")


def test_error_condition_of_other_errors_is_none() -> None:
    assert compat.error_condition(ValueError("x")) is None


def test_to_arrow_schema_has_utc_timestamps_on_every_line() -> None:
    schema = T.StructType(
        [
            T.StructField("t", T.TimestampType()),
            T.StructField("ts", T.ArrayType(T.TimestampNTZType())),
            T.StructField("m", T.MapType(T.StringType(), T.LongType())),
        ]
    )
    arrow = compat.to_arrow_schema(schema)
    assert arrow.field("t").type == pa.timestamp("us", tz="UTC")
    assert arrow.field("ts").type == pa.list_(pa.timestamp("us"))
    assert pa.types.is_map(arrow.field("m").type)
    paris = compat.to_arrow_schema(schema, timezone="Europe/Paris").field("t").type.tz
    assert paris == ("Europe/Paris" if compat._to_arrow_schema_takes_timezone() else "UTC")
