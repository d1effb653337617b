"""Signature inference from Spark DataFrames: by schema, by a bounded sample, or by one full pass.

Entry points:

* :func:`infer_spark_signature` -- a :class:`ModelSignature`, like ``mlflow.models.infer_signature``
  (``spark_signature.infer_signature`` sends Spark DataFrames here). ``return_result=True`` gives the
  :class:`InferenceResult` instead.
* :func:`infer_spark_profile` -- the same inference, returning the :class:`InferenceResult`: the
  signature plus what the data showed (row count, null counts at every path, list lengths, map keys,
  tensor candidates, sample size). Its default mode is ``full``.

Modes:

* ``schema`` (default of :func:`infer_spark_signature`): no data read. Types from the Spark schema;
  every top-level column required and struct fields required iff ``nullable=False``, as MLflow does
  (``required_from_nullable=True`` reads top-level ``required`` from ``nullable`` instead). Under
  ``compat="mlflow"`` a top-level MapType becomes MLflow's Object of its keys, found with one bounded
  distinct-key query per map column (at most ``map_key_cap + 1`` keys reach the driver).
* ``full``: ONE Spark job over the data: ``mapInArrow`` profiles each partition's Arrow batches with
  ``pyarrow.compute`` (:mod:`.profile`) and yields one small JSON record per partition; the driver
  merges them. No rows are collected, so driver memory does not grow with the row count.
  ``required`` = no null observed, at every level (see :func:`_required_from_profile`).
* ``sample``: the same profile over a bounded, seeded sample: ``fraction=`` (Bernoulli, optionally
  capped by ``sample_rows``) or ``sample_rows=`` alone (a seeded random top-``sample_rows``,
  ``orderBy(rand(seed)).limit(n)``: Spark keeps at most n rows per partition).

Type mapping: :func:`spark_signature.spark_types.from_spark_type` (docs/types.md, "Inference"),
with two inference-specific choices: a ``pyspark.ml`` VectorUDT becomes ``Array(double)``
(``SparkMLVector`` under ``compat="mlflow"``) and a MapType ``Map(value)`` (MLflow's Object of keys
under ``compat="mlflow"``, top-level maps only, as MLflow supports no other).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spark_signature import paths
from spark_signature.connect import check_api_mode
from spark_signature.dispatch import is_spark_dataframe
from spark_signature.errors import InferenceError, SignatureError
from spark_signature.inference.profile import (
    LEAF,
    LIST,
    MAP,
    NULL,
    PROFILE_COLUMN,
    STRUCT,
    VECTOR,
    Kind,
    NodeProfile,
    TableProfile,
    profile_batches,
)
from spark_signature.inference.python import INTEGER_COLUMN_HINT, infer_param_schema, infer_schema
from spark_signature.inference.python import infer_signature as infer_python_signature
from spark_signature.spark_columns import quote
from spark_signature.types import (
    Array,
    ColSpec,
    Compat,
    DataType,
    Map,
    ModelSignature,
    Object,
    Property,
    Schema,
    SparkMLVector,
    TensorSpec,
)

__all__ = [
    "DEFAULT_MAP_KEY_CAP",
    "DEFAULT_PREDICT_ROWS",
    "DEFAULT_SAMPLE_ROWS",
    "INFERENCE_MODES",
    "InferenceResult",
    "infer_spark_profile",
    "infer_spark_schema",
    "infer_spark_signature",
]

INFERENCE_MODES = ("schema", "sample", "full")
DEFAULT_MAP_KEY_CAP = 1000
DEFAULT_SAMPLE_ROWS = 10_000
DEFAULT_PREDICT_ROWS = 100


# ------------------------------------------------------------------------------------------------
# the result
# ------------------------------------------------------------------------------------------------


@dataclass
class InferenceResult:
    """A signature and what the data showed.

    * ``rows``: rows profiled (the whole DataFrame in ``full``, the sample in ``sample``; None in
      ``schema``). ``sample_size`` equals it in ``sample`` mode and is None otherwise.
    * ``null_counts``: nulls per path (``col``, ``col.field``, ``col[]``, ``col{}``); a nested path
      counts only values under non-null parents.
    * ``tensor_candidates``: columns whose every row is a non-null, fixed-shape numeric array (or
      fixed-size ML vector), as ``TensorSpec``s with ``-1`` for the batch axis.
    * ``list_lengths``: ``(min, max)`` per list/map/vector path over non-null values.
    * ``map_keys``: sorted distinct keys per map path, or None when there are more than
      ``map_key_cap``.
    * ``outputs``: the result for ``model_output`` when it is a separate Spark DataFrame.
    """

    signature: ModelSignature
    mode: str
    rows: int | None = None
    null_counts: dict[str, int] = field(default_factory=dict)
    tensor_candidates: dict[str, TensorSpec] = field(default_factory=dict)
    list_lengths: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    map_keys: dict[str, list[str] | None] = field(default_factory=dict)
    sample_size: int | None = None
    warnings: list[str] = field(default_factory=list)
    outputs: InferenceResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the signature as MLflow's ``to_dict``)."""
        return {
            "mode": self.mode,
            "rows": self.rows,
            "sample_size": self.sample_size,
            "signature": self.signature.to_dict(),
            "null_counts": dict(self.null_counts),
            "tensor_candidates": {k: v.to_dict() for k, v in self.tensor_candidates.items()},
            "list_lengths": {k: list(v) for k, v in self.list_lengths.items()},
            "map_keys": dict(self.map_keys),
            "warnings": list(self.warnings),
            "outputs": None if self.outputs is None else self.outputs.to_dict(),
        }


