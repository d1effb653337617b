"""Validated scoring: enforce the model's signature on every row, then ``mlflow.pyfunc.spark_udf`` on the
rows that fit.

``score(df, model_uri)`` reads the model's signature (by path or URI, see :mod:`spark_signature.mlmodel`),
splits ``df`` with :func:`spark_signature.enforce` (what the schema alone decides fails here, before any
Spark job), validates ``params`` once on the driver, and applies MLflow's UDF to the valid rows only.
Quarantined rows never reach the model, so one bad row no longer kills the scoring job, and the counts
say how many rows were scored and why the others were not (scored + quarantined = input).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spark_signature.errors import ScoringError
from spark_signature.tensor_scoring import score_tensors, tensor_scoring_needed
from spark_signature.types import ColSpec, DataType, ModelSignature, TensorSpec

_logger = logging.getLogger(__name__)
_DEFAULT_PREDICTION = "prediction"


@dataclass
class ScoreResult:
    """What :func:`score` returns; ``scored`` and ``quarantine`` are lazy DataFrames over one tagged pass.

    ``counts`` come from the first action over either frame (a no-op pass runs if none has yet):
    ``counts.valid`` rows were scored, ``counts.quarantined`` were not, and their sum is the input.
    """

    scored: Any
    quarantine: Any
    signature: ModelSignature
    result_type: Any
    prediction_columns: list[str]
    params: dict | None
    model_uri: str
    split: Any = field(repr=False)

    @property
    def counts(self) -> Any:
        return self.split.counts


def _nullable(spark_type: Any) -> Any:
    """``spark_type`` with every nested field and element nullable: a model may return None anywhere."""
    from pyspark.sql import types as T

    if isinstance(spark_type, T.StructType):
        return T.StructType([T.StructField(f.name, _nullable(f.dataType), True) for f in spark_type.fields])
    if isinstance(spark_type, T.ArrayType):
        return T.ArrayType(_nullable(spark_type.elementType), True)
    if isinstance(spark_type, T.MapType):
        return T.MapType(spark_type.keyType, _nullable(spark_type.valueType), True)
    return spark_type


def _output_type(spec: ColSpec | TensorSpec, index: int) -> Any:
    """The Spark type of one output column per row.

    A ColSpec maps as everywhere else (:mod:`spark_signature.spark_types`). A TensorSpec whose first
    dimension is the batch (-1) gives the per-row tensor: ``[-1]`` a scalar, ``[-1, 10]`` an array of 10.
    Deviation: MLflow counts the batch dimension too, so its UDF returns a one-element array per row for
    a ``[-1]`` tensor (verified with 3.17: ``[0]``, ``[2]``, ...).
    """
    from pyspark.sql import types as T

    from spark_signature.spark_types import to_spark_type

    label = spec.name or str(index)
    if isinstance(spec, ColSpec):
        return _nullable(to_spark_type(spec.type, label))
    element = DataType.from_numpy_type(spec.type)
    if element is None:
        raise ScoringError(
            f"output '{label}': tensor dtype {spec.type} has no Spark type for spark_udf's result.",
            path=label, found=str(spec.type),
            fix="Pass result_type= explicitly (e.g. 'array<double>'), or declare a float/int/bool/str dtype.",
        )
    dims = list(spec.shape)[1:] if spec.shape and spec.shape[0] == -1 else list(spec.shape)
    spark_type: Any = element.to_spark()
    for _ in dims:
        spark_type = T.ArrayType(spark_type, True)
    return spark_type


def infer_result_type(signature: ModelSignature) -> Any:
    """The UDF result type the output schema implies: one column's type, or a struct for several."""
    from pyspark.sql import types as T

    outputs = signature.outputs
    if outputs is None:
        _logger.warning(
            "The model has no output schema: scoring with result_type double (MLflow's default). "
            "Pass result_type= to choose another."
        )
        return T.DoubleType()
    if len(outputs.inputs) == 1:
        return _output_type(outputs.inputs[0], 0)
    return T.StructType(
        [T.StructField(spec.name or str(i), _output_type(spec, i), True) for i, spec in enumerate(outputs.inputs)]
    )


