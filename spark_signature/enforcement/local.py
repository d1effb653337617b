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

from spark_signature.enforcement.arrow import Checker
from spark_signature.enforcement.plan import (
    AnyNode,
    ListNode,
    MapNode,
    Node,
    Plan,
    ScalarNode,
    StructNode,
    build_plan,
)
from spark_signature.errors import Rule, SchemaEnforcementError
from spark_signature.rules import Compat
from spark_signature.types import Array, DataType, Map, Object, Schema, TensorSpec

__all__ = ["arrow_type_of", "find_violations", "validate_schema"]

_ARROW = {
    DataType.boolean: pa.bool_(),
    DataType.integer: pa.int32(),
    DataType.long: pa.int64(),
    DataType.float: pa.float32(),
    DataType.double: pa.float64(),
    DataType.string: pa.string(),
    DataType.binary: pa.binary(),
    DataType.datetime: pa.timestamp("ns"),
}


def arrow_type_of(spec: Any) -> pa.DataType | None:
    """The Arrow type a declared type converts to (None for AnyType: kept as found)."""
    if isinstance(spec, DataType):
        return _ARROW[spec]
    if isinstance(spec, Array):
        inner = arrow_type_of(spec.dtype)
        return pa.list_(inner if inner is not None else pa.null())
    if isinstance(spec, Map):
        inner = arrow_type_of(spec.value_type)
        return pa.map_(pa.string(), inner if inner is not None else pa.null())
    if isinstance(spec, Object):
        return pa.struct([(p.name, arrow_type_of(p.dtype) or pa.null()) for p in spec.properties])
    return None


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
    target = arrow_type_of(spec)
    if series.dtype == object and isinstance(spec, (Array, Object, Map)):
        values = [None if _is_missing(v) else _plain(v) for v in series.tolist()]
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


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    return v is pd.NA or v is pd.NaT


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


# ---- conversion of the accepted data ---------------------------------------------------------------


def _convert(node: Node | None, arr: pa.Array) -> pa.Array:
    if node is None or isinstance(node, AnyNode):
        return arr
    if isinstance(node, ScalarNode):
        return arr.cast(_ARROW[node.spec], safe=False)
    if isinstance(node, ListNode):
        values = _convert(node.element, arr.flatten())
        offsets = pa.array(np.concatenate([[0], np.cumsum(arr.value_lengths().fill_null(0).to_numpy())]),
                           pa.int32())
        return pa.ListArray.from_arrays(offsets, values, mask=arr.is_null())
    if isinstance(node, MapNode):
        return arr.cast(arrow_type_of(node.spec))
    if isinstance(node, StructNode):
        children, fields = [], []
        for f in node.fields:
            prop = next(p for p in node.spec.properties if p.name == f.name)
            t = arrow_type_of(prop.dtype)
            child = pa.nulls(len(arr), t or pa.null()) if f.node is None else _convert(f.node, arr.field(f.index))
            children.append(child)
            fields.append(pa.field(f.name, child.type))
        return pa.StructArray.from_arrays(children, fields=fields, mask=arr.is_null())
    return arr


def _to_pandas(arr: pa.Array) -> pd.Series:
    if pa.types.is_integer(arr.type) and arr.null_count:
        return pd.Series(pd.array(arr.to_pylist(), dtype=f"Int{arr.type.bit_width}"))
    if pa.types.is_struct(arr.type) or pa.types.is_map(arr.type):
        return pd.Series(arr.to_pylist(), dtype=object)
    return arr.to_pandas()


# ---- the public entry point ------------------------------------------------------------------------


def _raise_first(plan: Plan, log: Any) -> None:
    first = log.summary()[0]
    from spark_signature.enforcement.spark import _fix

    raise SchemaEnforcementError(
        f"Failed to enforce schema: column '{first['column']}' at {first['path']}: expected {first['expected']}, "
        f"found {first['found']} (value: {first['value']!r}, row {first['row']}; rule {first['rule']}). "
        f"{_fix(first['rule'])}",
        rule=Rule(first["rule"]), path=first["path"], expected=first["expected"], found=first["found"],
    )


def plan_local(frame: pd.DataFrame, schema: Schema, compat: Compat | str) -> tuple[Plan, pa.Table]:
    """Arrow-convert the columns the schema reads, then plan (types decided before values are checked)."""
    specs = list(schema.inputs)
    names = [str(c) for c in frame.columns]
    if schema.has_input_names():
        wanted = {str(s.name): s for s in specs}
    else:
        wanted = {names[i]: s for i, s in enumerate(specs) if i < len(names)}
    arrays, fields, opaque = [], [], []
    for label, name in zip(frame.columns, names, strict=True):
        spec = wanted.get(name)
        if spec is None:
            arrays.append(pa.nulls(len(frame)))
            fields.append(pa.field(name, pa.null()))
            continue
        arr = _column_to_arrow(frame[label], None if isinstance(spec, TensorSpec) else spec.type)
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
            f"{', '.join(arr.kinds)}) to {expected}. Fix: give the column a single type matching the signature.",
            rule=Rule.UNSAFE_CAST, path=name, expected=expected, found=str(arr.dtype),
        )
    return build_plan(schema, table.schema, compat=compat), table


def find_violations(data: Any, schema: Schema, *, compat: Compat | str = Compat.STRICT) -> list[dict]:
    """Every violation of ``data`` (not just the first): dicts with row, column, path, rule, expected,
    found, value. Static refusals still raise, as they concern the whole column."""
    frame = _to_frame(data, schema)
    plan, table = plan_local(frame, schema, compat)
    return Checker(plan).check(table).records()


def validate_schema(data: Any, schema: Schema, *, compat: Compat | str = Compat.STRICT) -> Any:
    """Raise :class:`SchemaEnforcementError` if ``data`` does not satisfy ``schema``; else return it enforced.

    MLflow's ``mlflow.models.validate_schema`` contract (raises on a mismatch); ``compat="mlflow"``
    reproduces MLflow's decisions on nulls, the default also refuses nulls in required columns.
    """
    if schema.is_tensor_spec():
        from spark_signature.enforcement.tensors import validate_tensors

        return validate_tensors(data, schema)
    frame = _to_frame(data, schema)
    plan, table = plan_local(frame, schema, compat)
    log = Checker(plan).check(table)
    if log:
        _raise_first(plan, log)
    out = {}
    for c in plan.columns:
        series = _to_pandas(_convert(c.node, table.column(c.source).combine_chunks()))
        series.index = frame.index
        out[c.name] = series
    result = pd.DataFrame(out, index=frame.index)
    if not schema.has_input_names():
        result.columns = [frame.columns[int(c.name)] for c in plan.columns]
    return result
