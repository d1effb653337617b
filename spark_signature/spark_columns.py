"""Column references that survive any column name (spaces, dots, backticks: MLflow's ``sepal length (cm)``)."""

from __future__ import annotations

from typing import Any


def quote(name: str) -> str:
    """The name as a Spark SQL identifier: ```a.b``` refers to a column called ``a.b``, not a field."""
    return "`" + str(name).replace("`", "``") + "`"


def col(name: str) -> Any:
    """``F.col`` of a column by its exact name."""
    from pyspark.sql import functions as F

    return F.col(quote(name))