def model_signature(model_uri: str, *, infer_missing: bool = False) -> tuple[ModelSignature, bool]:
    """The model's signature for scoring, and whether MLmodel holds its input schema; without one, the
    schema its input example implies (``infer_missing=True``) or a ScoringError saying how to add one."""
    from spark_signature.examples import infer_signature_from_input_example
    from spark_signature.mlmodel import load_signature

    signature = load_signature(model_uri)
    if signature is not None and signature.inputs is not None:
        return signature, True
    if not infer_missing:
        raise ScoringError(
            f"The model {model_uri!r} has no input signature, so there is nothing to validate rows against.",
            path=model_uri,
            fix="Set one: spark_signature.set_signature(model_uri, infer_signature(sample_df, predictions)); "
            "or pass infer_missing=True to infer it from the model's saved input example.",
        )
    inferred = infer_signature_from_input_example(model_uri)
    _logger.warning("The model %r has no input signature; inferred from its input example: %r", model_uri, inferred)
    outputs = signature.outputs if signature is not None else None
    params = signature.params if signature is not None and signature.params is not None else inferred.params
    return ModelSignature(inferred.inputs, outputs, params), False


def _prediction_columns(result_type: Any, signature: ModelSignature, prediction_column: str | None) -> list[str]:
    from pyspark.sql import types as T

    if isinstance(result_type, T.StructType):
        if prediction_column is not None:
            return [prediction_column]
        return [f.name for f in result_type.fields]
    if prediction_column is not None:
        return [prediction_column]
    outputs = signature.outputs
    if outputs is not None and len(outputs.inputs) == 1 and isinstance(outputs.inputs[0].name, str):
        return [outputs.inputs[0].name]
    return [_DEFAULT_PREDICTION]


def _check_names(columns: Sequence[str], taken: Sequence[str]) -> None:
    clash = sorted(set(columns) & set(taken))
    if clash or len(set(columns)) != len(columns):
        raise ScoringError(
            f"Prediction column(s) {clash or list(columns)} clash with the scored frame's columns {list(taken)}.",
            path=(clash or list(columns))[0],
            fix="Pass prediction_column='...' with an unused name (a struct result is then kept as one column).",
        )


def score(
    df: Any,
    model_uri: str,
    params: dict | None = None,
    result_type: Any = None,
    *,
    prediction_column: str | None = None,
    keep_columns: Sequence[str] = (),
    infer_missing: bool = False,
    compat: str = "strict",
    env_manager: str = "local",
    violations_column: str = "_violations",
) -> ScoreResult:
    """Score the rows of ``df`` that satisfy the model's signature; quarantine the others with their reasons.

    * ``model_uri``: a model directory or any URI MLflow resolves (``runs:/``, ``models:/name/version``,
      ``models:/name@alias``, ...). Needs the mlflow extra.
    * ``params``: validated once here against the params schema (MLflow's rules, defaults filled), then
      passed to the model; a bad param raises ParamsValidationError before any job.
    * ``result_type``: the UDF's Spark type; by default from the output schema (a struct for several
      outputs, whose fields become columns), double when there is none.
    * ``scored``: ``keep_columns``, the signature's columns converted to its types, then the prediction
      column(s) (``prediction_column``, default the output's name or ``"prediction"``).
    * ``quarantine``: the original rows plus ``violations_column``.

    Static problems (a missing required column, a string column for a double feature) raise
    SchemaEnforcementError before any Spark job, naming the column and the fix.
    """
    from pyspark.sql import functions as F

    from spark_signature.enforcement.spark import enforce
    from spark_signature.model_uri import import_mlflow

    mlflow = import_mlflow(str(model_uri))
    importlib.import_module("mlflow.pyfunc")  # the submodule that holds spark_udf

    signature, in_mlmodel = model_signature(model_uri, infer_missing=infer_missing)
    split = enforce(
        df, signature, mode="split", compat=compat, keep_columns=keep_columns,
        violations_column=violations_column, params=params,
    )  # fmt: skip
    checked = split.params if signature.params is not None else None
    inferred = result_type is None
    if inferred:
        result_type = infer_result_type(signature)
    valid = split.valid
    inputs = [c for c in valid.columns if c not in keep_columns]
    from pyspark.sql import types as T

    tmp = "__spark_signature_prediction__"
    if tensor_scoring_needed(signature):  # spark_udf cannot hand this model its dtype (tensor_scoring.py)
        if env_manager != "local":
            raise ScoringError(
                f"The model {model_uri!r} takes tensors of a dtype Spark has no type for "
                f"({', '.join(sorted({str(s.type) for s in signature.inputs.inputs}))}); such models are scored "
                "in the executors' own Python, not in an environment built by spark_udf.",
                path=str(model_uri), found=f"env_manager={env_manager!r}",
                fix="Pass env_manager='local' and install the model's requirements on the executors.",
            )
        if isinstance(result_type, str):
            result_type = df.sparkSession.createDataFrame([], f"x {result_type}").schema[0].dataType
        outputs = _prediction_columns(result_type, signature, prediction_column)
        _check_names(outputs, valid.columns)
        struct = isinstance(result_type, T.StructType) and prediction_column is None
        with_prediction = score_tensors(valid, mlflow, str(model_uri), signature, result_type,
                                        tmp if struct else outputs[0], checked or None, inputs)
    else:
        udf = _spark_udf(mlflow, df.sparkSession, str(model_uri), result_type, env_manager, checked or None,
                         inferred)
        result_type = udf.returnType
        outputs = _prediction_columns(result_type, signature, prediction_column)
        _check_names(outputs, valid.columns)
        struct = isinstance(result_type, T.StructType) and prediction_column is None
        with_prediction = valid.withColumn(tmp if struct else outputs[0], udf(*_udf_args(signature, inputs,
                                                                                           in_mlmodel)))
    if struct:
        scored = with_prediction.select(
            *[F.col(_quote(c)) for c in valid.columns],
            *[F.col(tmp).getField(f.name).alias(f.name) for f in result_type.fields],
        )
    else:
        scored = with_prediction
    return ScoreResult(
        scored=scored, quarantine=split.quarantine, signature=signature, result_type=result_type,
        prediction_columns=outputs, params=checked, model_uri=str(model_uri), split=split,
    )  # fmt: skip


