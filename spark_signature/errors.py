"""One exception hierarchy, and the stable rule codes shared by fail-fast errors and quarantine rows.

Every error that leaves this package is a :class:`SignatureError`. Messages name the column (or param,
or JSON path), what the signature expects, what was found, and how to fix it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Rule(StrEnum):
    """Why a value, column or param was refused. Stable: written into quarantine rows and reports."""

    MISSING_COLUMN = "missing_column"
    NULL_IN_REQUIRED = "null_in_required"
    UNSAFE_CAST = "unsafe_cast"
    WRONG_TYPE = "wrong_type"
    MISSING_PROPERTY = "missing_property"
    EXTRA_PROPERTY = "extra_property"
    BAD_MAP_KEY = "bad_map_key"
    SHAPE_MISMATCH = "shape_mismatch"
    DTYPE_MISMATCH = "dtype_mismatch"
    COLUMN_COUNT = "column_count"
    INVALID_PARAM = "invalid_param"
    LOSSY_DECIMAL = "lossy_decimal"


class SignatureError(Exception):
    """Root of every error raised by spark_signature."""

    def __init__(
        self,
        message: str,
        *,
        rule: Rule | None = None,
        path: str | None = None,
        expected: Any = None,
        found: Any = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.rule = rule
        self.path = path
        self.expected = expected
        self.found = found
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        if self.hint and self.hint not in self.message:
            return f"{self.message}\nHint: {self.hint}"
        return self.message


class SchemaDefinitionError(SignatureError, ValueError):
    """A signature object was built with invalid arguments (MLflow's construction rules)."""


class SignatureFormatError(SignatureError, ValueError):
    """A signature JSON/YAML document (or MLmodel file) is malformed; ``path`` is the JSON path."""


class TypeMappingError(SignatureError, TypeError):
    """A Spark (or numpy/pandas) type has no mapping to or from the signature type system."""


class InferenceError(SignatureError, ValueError):
    """A signature could not be inferred from the given data."""


class SchemaEnforcementError(SignatureError, ValueError):
    """Data does not satisfy the signature (fail-fast mode, or the local engine)."""


class ParamsValidationError(SchemaEnforcementError):
    """Inference params do not satisfy the params schema."""


class ConfigError(SignatureError, ValueError):
    """A job or session configuration is invalid."""
