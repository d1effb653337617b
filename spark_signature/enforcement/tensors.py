"""Tensor-based signatures on numpy inputs: exact dtype, shape with -1 for variable dimensions.

MLflow never converts tensor data (``_enforce_tensor_spec``): a float64 array against a float32 spec
is refused. scipy's CSR / CSC matrices are checked like arrays (shape, and the dtype of their values).
A pandas DataFrame is refused in strict mode (its values would have to be cast); ``compat="mlflow"``
takes it as MLflow does (:func:`dataframe_tensor`: scalars cast with ``np.array(..., dtype)``, so 1.7
becomes 1 for int64, list values stacked and cast, array values stacked). A list is a tensor in strict
mode; MLflow refuses it, and so does compat mode. DataFrame columns against TensorSpecs in the Spark
engine go through the Arrow plan (:class:`TensorNode`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spark_signature.errors import Rule, SchemaEnforcementError, fix_for
from spark_signature.types import Compat, Schema, TensorSpec
from spark_signature.types.schema import generic_dtype


def is_sparse_matrix(value: Any) -> bool:
    """A scipy CSR or CSC matrix (the sparse inputs MLflow takes), without importing scipy."""
    cls = type(value)
    return cls.__module__.startswith("scipy.sparse") and cls.__name__ in ("csr_matrix", "csc_matrix")


def check_tensor(name: str, value: Any, spec: TensorSpec) -> Any:
    """Refuse ``value`` unless it is an ndarray (or CSR/CSC matrix) of the spec's dtype and shape."""
    sparse = is_sparse_matrix(value)
    if not isinstance(value, np.ndarray) and not sparse:
        raise SchemaEnforcementError(
            f"input '{name}': expected a numpy array for {spec!r}, got {type(value).__name__}.",
            rule=Rule.WRONG_TYPE, path=name, expected=repr(spec), found=type(value).__name__,
            fix=f"pass np.asarray(value, dtype='{spec.type}')",
        )
    shape = tuple(spec.shape)
    if np.dtype(spec.type) == np.dtype(object) and shape == (-1,):
        return value
    dtype = value.data.dtype if sparse else value.dtype
    ndim = len(value.shape)
    ragged_ok = dtype == np.dtype(object) and ndim == 1 and any(d == -1 for d in shape[1:])
    if not ragged_ok:
        if ndim != len(shape) or any(
            want != -1 and got != want for want, got in zip(shape, value.shape, strict=True)
        ):
            raise SchemaEnforcementError(
                f"input '{name}': Shape of input {value.shape} does not match expected shape {shape}.",
                rule=Rule.SHAPE_MISMATCH, path=name, expected=str(shape), found=str(value.shape),
                fix="reshape the array; -1 marks a variable dimension",
            )
        if generic_dtype(dtype) != generic_dtype(np.dtype(spec.type)):
            raise SchemaEnforcementError(
                f"input '{name}': dtype of input {dtype} does not match expected dtype {spec.type}.",
                rule=Rule.DTYPE_MISMATCH, path=name, expected=str(spec.type), found=str(dtype),
                fix=f"value.astype('{spec.type}') if that is lossless (tensors are never converted for you)",
            )
    return value


def _refuse(name: str, message: str, rule: Rule, expected: str, found: str, fix: str) -> SchemaEnforcementError:
    return SchemaEnforcementError(message, rule=rule, path=name, expected=expected, found=found, fix=fix)


def _strict_dataframe(name: str, spec: TensorSpec) -> SchemaEnforcementError:
    return _refuse(
        name, f"input '{name}': a pandas DataFrame for the tensor {spec!r}: tensor values are never cast "
        "in strict mode.", Rule.WRONG_TYPE, repr(spec), "DataFrame",
        f"pass df.to_numpy(dtype='{spec.type}') if the cast is lossless, or compat='mlflow' for MLflow's casts",
    )