def _udf_args(signature: ModelSignature, inputs: list[str], in_mlmodel: bool) -> list[Any]:
    """The UDF's arguments: the signature's columns, tensors flattened to one array per row (MLflow reshapes
    1-D values to the tensor's shape, and fails on nested arrays: verified with 3.17)."""
    from pyspark.sql import functions as F

    specs = dict(zip(inputs, signature.inputs.inputs, strict=False))

    def arg(c: str) -> Any:
        column, spec = F.col(_quote(c)), specs.get(c)
        if isinstance(spec, TensorSpec):
            for _ in range(len(spec.shape) - 2):
                column = F.flatten(column)
        return column

    # Positional columns are named by MLflow after the model's own input schema; when MLmodel has none
    # (inferred here) or an optional column is absent, one struct carries the names instead.
    declared = signature.inputs.input_names() if signature.inputs.has_input_names() else None
    positional = in_mlmodel and (declared is None or [str(n) for n in declared] == inputs)
    return [arg(c) for c in inputs] if positional else [F.struct(*[arg(c).alias(c) for c in inputs])]


def _spark_udf(
    mlflow: Any, spark: Any, model_uri: str, result_type: Any, env_manager: str, params: dict | None, inferred: bool
) -> Any:
    """MLflow's UDF. MLflow checks an explicit result type against a shorter list than it infers itself
    (binary and timestamp are refused); for such an inferred type, MLflow's own inference is used."""
    try:
        return mlflow.pyfunc.spark_udf(
            spark, model_uri, result_type=result_type, env_manager=env_manager, params=params
        )
    except mlflow.exceptions.MlflowException as exc:
        if not inferred or "Invalid 'spark_udf' result type" not in str(exc):
            raise ScoringError(
                f"mlflow.pyfunc.spark_udf refused the model {model_uri!r}: {exc}", path=model_uri,
                fix="Pass a result_type MLflow accepts: int, long, float, double, string, boolean, or "
                "arrays/structs of those.",
            ) from exc
        _logger.warning("spark_udf refuses result_type %s given explicitly; using MLflow's own inference.", result_type)
        return mlflow.pyfunc.spark_udf(spark, model_uri, env_manager=env_manager, params=params)


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"
