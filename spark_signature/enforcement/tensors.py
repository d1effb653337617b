"""Tensor-based signatures on numpy inputs: exact dtype, shape with -1 for variable dimensions.

MLflow never converts tensor data (``_enforce_tensor_spec``): a float64 array against a float32 spec
is refused. DataFrame columns against TensorSpecs go through the Arrow plan (:class:`TensorNode`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spark_signature.errors import Rule, SchemaEnforcementError, fix_for
from spark_signature.types import Schema, TensorSpec
from spark_signature.types.schema import generic_dtype


def check_tensor(name: str, value: Any, spec: TensorSpec) -> np.ndarray:
    """Refuse ``value`` unless it is an ndarray of the spec's dtype and shape."""
    if not isinstance(value, np.ndarray):
        raise SchemaEnforcementError(
            f"input '{name}': expected a numpy array for {spec!r}, got {type(value).__name__}.",
            rule=Rule.WRONG_TYPE, path=name, expected=repr(spec), found=type(value).__name__,
            fix=f"pass np.asarray(value, dtype='{spec.type}')",
        )
    shape = tuple(spec.shape)
    if np.dtype(spec.type) == np.dtype(object) and shape == (-1,):
        return value
    ragged_ok = value.dtype == object and value.ndim == 1 and any(d == -1 for d in shape[1:])
    if not ragged_ok:
        if value.ndim != len(shape) or any(
            want != -1 and got != want for want, got in zip(shape, value.shape, strict=True)
        ):
            raise SchemaEnforcementError(
                f"input '{name}': Shape of input {value.shape} does not match expected shape {shape}.",
                rule=Rule.SHAPE_MISMATCH, path=name, expected=str(shape), found=str(value.shape),
                fix="reshape the array; -1 marks a variable dimension",
            )
        if generic_dtype(value.dtype) != generic_dtype(np.dtype(spec.type)):
            raise SchemaEnforcementError(
                f"input '{name}': dtype of input {value.dtype} does not match expected dtype {spec.type}.",
                rule=Rule.DTYPE_MISMATCH, path=name, expected=str(spec.type), found=str(value.dtype),
                fix=f"value.astype('{spec.type}') if that is lossless (tensors are never converted for you)",
            )
    return value


def validate_tensors(data: Any, schema: Schema) -> Any:
    """ndarray for one unnamed spec; dict of ndarrays for named specs (missing names refused)."""
    specs: list[TensorSpec] = list(schema.inputs)
    if not schema.has_input_names():
        if isinstance(data, dict):
            raise SchemaEnforcementError(
                "This model contains a tensor-based signature with no input names, got a dict.",
                rule=Rule.WRONG_TYPE, path="0", expected="one numpy array", found="dict",
                fix="pass one numpy array",
            )
        return check_tensor("0", np.asarray(data) if isinstance(data, list) else data, specs[0])
    if isinstance(data, np.ndarray) and len(specs) == 1:
        data = {specs[0].name: data}
    if not isinstance(data, dict):
        raise SchemaEnforcementError(
            f"This model has named tensor inputs {schema.input_names()}, got {type(data).__name__}.",
            rule=Rule.WRONG_TYPE, path=str(specs[0].name), expected="a dict of numpy arrays",
            found=type(data).__name__, fix="pass a dict mapping each input name to a numpy array",
        )
    missing = [s.name for s in specs if s.name not in data]
    if missing:
        raise SchemaEnforcementError(
            f"Model is missing inputs {missing}.",
            rule=Rule.MISSING_COLUMN, path=missing[0], expected=f"inputs {missing}", found=f"keys {sorted(data)}",
            fix=fix_for(Rule.MISSING_COLUMN),
        )
    return {s.name: check_tensor(s.name, data[s.name], s) for s in specs}
