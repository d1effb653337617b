"""The local engine: pandas / numpy / dict / list inputs through the same plan and kernels as Spark.

The input is normalised the way MLflow's ``_enforce_schema`` does (Series, scalars, dicts, lists become
a DataFrame), read column by column (:mod:`~spark_signature.enforcement.pandas_input`: Arrow, and
MLflow's own view of pandas columns under ``compat="mlflow"``), planned with :func:`build_plan` and
checked with the same :class:`Checker` the Spark engine runs. The first violation raises; otherwise the
data comes back converted to the signature's types, in signature order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from spark_signature.dispatch import refuse_spark_dataframe
from spark_signature.enforcement.arrow import Checker, ViolationLog, convert
from spark_signature.enforcement.pandas_input import ColumnInput, read_column
from spark_signature.enforcement.plan import (
    AnyNode,
    ListNode,
    MapNode,
    Node,
    NullNode,
    Plan,
    ScalarNode,
    StructNode,
    build_plan,
)
from spark_signature.errors import SchemaEnforcementError
from spark_signature.rules import Decision
from spark_signature.types import Array, Compat, DataType, Object, Schema, TensorSpec

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
        text_scalars = all(isinstance(v, np.ndarray) and v.dtype.type == np.str_ and v.shape == ()
                           for v in data.values())
        try:
            if composite or scalar_like or text_scalars:
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


# ---- the accepted data back as pandas ---------------------------------------------------------


def _to_pandas(arr: pa.Array, node: Node, compat: Compat) -> pd.Series:
    """A converted Arrow column as pandas. Structs and maps come back as dicts; under compat="mlflow"
    arrays come back as lists and strings as ``object``, as MLflow returns them (strict keeps Arrow's
    numpy arrays and pandas' ``str``)."""
    if pa.types.is_integer(arr.type) and arr.null_count:
        return pd.Series(pd.array(arr.to_pylist(), dtype=f"Int{arr.type.bit_width}"))
    if _as_python(arr.type, compat):
        return pd.Series(arr.to_pylist(maps_as_pydicts="lossy"), dtype=object)
    out = arr.to_pandas()
    if compat is Compat.MLFLOW and node.spec is DataType.string:
        out = out.astype(object)  # MLflow casts to numpy's str, which pandas holds as object
    return out


def _unchanged(node: Node | None) -> bool:
    """The plan converts nothing at or below ``node``: the input's values are the output (as MLflow returns
    them), Any values and absent optional properties included."""
    if node is None or isinstance(node, (AnyNode, NullNode)):
        return True
    if isinstance(node, ScalarNode):
        return node.conversion.decision is Decision.ACCEPT
    if isinstance(node, ListNode):
        return _unchanged(node.element)
    if isinstance(node, MapNode):
        return _unchanged(node.value)
    if isinstance(node, StructNode):
        return all(_unchanged(f.node) for f in node.fields)
    return False


def _as_python(t: pa.DataType, compat: Compat) -> bool:
    """Does the column come back as Python values: structs, maps (to_pandas gives key/value tuples), and
    under compat="mlflow" every list."""
    if pa.types.is_struct(t) or pa.types.is_map(t):
        return True
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return compat is Compat.MLFLOW or _as_python(t.value_type, compat)
    return False


# ---- the public entry point ------------------------------------------------------------------------


def _raise_first(log: ViolationLog) -> None:
    first = log.rule_counts()[0].first
    raise SchemaEnforcementError(
        f"Failed to enforce schema: {first.describe()}.",
        rule=first.rule, path=first.path, expected=first.expected, found=first.found, value=first.value,
        fix=first.fix,
    )


@dataclass
class LocalPlan:
    """The plan of a pandas input, with the columns as the kernels read them and the output labels."""

    plan: Plan
    table: pa.Table
    reads: dict[str, ColumnInput]  # by the plan's source name
    labels: dict[str, Any]  # the plan's column name -> the label of the output column


def _matches(label: Any, name: Any, compat: Compat) -> bool:
    """A column label matches a signature name: exactly under compat="mlflow" (MLflow's ``in`` test, so the
    label ``0`` is not the name ``"0"``), by their text in strict mode."""
    return label == name if compat is Compat.MLFLOW else str(label) == str(name)


def plan_local(frame: pd.DataFrame, schema: Schema, compat: Compat | str) -> LocalPlan:
    """Read the columns the schema names (pandas -> Arrow, MLflow's view under compat), then plan: every
    type decision is taken before a value is checked."""
    compat = Compat.parse(compat)
    specs = list(schema.inputs)
    labels = list(frame.columns)
    named = schema.has_input_names()
    declared = {str(s.name) for s in specs} if named else set()
    arrays, fields, reads, kinds, found_names, out_labels = [], [], {}, {}, {}, {}
    for i, label in enumerate(labels):
        if named:
            spec = next((s for s in specs if _matches(label, s.name, compat)), None)
            key = str(spec.name) if spec is not None else _extra_key(label, declared)
        else:
            spec = specs[i] if i < len(specs) else None
            # strict: a repeated label is refused by the plan (duplicate_column, as in the Spark engine);
            # compat="mlflow" reads unnamed inputs by position, as MLflow does
            key = str(label) if compat is Compat.STRICT or str(label) not in fields else f"{label!r}#{i}"
        if spec is None:
            arrays.append(pa.nulls(len(frame)))
            fields.append(key)
            continue
        read = read_column(frame.iloc[:, i], None if isinstance(spec, TensorSpec) else spec.type, compat,
                           spec.required)
        arrays.append(read.array)
        fields.append(key)
        reads[key] = read
        out_labels[str(spec.name) if named else str(i)] = spec.name if named else label
        if read.found is not None:
            kinds[key] = read.found
        if read.found_name is not None:
            found_names[key] = read.found_name
    table = pa.Table.from_arrays(arrays, names=fields)
    plan = build_plan(schema, table.schema, compat=compat, found_names=found_names, found_kinds=kinds)
    return LocalPlan(plan, table, reads, out_labels)


def _extra_key(label: Any, declared: set[str]) -> str:
    """The name of a column no signature name matches; never one of the declared names (the label ``0``
    under compat="mlflow" must not pass for the name ``"0"``)."""
    text = str(label)
    return text if text not in declared else f"{label!r} ({type(label).__name__})"


def find_violations(data: Any, schema: Schema, *, compat: Compat | str = Compat.STRICT) -> list[dict]:
    """Every violation of ``data`` (not just the first): dicts with row, column, path, rule, expected,
    found, value. Static refusals still raise, as they concern the whole column."""
    refuse_spark_dataframe(data, "find_violations", "spark_signature.enforce(df, schema, mode='check')")
    frame = _to_frame(data, schema)
    local = plan_local(frame, schema, compat)
    return Checker(local.plan).check(local.table).records()


def validate_schema(data: Any, schema: Schema, *, compat: Compat | str = Compat.STRICT) -> Any:
    """Raise :class:`SchemaEnforcementError` if ``data`` does not satisfy ``schema``; else return it enforced.

    MLflow's ``mlflow.models.validate_schema`` contract (raises on a mismatch), returning what MLflow's
    ``_enforce_schema`` returns: the columns converted to the signature's types, in signature order,
    keeping the input's index. ``compat="mlflow"`` reproduces MLflow's decisions and converted output
    (docs/deviations.md lists what remains different); the default also refuses nulls in required
    columns and never converts a value it would lose.
    """
    refuse_spark_dataframe(data, "validate_schema", "spark_signature.enforce(df, schema)")
    compat = Compat.parse(compat)
    if schema.is_tensor_spec():
        from spark_signature.enforcement.tensors import validate_tensors

        return validate_tensors(data, schema, compat)
    frame = _to_frame(data, schema)
    local = plan_local(frame, schema, compat)
    log = Checker(local.plan).check(local.table)
    if log:
        _raise_first(log)
    out = {}
    for c in local.plan.columns:
        read = local.reads[c.source]
        if read.converted is not None:
            series = read.converted
        elif read.unchanged is not None and _unchanged(c.node):
            series = read.unchanged
        else:
            series = _to_pandas(convert(c.node, local.table.column(c.source).combine_chunks()), c.node, compat)
        out[local.labels[c.name]] = series.set_axis(frame.index)
    return pd.DataFrame(out, index=frame.index)
