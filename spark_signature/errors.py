"""One exception hierarchy, the stable rule codes, and the one place that writes messages and fixes.

Every error that leaves this package is a :class:`SignatureError`. A message names the column (or
param, option or JSON path), what the signature expects, what was found, and how to fix it: the fix
is a separate field (:attr:`SignatureError.fix`) rendered as a ``Fix:`` line, and the default fix of
each :class:`Rule` lives in :data:`FIXES`, next to the codes. Quarantine rows, fail-fast errors, the
local engine and (later) reports all describe a violation with :func:`describe`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Rule(StrEnum):
    """Why a value, column, param or option was refused. Stable: written into quarantine rows and reports."""

    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    NULL_IN_REQUIRED = "null_in_required"
    NULL_IN_INTEGER = "null_in_integer"  # compat="mlflow": a null in an optional integer/long (MLflow refuses it)
    UNSAFE_CAST = "unsafe_cast"
    WRONG_TYPE = "wrong_type"
    MISSING_PROPERTY = "missing_property"
    EXTRA_PROPERTY = "extra_property"
    BAD_MAP_KEY = "bad_map_key"
    SHAPE_MISMATCH = "shape_mismatch"
    DTYPE_MISMATCH = "dtype_mismatch"
    COLUMN_COUNT = "column_count"
    INVALID_PARAM = "invalid_param"
    INVALID_OPTION = "invalid_option"


#: The default fix of each rule: what the user can change, in the data or in the signature.
FIXES: dict[Rule, str] = {
    Rule.MISSING_COLUMN: "add the column to the input, or mark it optional (required=False) in the signature",
    Rule.DUPLICATE_COLUMN: "rename or drop the duplicated columns: names must be unique to match a signature",
    Rule.NULL_IN_REQUIRED: "fill or drop the nulls (e.g. df.fillna / df.dropna), or mark the field optional "
    "(required=False) in the signature; mode='split' quarantines such rows instead",
    Rule.NULL_IN_INTEGER: "declare the column as double, or use the default compat='strict', where an optional "
    "integer column may hold nulls; mode='split' quarantines such rows instead",
    Rule.UNSAFE_CAST: "the value does not convert losslessly to the declared type: cast it explicitly in Spark "
    "if the loss is acceptable, or change the signature's type; mode='split' quarantines such rows instead",
    Rule.WRONG_TYPE: "cast the column to the declared type in Spark, or change the signature",
    Rule.MISSING_PROPERTY: "add the field to the struct, or mark the property optional (required=False)",
    Rule.EXTRA_PROPERTY: "drop the fields (e.g. Column.dropFields) or declare them in the signature",
    Rule.BAD_MAP_KEY: "cast the map keys to string, e.g. transform_keys(c, (k, v) -> CAST(k AS STRING))",
    Rule.SHAPE_MISMATCH: "every row must have the tensor's fixed dimensions: pad or trim the arrays, or declare "
    "-1 for a variable dimension",
    Rule.DTYPE_MISMATCH: "cast the elements to the tensor's dtype in Spark (tensor dtypes are never converted)",
    Rule.COLUMN_COUNT: "provide at least as many columns as the signature declares, in signature order",
    Rule.INVALID_PARAM: "pass a value of the param's type and shape, or drop it to use the default",
    Rule.INVALID_OPTION: "pass one of the accepted values (see the function's documentation)",
}


def fix_for(rule: Rule | str | None) -> str | None:
    """The default fix of a rule code (None for no code)."""
    if rule is None:
        return None
    return FIXES.get(Rule(rule))


_UNSET: Any = object()


def describe(
    column: str | None,
    path: str | None,
    expected: Any,
    found: Any,
    rule: Rule | str | None = None,
    *,
    value: Any = _UNSET,
    row: int | None = None,
) -> str:
    """One problem as text: ``column 'c' at c.x: expected long (required), found null (rule null_in_required)``.

    ``path`` is shown when it says more than the column name; ``value`` when given (``None`` shows as
    ``None``); ``row`` is the row's index in the batch or frame checked locally.
    """
    where = f"column '{column}'" if column is not None else f"'{path}'"
    if path is not None and column is not None and path != column:
        where += f" at {path}"
    details = []
    if value is not _UNSET:
        details.append(f"value: {value!r}")
    if row is not None:
        details.append(f"row {row}")
    if rule is not None:
        details.append(f"rule {Rule(rule).value}")
    tail = f" ({'; '.join(details)})" if details else ""
    return f"{where}: expected {expected}, found {found}{tail}"


class SignatureError(Exception):
    """Root of every error raised by spark_signature.

    ``rule`` is the stable code, ``path`` where (column, field path, param, option or JSON path),
    ``expected`` / ``found`` / ``value`` what, and ``fix`` how to fix it (rendered as a ``Fix:`` line).
    ``hint=`` is accepted as another name for ``fix``.
    """

    def __init__(
        self,
        message: str,
        *,
        rule: Rule | None = None,
        path: str | None = None,
        expected: Any = None,
        found: Any = None,
        value: Any = None,
        fix: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.rule = rule
        self.path = path
        self.expected = expected
        self.found = found
        self.value = value
        self.fix = fix if fix is not None else hint
        super().__init__(self._render())

    @property
    def hint(self) -> str | None:
        return self.fix

    def _render(self) -> str:
        if self.fix and self.fix not in self.message:
            return f"{self.message}\nFix: {self.fix}"
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """The error as data (for reports): class, code, where, what and the fix."""
        return {
            "error": type(self).__name__,
            "rule": None if self.rule is None else Rule(self.rule).value,
            "path": self.path,
            "expected": None if self.expected is None else str(self.expected),
            "found": None if self.found is None else str(self.found),
            "message": self.message,
            "fix": self.fix,
        }


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
    """A job, session or function option or configuration is invalid."""


class CountMismatchError(SignatureError, RuntimeError):
    """An internal invariant failed: valid + quarantined rows differ from the input rows (never expected)."""


class PipelineError(SignatureError, RuntimeError):
    """The pre-scoring step cannot read its input or write its outputs (a missing table, a path that holds
    something else than a Delta table, a Delta commit that cannot be found)."""


class PlanWarning(UserWarning):
    """Something the plan decided that the user should know (e.g. a lossy decimal conversion)."""


def bad_option(name: str, value: Any, accepted: Any, what: str | None = None) -> ConfigError:
    """The error for a function option outside its accepted values: names the option, the value, the choices."""
    return ConfigError(
        f"{name}={value!r} is not valid{f' for {what}' if what else ''}; accepted: {accepted}.",
        rule=Rule.INVALID_OPTION, path=name, expected=str(accepted), found=repr(value),
        fix=f"pass {name}= one of {accepted}",
    )


class ModelURIError(SignatureError, ValueError):
    """A model location cannot be used: unknown URI scheme, no such run/model/version/alias, a path that
    leaves the model directory, or an operation the URI kind does not allow (set_signature on models:/)."""


class MissingExtraError(SignatureError, ImportError):
    """An optional dependency is needed for this call; the message names the extra to install."""


class InputExampleError(SignatureError, ValueError):
    """An input example MLflow would refuse to save, or a saved one that does not match its info."""


class ScoringError(SignatureError, ValueError):
    """Validated scoring cannot start: the model has no usable signature, or the result conflicts."""