@dataclass
class _Options:
    mode: str
    compat: Compat
    required_from_nullable: bool
    sample_rows: int | None
    fraction: float | None
    seed: int
    map_key_cap: int
    tensors: bool


# ------------------------------------------------------------------------------------------------
# Spark types -> profiling kinds (executor side needs no pyspark)
# ------------------------------------------------------------------------------------------------


def _kind(spark_type: Any) -> Kind:
    from pyspark.sql import types as T

    from spark_signature.spark_types import is_vector_udt, tensor_dtype_of

    if is_vector_udt(spark_type):
        return Kind(VECTOR)
    if isinstance(spark_type, T.ArrayType):
        return Kind(LIST, children=(_kind(spark_type.elementType),))
    if isinstance(spark_type, T.StructType):
        return Kind(
            STRUCT, children=tuple(_kind(f.dataType) for f in spark_type.fields), names=tuple(spark_type.fieldNames())
        )
    if isinstance(spark_type, T.MapType):
        return Kind(MAP, children=(_kind(spark_type.valueType),))
    if isinstance(spark_type, T.NullType):
        return Kind(NULL)
    dtype = tensor_dtype_of(spark_type)
    return Kind(LEAF, dtype=None if dtype is None else dtype.name)


# ------------------------------------------------------------------------------------------------
# profile -> signature types
# ------------------------------------------------------------------------------------------------


def _element_nulls(node: NodeProfile) -> int:
    """Nulls in array elements / map values reachable from ``node`` without entering a struct field.

    The enforcement engine checks such nulls against the enclosing column's (or property's)
    ``required``, since elements carry no flag of their own.
    """
    if node.kind in (LIST, MAP):
        child = node.children[0]
        return child.nulls + _element_nulls(child)
    return 0


def _required_from_profile(node: NodeProfile) -> bool:
    """``required`` of a column or property from data: no null there nor in its elements."""
    return node.kind != NULL and node.nulls == 0 and _element_nulls(node) == 0


