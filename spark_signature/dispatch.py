"""Which room takes a piece of data: the Spark room (classic or Connect DataFrames) or the Python room
(pandas, numpy, scipy, lists, dicts, scalars). Decided here once, without importing pyspark, as
pandera's backend registry does; every public entry point that takes either asks this module."""

from __future__ import annotations

from typing import Any

from spark_signature.errors import ConfigError, Rule


def is_spark_dataframe(value: Any) -> bool:
    """True for a classic or Spark Connect ``pyspark.sql.DataFrame``, without importing pyspark."""
    cls = type(value)
    return cls.__module__.startswith("pyspark") and any(c.__name__ == "DataFrame" for c in cls.__mro__)


def is_pandas_like(value: Any) -> bool:
    """A pandas DataFrame or Series (what the local engine takes besides numpy, lists and dicts)."""
    cls = type(value)
    return cls.__module__.startswith("pandas") and cls.__name__ in ("DataFrame", "Series")


def require_spark_dataframe(value: Any, function: str, local_alternative: str) -> None:
    """Refuse anything but a Spark DataFrame, pointing to the local function for Python data, and a
    DataFrame whose kind (classic / Spark Connect) is not the one pyspark builds columns for here."""
    if is_spark_dataframe(value):
        from spark_signature.connect import check_api_mode

        check_api_mode(value, function)
        return
    kind = f"{type(value).__module__.split('.')[0]}.{type(value).__name__}"
    raise ConfigError(
        f"{function} takes a Spark DataFrame, got {kind}.",
        rule=Rule.INVALID_OPTION, path="df", expected="pyspark.sql.DataFrame", found=kind,
        fix=f"for pandas, numpy, lists or dicts call {local_alternative} instead, or make a Spark "
        "DataFrame with spark.createDataFrame(...)",
    )


def refuse_spark_dataframe(value: Any, function: str, spark_alternative: str) -> None:
    """Refuse a Spark DataFrame where only Python data is taken, pointing to the Spark function."""
    if is_spark_dataframe(value):
        raise ConfigError(
            f"{function} takes pandas, numpy, lists or dicts, got a Spark DataFrame.",
            rule=Rule.INVALID_OPTION, path="data", expected="Python data", found="pyspark.sql.DataFrame",
            fix=f"call {spark_alternative} for Spark DataFrames: it checks every row in Spark, without "
            "collecting the data to the driver",
        )
