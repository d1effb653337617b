"""Column references that survive any column name (spaces, dots, backticks: MLflow's ``sepal length (cm)``)."""

from __future__ import annotations

from typing import Any


def quote(name: str) -> str:
    """The name as a Spark SQL identifier: ```a.b``` refers to a column called ``a.b``, not a field."""
    return "`" + str(name).replace("`", "``") + "`"


def string_literal(value: str) -> str:
    """``value`` as a Spark SQL string literal that no character can break out of, whatever the parser's
    escaping settings: its UTF-8 bytes as a binary literal, cast back (constant-folded by the optimizer)."""
    return f"CAST(X'{str(value).encode('utf-8').hex()}' AS STRING)"


def col(name: str) -> Any:
    """A column by its exact name (``F.expr`` of the quoted name: one parse, where ``F.col`` costs PySpark 4
    about four times the driver round trips, which counts at hundreds of columns)."""
    from pyspark.sql import functions as F

    return F.expr(quote(name))


def renamed(name: str, alias: str) -> Any:
    """``col(name).alias(alias)`` in one parse."""
    from pyspark.sql import functions as F

    return F.expr(f"{quote(name)} AS {quote(alias)}")