class _Builder:
    """Builds the signature type of one column from its Spark type and (data modes) its profile."""

    def __init__(self, options: _Options, map_keys: dict[str, list[str] | None], result_warnings: list[str]):
        self.options = options
        self.mlflow = options.compat is Compat.MLFLOW
        self.map_keys = map_keys
        self.warnings = result_warnings

    def column(self, spark_field: Any, node: NodeProfile | None) -> ColSpec:
        from pyspark.sql import types as T

        name = spark_field.name
        dtype = self.type(spark_field.dataType, node, name, top=True)
        if isinstance(spark_field.dataType, T.NullType):
            required = False
        elif node is not None:
            required = _required_from_profile(node)
        elif self.options.required_from_nullable:
            required = not spark_field.nullable
        else:
            required = True  # MLflow: every top-level column of a Spark DataFrame is required
        return ColSpec(dtype, name=name, required=required)

    def type(self, spark_type: Any, node: NodeProfile | None, path: str, top: bool = False) -> Any:
        from pyspark.sql import types as T

        from spark_signature.spark_types import from_spark_type, is_lossy_decimal

        def sub(i: int) -> NodeProfile | None:
            return None if node is None else node.children[i]

        from spark_signature.spark_types import is_vector_udt

        if is_vector_udt(spark_type):
            return SparkMLVector() if self.mlflow else Array(DataType.double)
        if isinstance(spark_type, T.ArrayType):
            return Array(self.type(spark_type.elementType, sub(0), paths.any_element(path)))
        if isinstance(spark_type, T.StructType):
            from_spark_type(spark_type, path)  # empty struct / duplicate names: the mapping's errors
            props = []
            for i, f in enumerate(spark_type.fields):
                child = sub(i)
                if isinstance(f.dataType, T.NullType):
                    required = False
                elif child is not None:
                    required = _required_from_profile(child)
                else:
                    required = not f.nullable
                props.append(Property(f.name, self.type(f.dataType, child, paths.field(path, f.name)), required))
            return Object(props)
        if isinstance(spark_type, T.MapType):
            from_spark_type(T.MapType(spark_type.keyType, T.NullType()), path)  # string keys only
            value = self.type(spark_type.valueType, sub(0), paths.any_value(path))
            if top and self.mlflow:
                return self._map_as_object(path, value, node)
            return Map(value)
        if is_lossy_decimal(spark_type):
            self.warnings.append(
                f"column `{path}`: {spark_type.simpleString()} is inferred as double, which keeps only 15 "
                "significant digits; cast it in Spark if more matter."
            )
        return from_spark_type(spark_type, path)

    def _map_as_object(self, path: str, value: Any, node: NodeProfile | None) -> Any:
        """MLflow's reading of a top-level map: an Object with one property per key seen."""
        keys = self.map_keys.get(path)
        if keys is None:
            self.warnings.append(
                f"column `{path}`: more than {self.options.map_key_cap} distinct map keys; kept as "
                f"Map({value!r}) instead of MLflow's Object of all keys (raise map_key_cap to change it)."
            )
            return Map(value)
        if not keys:
            self.warnings.append(
                f"column `{path}`: no map keys in the data; kept as Map({value!r}) (MLflow cannot build "
                "an Object without properties and falls back to `any`)."
            )
            return Map(value)
        if node is None:  # schema mode: MLflow marks every key required
            return Object([Property(k, value, required=True) for k in keys])
        maps = node.count - node.nulls
        value_node = node.children[0]
        clean_values = _element_nulls(value_node) == 0
        assert node.keys is not None
        props = []
        for k in keys:
            present, nulls = node.keys[k]
            props.append(Property(k, value, required=present == maps and nulls == 0 and clean_values))
        return Object(props)


# ------------------------------------------------------------------------------------------------
# profile -> report
# ------------------------------------------------------------------------------------------------


def _walk(node: NodeProfile, kind: Kind, path: str, result: InferenceResult) -> None:
    result.null_counts[path] = node.nulls
    if kind.kind in (LIST, MAP, VECTOR):
        result.list_lengths[path] = (node.min_len, node.max_len)
    if kind.kind == MAP:
        result.map_keys[path] = None if node.keys is None else sorted(node.keys)
    if kind.kind == LIST:
        _walk(node.children[0], kind.children[0], paths.any_element(path), result)
    elif kind.kind == MAP:
        _walk(node.children[0], kind.children[0], paths.any_value(path), result)
    elif kind.kind == STRUCT:
        for name, child_kind, child in zip(kind.names, kind.children, node.children, strict=True):
            _walk(child, child_kind, paths.field(path, name), result)


def _tensor_candidate(name: str, kind: Kind, node: NodeProfile) -> TensorSpec | None:
    """A TensorSpec when every value at every level is non-null and every list level has one length."""
    if kind.kind == VECTOR:
        if node.nulls == 0 and node.min_len is not None and node.min_len == node.max_len:
            return TensorSpec(np.dtype("float64"), (-1, node.min_len), name=name)
        return None
    dims: list[int] = []
    while kind.kind == LIST:
        if node.nulls or node.min_len is None or node.min_len != node.max_len:
            return None
        dims.append(node.min_len)
        kind, node = kind.children[0], node.children[0]
    if not dims or kind.kind != LEAF or kind.dtype is None or node.nulls:
        return None
    return TensorSpec(np.dtype(kind.dtype), (-1, *dims), name=name)