def dataframe_column_tensor(name: str, series: Any, spec: TensorSpec) -> np.ndarray:
    """One DataFrame column as the tensor ``spec`` (MLflow's ``_reshape_and_cast_pandas_column_values``)."""
    shape = tuple(spec.shape)
    expected = f"tensor {spec.type} {list(shape)}"
    if not shape or shape[0] != -1 or -1 in shape[1:]:
        raise _refuse(name, f"input '{name}': for a pandas DataFrame the first dimension of the tensor shape must "
                      f"be variable (-1) and the others fixed; the signature declares {shape}.",
                      Rule.SHAPE_MISMATCH, expected, "DataFrame", "pass a numpy array for variable inner dimensions")
    first = series.iloc[0]
    cast_error = (f"input '{name}': the column's values could not be converted to the tensor shape {shape} and "
                  f"dtype {spec.type}.")
    fix = "give every row the same number of values, convertible to the tensor's dtype"
    try:
        if np.isscalar(first):
            if shape not in ((-1,), (-1, 1)):
                raise _refuse(name, f"input '{name}': a column of scalars is a tensor of shape (-1,) or (-1, 1), "
                              f"not {shape}.", Rule.SHAPE_MISMATCH, expected, "scalars",
                              "declare the shape (-1,) or (-1, 1), or give each row a list of values")
            return check_tensor(name, np.array(series, dtype=spec.type).reshape(shape), spec)
        if isinstance(first, (list, np.ndarray)) and (isinstance(first, np.ndarray) or np.isscalar(first[0])):
            stacked = np.vstack(series.tolist()).reshape(shape)
            if len(stacked) != len(series):
                raise _refuse(name, cast_error, Rule.SHAPE_MISMATCH, expected, "rows of other lengths", fix)
            # MLflow casts lists (their dtype is unknown) and keeps arrays as they are
            return stacked if isinstance(first, np.ndarray) else stacked.astype(spec.type)
    except (ValueError, TypeError, OverflowError, IndexError):
        raise _refuse(name, cast_error, Rule.SHAPE_MISMATCH, expected, "values of other shapes or types",
                      fix) from None
    raise _refuse(name, f"input '{name}': a tensor column holds scalars, lists of scalars or numpy arrays, got "
                  f"{type(first).__name__}.", Rule.WRONG_TYPE, expected, type(first).__name__,
                  "give each row a scalar, a list of scalars or a numpy array")


def dataframe_tensor(frame: Any, spec: TensorSpec) -> np.ndarray:
    """A DataFrame as one unnamed tensor: one column as :func:`dataframe_column_tensor`, n columns as
    ``(-1, n)`` with the exact dtype (MLflow's rules)."""
    if frame.empty:
        raise _refuse("0", "Input DataFrame is empty.", Rule.SHAPE_MISMATCH, repr(spec), "an empty DataFrame",
                      "pass at least one row")
    if len(frame.columns) == 1:
        return dataframe_column_tensor("0", frame[frame.columns[0]], spec)
    if tuple(spec.shape) != (-1, len(frame.columns)):
        raise _refuse("0", f"input '0': a DataFrame of {len(frame.columns)} columns is a tensor of shape "
                      f"(-1, {len(frame.columns)}); the signature declares {tuple(spec.shape)}.",
                      Rule.SHAPE_MISMATCH, str(tuple(spec.shape)), f"{len(frame.columns)} columns",
                      "pass as many columns as the tensor's second dimension")
    return check_tensor("0", frame.to_numpy(), spec)


def validate_tensors(data: Any, schema: Schema, compat: Compat = Compat.STRICT) -> Any:
    """ndarray (or CSR/CSC matrix) for one unnamed spec; dict of ndarrays for named specs (missing names
    refused). DataFrames only under compat="mlflow"; lists only in strict mode."""
    import pandas as pd

    specs: list[TensorSpec] = list(schema.inputs)
    if not schema.has_input_names():
        if isinstance(data, dict):
            raise SchemaEnforcementError(
                "This model contains a tensor-based signature with no input names, got a dict.",
                rule=Rule.WRONG_TYPE, path="0", expected="one numpy array", found="dict",
                fix="pass one numpy array",
            )
        if isinstance(data, pd.DataFrame):
            if compat is not Compat.MLFLOW:
                raise _strict_dataframe("0", specs[0])
            return dataframe_tensor(data, specs[0])
        if isinstance(data, list) and compat is not Compat.MLFLOW:
            data = np.asarray(data)
        return check_tensor("0", data, specs[0])
    if isinstance(data, np.ndarray) and len(specs) == 1:
        data = {specs[0].name: data}
    if isinstance(data, pd.DataFrame):
        missing = [s.name for s in specs if s.name not in data.columns]
        if not missing:
            if compat is not Compat.MLFLOW:
                raise _strict_dataframe(str(specs[0].name), specs[0])
            return {s.name: dataframe_column_tensor(str(s.name), data[s.name], s) for s in specs}
    elif not isinstance(data, dict):
        raise SchemaEnforcementError(
            f"This model has named tensor inputs {schema.input_names()}, got {type(data).__name__}.",
            rule=Rule.WRONG_TYPE, path=str(specs[0].name), expected="a dict of numpy arrays",
            found=type(data).__name__, fix="pass a dict mapping each input name to a numpy array",
        )
    else:
        missing = [s.name for s in specs if s.name not in data]
    if missing:
        raise SchemaEnforcementError(
            f"Model is missing inputs {missing}.",
            rule=Rule.MISSING_COLUMN, path=str(missing[0]), expected=f"inputs {missing}",
            found=f"keys {sorted(map(str, data.keys()))}", fix=fix_for(Rule.MISSING_COLUMN),
        )
    return {s.name: check_tensor(s.name, data[s.name], s) for s in specs}
