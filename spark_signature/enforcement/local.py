"""The local engine: pandas / numpy / dict / list inputs through the same plan and kernels as Spark.

The input is normalised the way MLflow's ``_enforce_schema`` does (Series, scalars, dicts, lists become
a DataFrame), converted column by column to Arrow, planned with :func:`build_plan` and checked with the
same :class:`Checker` the Spark engine runs. The first violation raises; otherwise the data comes back
converted to the signature's types, in signature order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from spark_signature.arrow_types import to_arrow_type
from spark_signature.dispatch import refuse_spark_dataframe
from spark_signature.enforcement.arrow import Checker, ViolationLog, convert
from spark_signature.enforcement.plan import Plan, build_plan
from spark_signature.errors import Rule, SchemaEnforcementError
from spark_signature.types import Array, Compat, DataType, Map, Object, Schema, TensorSpec
from spark_signature.types.values import is_missing

__all__ = ["find_violations", "validate_schema"]


# ---- input normalisation (MLflow's rules) --------------------------------------------------------


def _to_frame(data: Any, schema: Schema) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return pd.DataFrame(data)
    if np.isscalar(data):
        return pd.DataFrame([data])
    if isinstance(data, dict):
        composite = any(isinstance(s.type, (Array, Object)) for s in schema.inputs if not isinstance(s, TensorSpec))
        scalar_like = all(
            v is None or np.isscalar(v) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
            for v in data.values()
        )
        try:
            if composite or scalar_like:
                return pd.DataFrame([data])
            return pd.DataFrame({k: (v.tolist() if isinstance(v, np.ndarray) and v.ndim > 1 else v)
                                 for k, v in data.items()})
        except (ValueError, TypeError) as exc:
            raise SchemaEnforcementError(
                "This model contains a column-based signature, which suggests a DataFrame input. There was "
                f"an error casting the input data to a DataFrame: {exc}. Provide a pandas DataFrame."
            ) from None
    if isinstance(data, (list, np.ndarray)):
        return pd.DataFrame(data)
    raise SchemaEnforcementError(
        f"Expected input to be DataFrame. Found: {type(data).__name__}. Provide a pandas DataFrame, Series, "
        "dict, list or numpy array."
    )


def _column_to_arrow(series: pd.Series, spec: Any) -> pa.Array:
    """One pandas column as Arrow; object columns of composites use the declared type as a guide."""
    target = to_arrow_type(spec)
    if series.dtype == object and isinstance(spec, (Array, Object, Map)):
        values = [None if is_missing(v) else _plain(v) for v in series.tolist()]
        try:
            return pa.array(values, type=target) if isinstance(spec, Map) else pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            pass
    try:
        return pa.Array.from_pandas(series)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        kinds = sorted({type(v).__name__ for v in series.tolist()})
        return _Opaque(series.dtype, kinds)  # refused by the plan with a clear message


class _Opaque:
    """A column Arrow cannot type (mixed Python objects, complex numbers): always refused."""

    def __init__(self, dtype: Any, kinds: list[str]) -> None:
        self.dtype = dtype
        self.kinds = kinds


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


# ---- the accepted data back as pandas ---------------------------------------------------------


def _to_pandas(arr: pa.Array) -> pd.Series:
    if pa.types.is_integer(arr.type) and arr.null_count:
        return pd.Series(pd.array(arr.to_pylist(), dtype=f"Int{arr.type.bit_width}"))
    if pa.types.is_struct(arr.type) or pa.types.is_map(arr.type):
        return pd.Series(arr.to_pylist(), dtype=object)
    return arr.to_pandas()


# ---- the public entry point ------------------------------------------------------------------------


def _raise_first(log: ViolationLog) -> None:
    first = log.rule_counts()[0].first
    raise SchemaEnforcementError(
        f"Failed to enforce schema: {first.describe()}.",
        rule=first.rule, path=first.path, expected=first.expected, found=first.found, value=first.value,
        fix=first.fix,
    )


def plan_local(frame: pd.DataFrame, schema: Schema, compat: Compat | str) -> tuple[Plan, pa.Table]:
    """Arrow-convert the columns the schema reads, then plan (types decided before values are checked)."""
    specs = list(schema.inputs)
    names = [str(c) for c in frame.columns]
    wanted = {str(s.name): s for s in specs}
    arrays, fields, opaque = [], [], []
    for i, name in enumerate(names):  # by position: labels may repeat (refused by the plan, never a crash)
        spec = wanted.get(name) if schema.has_input_names() else (specs[i] if i < len(specs) else None)
        if spec is None:
            arrays.append(pa.nulls(len(frame)))
            fields.append(pa.field(name, pa.null()))
            continue
        arr = _column_to_arrow(frame.iloc[:, i], None if isinstance(spec, TensorSpec) else spec.type)
        if isinstance(arr, _Opaque):
            opaque.append((name, spec, arr))
            arr = pa.nulls(len(frame))
        arrays.append(arr)
        fields.append(pa.field(name, arr.type))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    if opaque:
        name, spec, arr = opaque[0]
        expected = spec.type.name if isinstance(spec.type, DataType) else repr(spec.type)
        raise SchemaEnforcementError(
            f"Incompatible input types for column {name}. Can not safely convert {arr.dtype} (holding "
            f"{', '.join(arr.kinds)}) to {expected}.",
            rule=Rule.UNSAFE_CAST, path=name, expected=expected, found=str(arr.dtype),
            fix="give the column a single type matching the signature",
        )
    return build_plan(schema, table.schema, compat=compat), table


def find_violations(data: Any, schema: Schema, *, compat: Compat | str = Compat.STRICT) -> list[dict]:
    """Every violation of ``data`` (not just the first): dicts with row, column, path, rule, expected,
    found, value. Static refusals still raise, as they concern the whole column."""
    refuse_spark_dataframe(data, "find_violations", "spark_signature.enforce(df, schema, mode='check')")
    frame = _to_frame(data, schema)
    plan, table = plan_local(frame, schema, compat)
    return Checker(plan).check(table).records()


def validate_schema(data: Any, schema: Schema, *, compat: Compat | str = Compat.STRICT) -> Any:
    """Raise :class:`SchemaEnforcementError` if ``data`` does not satisfy ``schema``; else return it enforced.

    MLflow's ``mlflow.models.validate_schema`` contract (raises on a mismatch); ``compat="mlflow"``
    reproduces MLflow's decisions on nulls, the default also refuses nulls in required columns.
    """
    refuse_spark_dataframe(data, "validate_schema", "spark_signature.enforce(df, schema)")
    compat = Compat.parse(compat)
    if schema.is_tensor_spec():
        from spark_signature.enforcement.tensors import validate_tensors

        return validate_tensors(data, schema)
    frame = _to_frame(data, schema)
    plan, table = plan_local(frame, schema, compat)
    log = Checker(plan).check(table)
    if log:
        _raise_first(log)
    out = {}
    for c in plan.columns:
        series = _to_pandas(convert(c.node, table.column(c.source).combine_chunks()))
        series.index = frame.index
        out[c.name] = series
    result = pd.DataFrame(out, index=frame.index)
    if not schema.has_input_names():
        result.columns = [frame.columns[int(c.name)] for c in plan.columns]
    return result