# ------------------------------------------------------------------------------------------------
# running the profile
# ------------------------------------------------------------------------------------------------


def _sampled(df: Any, options: _Options) -> Any:
    from pyspark.sql import functions as F

    if options.fraction is not None:
        sampled = df.sample(withReplacement=False, fraction=options.fraction, seed=options.seed)
        return sampled if options.sample_rows is None else sampled.limit(options.sample_rows)
    n = DEFAULT_SAMPLE_ROWS if options.sample_rows is None else options.sample_rows
    return df.orderBy(F.rand(options.seed)).limit(n)


def _profile(df: Any, kinds: list[Kind], options: _Options) -> TableProfile:
    """One Spark job: per-partition profiles via mapInArrow, merged here one record at a time."""
    if options.mode == "sample":
        df = _sampled(df, options)
    records = df.mapInArrow(profile_batches(kinds, options.map_key_cap), f"{PROFILE_COLUMN} string").collect()
    return TableProfile.merge_all(kinds, (r[0] for r in records), options.map_key_cap)


def _distinct_map_keys(df: Any, column: str, cap: int) -> list[str] | None:
    """Schema mode, compat="mlflow": the distinct keys of one map column, at most ``cap`` of them."""
    from pyspark.sql import functions as F

    rows = df.select(F.explode(F.map_keys(F.col(quote(column)))).alias("k")).distinct().limit(cap + 1).collect()
    if len(rows) > cap:
        return None
    return sorted(r[0] for r in rows)


def _check_options(options: _Options) -> None:
    if options.mode not in INFERENCE_MODES:
        raise InferenceError(f"mode must be one of {INFERENCE_MODES}, got {options.mode!r}.")
    if options.required_from_nullable and options.mode != "schema":
        raise InferenceError(
            "required_from_nullable applies to mode='schema' only: 'sample' and 'full' take `required` "
            "from the nulls they observe."
        )
    if options.tensors and options.mode == "schema":
        raise InferenceError("tensors=True needs array lengths from the data: use mode='full' or 'sample'.")
    if options.mode != "sample" and (options.sample_rows is not None or options.fraction is not None):
        raise InferenceError("sample_rows and fraction apply to mode='sample' only.")
    if options.fraction is not None and not 0 < options.fraction <= 1:
        raise InferenceError(f"fraction must be in (0, 1], got {options.fraction!r}.")
    if options.sample_rows is not None and options.sample_rows < 1:
        raise InferenceError(f"sample_rows must be a positive number of rows, got {options.sample_rows!r}.")
    if options.map_key_cap < 1:
        raise InferenceError(f"map_key_cap must be at least 1, got {options.map_key_cap!r}.")


def _fields(df: Any, names: Sequence[str]) -> list[Any]:
    by_name = {f.name: f for f in df.schema.fields}
    return [by_name[n] for n in names]


def _check_columns(df: Any, names: Sequence[str], what: str) -> None:
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise InferenceError(
            f"{what} {missing} are not columns of the DataFrame (columns: {df.columns}); fix the names."
        )


def _profile_frame(df: Any, column_groups: list[list[str]], options: _Options) -> tuple[list[Schema], InferenceResult]:
    """Infer one Schema per column group of ``df`` (inputs, and outputs of a scored frame) in one pass."""
    check_api_mode(df, "infer_signature")
    from spark_signature.spark_types import from_spark_type

    names = [n for group in column_groups for n in group]
    if not names:
        raise InferenceError("No columns to infer a schema from: a Schema needs at least one column.")
    fields = _fields(df, names) if len(set(df.columns)) == len(df.columns) else list(df.schema.fields)
    if options.mode != "schema" and len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InferenceError(
            f"The DataFrame has duplicate column names {dup}; rename them before inferring from data.",
            path=dup[0],
        )
    for f in fields:  # every refusal before any Spark job: TypeMappingError naming the path and type
        from_spark_type(f.dataType, f.name)

    result = InferenceResult(signature=None, mode=options.mode)  # type: ignore[arg-type]
    profile: TableProfile | None = None
    if options.mode != "schema":
        kinds = [_kind(f.dataType) for f in fields]
        profile = _profile(df.select(*[quote(n) for n in names]), kinds, options)
        result.rows = profile.rows
        result.sample_size = profile.rows if options.mode == "sample" else None
        for f, kind, node in zip(fields, kinds, profile.columns, strict=True):
            _walk(node, kind, f.name, result)
            candidate = _tensor_candidate(f.name, kind, node)
            if candidate is not None:
                result.tensor_candidates[f.name] = candidate
    map_keys = dict(result.map_keys)
    if options.mode == "schema" and options.compat is Compat.MLFLOW:
        from pyspark.sql import types as T

        for f in fields:
            if isinstance(f.dataType, T.MapType):
                keys = _distinct_map_keys(df, f.name, options.map_key_cap)
                map_keys[f.name] = keys
                result.map_keys[f.name] = keys

    builder = _Builder(options, map_keys, result.warnings)
    schemas = []
    position = 0
    for group in column_groups:
        specs = []
        for f in fields[position : position + len(group)]:
            node = None if profile is None else profile.columns[position]
            specs.append(builder.column(f, node))
            position += 1
        schemas.append(Schema(specs))
    if options.tensors:
        schemas[0] = _as_tensors(schemas[0], result)
    return schemas, result


