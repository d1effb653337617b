"""MLflow as the oracle: run its ``validate_schema`` and check that a refusal has the expected reason.

"MLflow raised something" proves nothing (a crash in a test helper raises too). Each of our rule codes
maps to the exception class MLflow raises for that problem and a fragment of its message, read from
``mlflow/models/utils.py`` (3.17). Where MLflow lets a raw pandas/numpy error escape for a known reason
(it converts the column without looking at the values first), that class and message are listed too.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any

import pytest

# rule -> [(exception class name, message regex)]; the class is matched by name (MlflowException is
# imported lazily: mlflow is optional for the rest of the suite).
REASONS: dict[str, list[tuple[str, str]]] = {
    "missing_column": [("MlflowException", r"Model is missing inputs|is required by the model signature but missing")],
    "column_count": [("MlflowException", r"Model inference is missing inputs")],
    # A null MLflow refuses: an integer column holding NaN (float64, or object with None), a None where a
    # scalar value is expected (map values, properties), or pandas' NA in a nullable integer column.
    # (Spark Connect's toPandas hands a null struct field over as NaN: "received type float".)
    "null_in_required": [
        ("MlflowException", r"missing values|Can not safely convert (float64|object) to int(32|64)"
                            r"|got NoneType|received type NoneType|Expected type (long|integer), received type float"),
        ("ValueError", r"cannot convert NA to integer"),
        ("TypeError", r"not 'NAType'"),
    ],
    # compat="mlflow": a null in an *optional* integer column or element (pandas holds it as a float NaN)
    "null_in_integer": [
        ("MlflowException", r"missing values|Can not safely convert (float64|object) to int(32|64)"
                            r"|Expected type (long|integer), received type float"),
        ("ValueError", r"cannot convert NA to integer"),
    ],
    "unsafe_cast": [
        ("MlflowException", r"Incompatible input types for column|Failed to convert column"
                            r"|only contains timezone-naive"),
        ("TypeError", r"is not convertible to datetime|Invalid object type"),  # pandas, on object columns
    ],
    "wrong_type": [("MlflowException", r"Incompatible input types|Expected data to be|Failed to enforce schema")],
    "missing_property": [("MlflowException", r"Missing required properties")],
    "extra_property": [("MlflowException", r"Invalid properties not defined in the schema")],
    "bad_map_key": [("MlflowException", r"Expected all keys in the map type data are string type")],
    "shape_mismatch": [("MlflowException", r"Shape of input|could not be converted to the expected shape")],
    "dtype_mismatch": [("MlflowException", r"dtype of input \S+ does not match expected dtype")],
}


def mlflow_schema(schema: Any) -> Any:
    """MLflow's Schema for ours (through the JSON both write), or MLflow's own unchanged."""
    types = pytest.importorskip("mlflow.types.schema")
    if isinstance(schema, types.Schema):
        return schema
    return types.Schema.from_json(schema.to_json())


def mlflow_error(data: Any, schema: Any) -> BaseException | None:
    """What MLflow's ``validate_schema`` raises for ``data`` (None: MLflow accepts it)."""
    models = pytest.importorskip("mlflow.models")
    theirs = mlflow_schema(schema)
    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            models.validate_schema(data.copy() if hasattr(data, "copy") else data, theirs)
    except Exception as exc:  # the reason is checked by the caller: see assert_refused_for
        return exc
    finally:
        logger.setLevel(level)
    return None


def refused_for(error: BaseException | None, rules: Any) -> bool:
    """Did MLflow refuse for one of ``rules`` (a rule code or several)?"""
    if error is None:
        return False
    rules = [rules] if isinstance(rules, str) else list(rules)
    names = {c.__name__ for c in type(error).__mro__}
    return any(cls in names and re.search(pattern, str(error), re.S)
               for rule in rules for cls, pattern in REASONS[str(rule)])


def assert_refused_for(error: BaseException | None, rules: Any, context: str = "") -> None:
    rules = [rules] if isinstance(rules, str) else sorted({str(r) for r in rules})
    assert error is not None, f"MLflow accepted {context}; expected a refusal for {rules}"
    assert refused_for(error, rules), (
        f"MLflow refused {context} for another reason than {rules}: {type(error).__name__}: {error}")