def _as_tensors(schema: Schema, result: InferenceResult) -> Schema:
    names = [str(s.name) for s in schema.inputs]
    missing = [n for n in names if n not in result.tensor_candidates]
    if missing:
        raise InferenceError(
            f"tensors=True needs every input column to be a fixed-shape numeric array without nulls; "
            f"{missing} are not (tensor candidates: {sorted(result.tensor_candidates)}). A signature cannot "
            "mix TensorSpecs and ColSpecs: select only the candidate columns, or keep tensors=False "
            "(Array columns) and read `tensor_candidates` from the result.",
            path=missing[0],
        )
    return Schema([result.tensor_candidates[n] for n in names])


def _warn_integer_columns(schema: Schema | None) -> None:
    """MLflow's integer-column hint (compat="mlflow"): MLflow issues it for Spark DataFrames too."""
    if schema is None or schema.is_tensor_spec():
        return
    if any(isinstance(s.type, DataType) and s.type in (DataType.integer, DataType.long) for s in schema.inputs):
        warnings.warn(INTEGER_COLUMN_HINT, UserWarning, stacklevel=4)


# ------------------------------------------------------------------------------------------------
# public API
# ------------------------------------------------------------------------------------------------


def infer_spark_profile(
    model_input: Any = None,
    model_output: Any = None,
    params: dict | None = None,
    *,
    mode: str = "full",
    compat: Compat | str = Compat.STRICT,
    required_from_nullable: bool = False,
    sample_rows: int | None = None,
    fraction: float | None = None,
    seed: int = 0,
    map_key_cap: int = DEFAULT_MAP_KEY_CAP,
    tensors: bool = False,
    input_columns: Sequence[str] | None = None,
    output_columns: Sequence[str] | None = None,
    predict_fn: Callable[[Any], Any] | None = None,
    predict_rows: int = DEFAULT_PREDICT_ROWS,
) -> InferenceResult:
    """Infer a signature from a Spark DataFrame and report what the data showed.

    Args:
        model_input: a Spark DataFrame (or any input MLflow's ``infer_signature`` takes: non-Spark
            inputs and outputs are inferred by :mod:`spark_signature.inference.python`).
        model_output: predictions: a Spark DataFrame (profiled in its own pass) or Python data.
        params: inference params, inferred as MLflow does.
        mode: ``"schema"``, ``"sample"`` or ``"full"`` (module docstring).
        compat: ``"strict"`` (our mapping: maps ``Map(value)``, vectors ``Array(double)``) or
            ``"mlflow"`` (top-level maps as an Object of their keys, vectors ``SparkMLVector``, MLflow's
            integer-column warning).
        required_from_nullable: ``schema`` mode: top-level ``required = not nullable``.
        sample_rows, fraction, seed: the sample of ``mode="sample"``.
        map_key_cap: most distinct keys tracked per map (beyond it the key set is dropped; under
            ``compat="mlflow"`` the column stays ``Map``).
        tensors: make the inputs a TensorSpec schema; every input column must be a tensor candidate.
        input_columns: the input columns of ``model_input`` (default: all but ``output_columns``).
        output_columns: prediction columns of a scored ``model_input``; profiled in the same pass and
            returned as the outputs schema.
        predict_fn: called once with a pandas DataFrame of at most ``predict_rows`` input rows; its
            return value is inferred as the outputs (e.g. ``loaded_model.predict`` of a model later
            scored with ``mlflow.pyfunc.spark_udf``).

    Raises:
        TypeMappingError: a column type has no signature type (the error names its path and type).
        InferenceError: invalid options or columns.
    """
    options = _Options(mode, Compat.parse(compat), required_from_nullable, sample_rows, fraction, seed, map_key_cap,
                       tensors)
    _check_options(options)
    given_outputs = sum((model_output is not None, bool(output_columns), predict_fn is not None))
    if given_outputs > 1:
        raise InferenceError("Give at most one of model_output, output_columns and predict_fn.")
    spark_input = is_spark_dataframe(model_input)
    if not spark_input and (output_columns or input_columns or predict_fn):
        raise InferenceError("input_columns, output_columns and predict_fn need model_input to be a Spark DataFrame.")

    inputs = outputs = None
    result: InferenceResult | None = None
    if spark_input:
        out_cols = list(output_columns or [])
        _check_columns(model_input, out_cols, "output_columns")
        if input_columns is not None:
            in_cols = list(input_columns)
            _check_columns(model_input, in_cols, "input_columns")
        else:
            in_cols = [c for c in model_input.columns if c not in out_cols]
        groups = [in_cols, out_cols] if out_cols else [in_cols]
        schemas, result = _profile_frame(model_input, groups, options)
        inputs = schemas[0]
        if out_cols:
            outputs = schemas[1]
        elif predict_fn is not None:
            outputs = _predict_outputs(model_input, in_cols, predict_fn, predict_rows)
    elif model_input is not None:
        inputs = infer_python_signature(model_input=model_input).inputs

    output_result = None
    if is_spark_dataframe(model_output):
        out_options = _Options(**{**options.__dict__, "tensors": False})
        (outputs,), output_result = _profile_frame(model_output, [list(model_output.columns)], out_options)
    elif model_output is not None:
        outputs = infer_python_signature(model_output=model_output).outputs

    if options.compat is Compat.MLFLOW:
        if spark_input:
            _warn_integer_columns(inputs)
        if is_spark_dataframe(model_output) or output_columns:
            _warn_integer_columns(outputs)
    param_schema = infer_param_schema(params) if params else None
    try:
        signature = ModelSignature(inputs=inputs, outputs=outputs, params=param_schema)
    except (SignatureError, ValueError) as exc:
        raise InferenceError(f"Nothing to infer a signature from: {exc}") from exc
    if result is None:
        result = InferenceResult(signature=signature, mode=mode)
    result.signature = signature
    result.outputs = output_result
    if output_result is not None:
        output_result.signature = ModelSignature(outputs=outputs)
    return result


def _predict_outputs(df: Any, columns: list[str], predict_fn: Callable[[Any], Any], rows: int) -> Schema:
    """Outputs inferred from ``predict_fn`` on a pandas sample of at most ``rows`` input rows."""
    if rows < 1:
        raise InferenceError(f"predict_rows must be at least 1, got {rows!r}.")
    sample = df.select(*[quote(c) for c in columns]).limit(rows).toPandas()
    try:
        predictions = predict_fn(sample)
    except Exception as exc:
        raise InferenceError(
            f"predict_fn failed on a {len(sample)}-row pandas sample of columns {columns}: {type(exc).__name__}: {exc}"
        ) from exc
    return infer_schema(predictions)


def infer_spark_signature(
    model_input: Any = None,
    model_output: Any = None,
    params: dict | None = None,
    *,
    mode: str = "schema",
    return_result: bool = False,
    **options: Any,
) -> ModelSignature | InferenceResult:
    """``mlflow.models.infer_signature`` for Spark DataFrames; ``mode="schema"`` reads no data.

    Takes the options of :func:`infer_spark_profile`. Returns the :class:`ModelSignature`, or the
    :class:`InferenceResult` when ``return_result=True``.
    """
    result = infer_spark_profile(model_input, model_output, params, mode=mode, **options)
    return result if return_result else result.signature


def infer_spark_schema(df: Any, *, mode: str = "schema", **options: Any) -> Schema:
    """The Schema of a Spark DataFrame alone (MLflow's ``_infer_schema(spark_df)`` under compat="mlflow")."""
    return infer_spark_profile(df, mode=mode, **options).signature.inputs
