"""The pre-scoring step: validate a table against a signature, write valid and quarantined rows to Delta
exactly once, and say what happened (a versioned report and an exit code).

What the jobs in ``jobs/`` run and what a notebook or a scheduler can call directly:

* :func:`validate_table` -- read the input (Delta version pinned), load the signature, plan on the
  driver (a schema that cannot match stops here: exit 1, no data read), enforce once (the tagged rows
  persisted, released after), write the valid and the quarantine table (idempotent Delta writes keyed by
  the run id), check ``valid + quarantined = rows read`` with each side counted on its own (Delta's
  commit metrics against a native count of the input: exit 3 if not), apply the thresholds (exit 2 over
  them), build the report.
* :func:`score_table` -- the same step with the model's own signature, then the valid rows scored with
  :func:`spark_signature.score` and written as a predictions table.
* :mod:`spark_signature.streaming` runs the same per-batch core over a Delta stream.

Nothing here raises for an expected failure: every outcome is a :class:`StepOutcome` whose report says
why (``status``, ``exit_code``, ``message``, ``error``). Errors that are not ours (a bug, a lost
cluster) are kept in :attr:`StepOutcome.unexpected` for the job to print after its one line.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spark_signature.delta_io import (
    INPUT_FORMATS,
    WRITE_MODES,
    InputTable,
    WriteResult,
    check_output,
    read_input,
    write_once,
)
from spark_signature.errors import (
    ConfigError,
    CountMismatchError,
    Rule,
    SchemaEnforcementError,
    SignatureError,
    bad_option,
)
from spark_signature.report_builder import (
    bad_rows_from_quarantine,
    build_report,
    error_line,
    error_section,
    error_status,
    examples_from_quarantine,
    judge,
    pick_examples,
    plan_section,
    schema_section,
    signature_section,
    signature_sha256,
    spark_section,
    write_report,
)
from spark_signature.types import Compat, ModelSignature
from spark_signature.violations import Counts

STEP_MODES = ("split", "fail_fast", "check")
VIOLATIONS_COLUMN = "_violations"
RUN_ID_COLUMN = "_run_id"
INPUT_VERSION_COLUMN = "_input_version"
#: Columns the quarantine table adds to the input's: the reasons, the run, the Delta version read.
LINEAGE_COLUMNS = (VIOLATIONS_COLUMN, RUN_ID_COLUMN, INPUT_VERSION_COLUMN)


@dataclass
class StepOptions:
    """What a run is asked to do (the jobs' command-line options, one field each)."""

    input: str
    signature: str | None = None  # any load_signature source (score_table: the model's own signature)
    input_format: str = "delta"
    version: int | None = None
    timestamp: str | None = None
    mode: str = "split"
    compat: str = "strict"
    valid_output: str | None = None
    quarantine_output: str | None = None
    max_bad_rows: int | None = None
    max_bad_fraction: float | None = None
    run_id: str | None = None
    keep_columns: Sequence[str] | None = None  # None: every input column the signature does not read
    write_mode: str = "append"
    # score_table
    model: str | None = None
    predictions_output: str | None = None
    prediction_column: str | None = None
    result_type: str | None = None  # Spark DDL type of the prediction; default: from the output schema


@dataclass
class StepOutcome:
    """What a run did: the report (docs/report.md), and the pieces a caller may want as objects."""

    report: dict[str, Any]
    counts: Counts | None = None
    outputs: dict[str, WriteResult] = field(default_factory=dict)
    unexpected: BaseException | None = None  # an error that is not ours: the job prints its traceback
    bad_rows: list[dict[str, Any]] = field(default_factory=list)  # a few quarantined rows, for the HTML view

    @property
    def status(self) -> str:
        return self.report["status"]

    @property
    def exit_code(self) -> int:
        return self.report["exit_code"]

    @property
    def message(self) -> str:
        return self.report["message"]

    def write_report(self, path: str) -> None:
        write_report(self.report, path)


# ---- decisions -------------------------------------------------------------------------------------------


def check_options(options: StepOptions, job: str) -> None:
    """Refuse a bad combination of options before anything is read (ConfigError, exit 3)."""
    if options.mode not in STEP_MODES:
        raise bad_option("mode", options.mode, list(STEP_MODES))
    if options.input_format not in INPUT_FORMATS:
        raise bad_option("input_format", options.input_format, list(INPUT_FORMATS))
    if options.write_mode not in WRITE_MODES:
        raise bad_option("write_mode", options.write_mode, list(WRITE_MODES))
    Compat.parse(options.compat)
    if options.max_bad_rows is not None and (not isinstance(options.max_bad_rows, int) or options.max_bad_rows < 0):
        raise bad_option("max_bad_rows", options.max_bad_rows, "an integer >= 0")
    fraction = options.max_bad_fraction
    if fraction is not None and not (isinstance(fraction, (int, float)) and 0 <= fraction <= 1):
        raise bad_option("max_bad_fraction", fraction, "a number between 0 and 1")
    if job == "score_table":
        if not options.model:
            raise ConfigError("score_table needs --model.", rule=Rule.INVALID_OPTION, path="model",
                              fix="pass --model MODEL_URI (a model directory, runs:/ or models:/ URI)")
        if options.mode != "split":
            raise bad_option("mode", options.mode, ["split"], "score_table (it scores the valid rows)")
        if not options.predictions_output or not options.quarantine_output:
            raise ConfigError("score_table needs --predictions-output and --quarantine-output.",
                              rule=Rule.INVALID_OPTION, path="predictions_output",
                              fix="pass both: scored rows and quarantined rows each go to a Delta table")
    outputs = {k: v for k, v in (("valid", options.valid_output), ("quarantine", options.quarantine_output),
                                 ("predictions", options.predictions_output)) if v}
    if options.mode == "split" and job == "validate_table" and len(outputs) == 1:
        given = next(iter(outputs))
        raise ConfigError(
            f"split mode writes both tables: --{given}-output was given without the other.",
            rule=Rule.INVALID_OPTION, path=f"{given}_output",
            fix="pass both --valid-output and --quarantine-output (or neither, to only count and report)",
        )
    if options.mode == "check" and outputs:
        raise ConfigError("check mode writes no table.", rule=Rule.INVALID_OPTION, path="mode",
                          fix="drop --valid-output/--quarantine-output, or use --mode split")
    if options.mode == "fail_fast" and options.quarantine_output:
        raise ConfigError("fail_fast mode stops at the first bad row: it has no quarantine table.",
                          rule=Rule.INVALID_OPTION, path="quarantine_output",
                          fix="drop --quarantine-output, or use --mode split")
    paths = [_norm(p) for p in outputs.values()]
    if len(set(paths)) != len(paths):
        raise ConfigError(f"two outputs are the same table: {sorted(outputs.values())}.", rule=Rule.INVALID_OPTION,
                          path="outputs", fix="give each output its own path")
    if _norm(options.input) in paths:
        raise ConfigError(f"an output is the input table {options.input!r}.", rule=Rule.INVALID_OPTION,
                          path="outputs", fix="write the outputs next to the input, not over it")


def _norm(path: str) -> str:
    text = str(path).rstrip("/")
    return text[len("file:"):] if text.startswith("file:") else text


def derive_run_id(parts: dict[str, Any]) -> str:
    """The run id of a run that names none: a hash of what makes two runs the same run (input and
    version, signature, mode, outputs), so that a rerun is recognised and writes nothing twice."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return "run-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def verify_written(counts: Counts, written: dict[str, WriteResult], roles: dict[str, str]) -> None:
    """Delta's commit counts against the enforcement's: each output holds exactly its rows, and together
    they hold every row read (counted natively). ``roles`` maps count names (valid, quarantined) to outputs."""
    problems = []
    for count_name, role in roles.items():
        result = written.get(role)
        if result is None:
            continue
        expected = getattr(counts, count_name)
        if result.rows != expected and result.already_written:
            raise CountMismatchError(
                f"the {role} output {result.path!r} already holds this run's rows from an earlier attempt "
                f"(v{result.delta_version}: {result.rows} rows), but this attempt counted {expected} {count_name}: "
                "the run id names other rows now (a different input, or a non-deterministic one).",
                expected=f"{expected} rows", found=f"{result.rows} rows",
                fix="pass a new --run-id (or none: the default id follows the input's Delta version)",
            )
        if result.rows != expected:
            problems.append(f"the {role} commit (v{result.delta_version}) holds {result.rows} rows, the enforcement "
                            f"counted {expected} {count_name}")
    if set(roles.values()) <= set(written):
        total = sum(written[r].rows for r in roles.values())
        if total != counts.rows:
            problems.append(f"the outputs hold {total} rows, {counts.rows} were read")
    if problems:
        raise CountMismatchError(
            "rows were lost or duplicated between the input and the Delta outputs: " + "; ".join(problems) + ".",
            expected=f"{counts.rows} rows", found="; ".join(problems),
            fix="inspect the outputs' DESCRIBE HISTORY; a rerun with the same --run-id writes nothing twice",
        )


# ---- the run ---------------------------------------------------------------------------------------------


class _Run:
    """The sections of one report, filled as the step goes; :meth:`finish` makes the outcome."""

    def __init__(self, job: str, options: StepOptions, spark: Any) -> None:
        self.job = job
        self.options = options
        self.spark = spark
        self.start = time.monotonic()
        self.timings: dict[str, float | None] = {}
        self.sections: dict[str, Any] = {
            "job": job, "mode": options.mode, "compat": str(options.compat), "run_id": options.run_id,
            "input": {"path": options.input, "format": options.input_format, "delta_version": None,
                      "timestamp": options.timestamp},
            "signature": {"source": options.signature or options.model, "sha256": None, "inputs": None},
            "thresholds": {"max_bad_rows": options.max_bad_rows, "max_bad_fraction": options.max_bad_fraction},
        }
        self.counts: Counts | None = None
        self.outputs: dict[str, WriteResult] = {}
        self.planned = False  # past the driver-side plan: a SchemaEnforcementError now is about data
        self.bad_rows: list[dict[str, Any]] = []

    def lap(self, key: str, since: float) -> None:
        self.timings[key] = round(time.monotonic() - since, 3)

    def finish(self, status: str, message: str, error: BaseException | None = None,
               unexpected: BaseException | None = None) -> StepOutcome:
        self.timings["total_s"] = round(time.monotonic() - self.start, 3)
        outputs = {role: result.to_dict() for role, result in self.outputs.items()}
        report = build_report(
            **self.sections, status=status, message=message, counts=None if self.counts is None else
            self.counts.as_dict(), outputs=outputs, error=error_section(error), timings=self.timings,
            spark=spark_section(self.spark),
        )
        return StepOutcome(report, self.counts, dict(self.outputs), unexpected, list(self.bad_rows))


def _run_step(job: str, spark: Any, options: StepOptions, body: Any) -> StepOutcome:
    run = _Run(job, options, spark)
    try:
        return body(run)
    except SignatureError as exc:
        return run.finish(error_status(exc, rows_read=run.planned), error_line(exc), exc)
    except Exception as exc:  # not ours: reported, and the job prints the traceback after its line
        return run.finish("error", error_line(exc), exc, unexpected=exc)


def _load_signature(source: str) -> ModelSignature:
    from spark_signature.mlmodel import load_signature

    signature = load_signature(source)
    if signature is None or signature.inputs is None:
        raise ConfigError(
            f"{source!r} has no input signature to validate against.", rule=Rule.INVALID_OPTION, path="signature",
            found=source, fix="log the model with a signature, or pass --signature a signature file "
            "(jobs/infer_signature.py writes one)",
        )
    return signature


def _prepare(run: _Run, signature: ModelSignature) -> tuple[InputTable, Any, list[str]]:
    """Read the input (version pinned), plan on the driver, choose the kept columns. No data is read."""
    from spark_signature.enforcement.spark import plan_for

    options = run.options
    started = time.monotonic()
    run.sections["signature"] = signature_section(str(options.signature or options.model), signature)
    table = read_input(run.spark, options.input, options.input_format, version=options.version,
                       timestamp=options.timestamp)
    run.sections["input"] = table.to_dict()
    compat = Compat.parse(options.compat)
    run.sections["schema"] = schema_section(signature.inputs, table.df.schema, compat)
    for name in LINEAGE_COLUMNS:
        if name in table.df.columns:
            raise ConfigError(f"the input already has a column {name!r}, which the quarantine table adds.",
                              rule=Rule.INVALID_OPTION, path=name, found=name,
                              fix=f"rename or drop the input's {name!r} column before validating")
    plan = plan_for(table.df, signature, compat)
    run.sections["warnings"] = list(plan.warnings)
    run.planned = True
    keep = list(plan.extras) if options.keep_columns is None else list(options.keep_columns)
    run.lap("plan_s", started)
    return table, plan, keep


def _run_id(run: _Run, table: InputTable, signature: ModelSignature, keep: list[str]) -> str:
    options = run.options
    if options.run_id:
        return options.run_id
    files = None if table.delta_version is not None else sorted(table.df.inputFiles())
    return derive_run_id({
        "job": run.job, "input": _norm(table.path), "format": table.format, "delta_version": table.delta_version,
        "files": files, "signature": signature_sha256(signature), "mode": options.mode, "compat": str(options.compat),
        "keep": keep, "outputs": [_norm(p) if p else None for p in
                                  (options.valid_output, options.quarantine_output, options.predictions_output)],
        "write_mode": options.write_mode, "model": options.model,
    })  # fmt: skip


def with_lineage(quarantine: Any, run_id: str, input_version: int | None) -> Any:
    """The quarantine rows as written: the input's columns, ``_violations``, the run id, the version read."""
    from pyspark.sql import functions as F

    return (quarantine.withColumn(RUN_ID_COLUMN, F.lit(run_id))
            .withColumn(INPUT_VERSION_COLUMN, F.lit(input_version).cast("long")))


def write_split(split: Any, *, valid_output: str, quarantine_output: str, run_id: str, input_version: int | None,
                app_id: str, txn_version: int, write_mode: str, extra_metadata: dict | None = None,
                valid_frame: Any = None, valid_role: str = "valid") -> dict[str, WriteResult]:
    """Write the quarantine rows, then the valid ones (or ``valid_frame``, e.g. scored rows), each once.

    The split must be persisted and counted already: both writes then read the persisted rows.
    """
    metadata = {"run_id": run_id, "input_version": input_version, **(extra_metadata or {})}
    quarantine = with_lineage(split.quarantine, run_id, input_version)
    written = {"quarantine": write_once(quarantine, quarantine_output, app_id=app_id, txn_version=txn_version,
                                        metadata=metadata, mode=write_mode, role="quarantine")}
    frame = split.valid if valid_frame is None else valid_frame
    written[valid_role] = write_once(frame, valid_output, app_id=app_id, txn_version=txn_version,
                                     metadata=metadata, mode=write_mode, role=valid_role)
    return written


def _app_id(run_id: str) -> str:
    return f"spark_signature/{run_id}"


# ---- validate_table --------------------------------------------------------------------------------------


def validate_table(spark: Any, options: StepOptions) -> StepOutcome:
    """Validate ``options.input`` against ``options.signature``; see the module docstring. Never raises for
    an expected failure: the outcome's report says what happened."""

    def body(run: _Run) -> StepOutcome:
        check_options(options, "validate_table")
        signature = _load_signature(str(options.signature))
        table, _plan, keep = _prepare(run, signature)
        run_id = _run_id(run, table, signature, keep)
        run.sections["run_id"] = run_id
        if options.mode == "split":
            return _split_step(run, table, signature, keep, run_id)
        return _check_step(run, table, signature, keep, run_id)

    return _run_step("validate_table", spark, options, body)


def _sample_quarantine(run: _Run, split: Any, columns: Sequence[str]) -> None:
    """The report's examples and the view's bad rows: bounded reads of the persisted quarantine."""
    if run.counts is None or not run.counts.quarantined:
        return
    run.sections["examples"] = examples_from_quarantine(split.quarantine, VIOLATIONS_COLUMN)
    run.bad_rows = bad_rows_from_quarantine(split.quarantine, columns, VIOLATIONS_COLUMN)


def _split_step(run: _Run, table: InputTable, signature: ModelSignature, keep: list[str], run_id: str) -> StepOutcome:
    from spark_signature.enforcement.spark import enforce

    options = run.options
    started = time.monotonic()
    split = enforce(table.df, signature, mode="split", compat=options.compat, keep_columns=keep,
                    violations_column=VIOLATIONS_COLUMN)
    writing = bool(options.valid_output)
    if writing:  # refuse a bad output before the first row is checked
        check_output(run.spark, options.quarantine_output, with_lineage(split.quarantine, run_id, 0).schema,
                     "quarantine")
        check_output(run.spark, options.valid_output, split.valid.schema, "valid")
    split.persist(keep_input=False)
    try:
        run.counts = split.counts  # the one enforcement pass: it fills the persisted rows
        run.lap("enforce_s", started)
        run.sections["plan"] = plan_section(split)
        _sample_quarantine(run, split, table.df.columns)
        if writing:
            started = time.monotonic()
            run.outputs.update(write_split(
                split, valid_output=options.valid_output, quarantine_output=options.quarantine_output,
                run_id=run_id, input_version=table.delta_version, app_id=_app_id(run_id), txn_version=0,
                write_mode=options.write_mode,
            ))  # fmt: skip
            run.lap("write_s", started)
            verify_written(run.counts, run.outputs, {"valid": "valid", "quarantined": "quarantine"})
    finally:
        split.unpersist()
    status, message = judge(run.counts, options.max_bad_rows, options.max_bad_fraction)
    return run.finish(status, message)


def _check_step(run: _Run, table: InputTable, signature: ModelSignature, keep: list[str], run_id: str) -> StepOutcome:
    from spark_signature.enforcement.spark import enforce

    options = run.options
    started = time.monotonic()
    if options.mode == "fail_fast" and options.valid_output:
        from spark_signature.enforcement.spark import converted_columns, plan_for

        valid_schema = table.df.select(*converted_columns(plan_for(table.df, signature, options.compat), keep)).schema
        check_output(run.spark, options.valid_output, valid_schema, "valid")
    try:
        result = enforce(table.df, signature, mode=options.mode, compat=options.compat, keep_columns=keep)
    except SchemaEnforcementError as exc:  # fail_fast: the first bad row
        run.lap("enforce_s", started)
        return run.finish("violations", error_line(exc), exc)
    rows = int(table.df.count())  # native, on its own: the kernels' count is checked against it
    run.lap("enforce_s", started)
    run.counts = result.counts
    if run.counts.rows != rows:
        raise CountMismatchError(
            f"the enforcement saw {run.counts.rows} rows, the input has {rows}.", expected=f"{rows} rows",
            found=f"{run.counts.rows} rows", fix="persist or checkpoint a non-deterministic input; else report the bug",
        )
    run.sections["plan"] = plan_section(result)
    run.sections["examples"] = pick_examples(result.violations)
    if options.mode == "fail_fast" and options.valid_output:
        started = time.monotonic()
        run.outputs["valid"] = write_once(
            result.valid, options.valid_output, app_id=_app_id(run_id), txn_version=0,
            metadata={"run_id": run_id, "input_version": table.delta_version}, mode=options.write_mode, role="valid",
        )  # fmt: skip
        run.lap("write_s", started)
        verify_written(run.counts, run.outputs, {"valid": "valid"})
    status, message = judge(run.counts, options.max_bad_rows, options.max_bad_fraction)
    return run.finish(status, message)


# ---- score_table -----------------------------------------------------------------------------------------


def score_table(spark: Any, options: StepOptions) -> StepOutcome:
    """Validate with the model's signature, then score the valid rows with the model (``spark_udf``).

    Writes the quarantine table, then (within the thresholds) the predictions table: keep columns, the
    signature's columns converted to its types, the prediction column(s). Over the thresholds nothing is
    scored (exit 2) and only the quarantine table is written.
    """

    def body(run: _Run) -> StepOutcome:
        from spark_signature.scoring import model_signature, score

        check_options(options, "score_table")
        signature, _ = model_signature(str(options.model))  # what score() validates against
        table, _plan, keep = _prepare(run, signature)
        run_id = _run_id(run, table, signature, keep)
        run.sections["run_id"] = run_id
        started = time.monotonic()
        scoring = score(table.df, str(options.model), result_type=options.result_type, keep_columns=keep,
                        compat=options.compat, prediction_column=options.prediction_column,
                        violations_column=VIOLATIONS_COLUMN)
        split = scoring.split
        check_output(run.spark, options.quarantine_output, with_lineage(split.quarantine, run_id, 0).schema,
                     "quarantine")
        check_output(run.spark, options.predictions_output, scoring.scored.schema, "predictions")
        split.persist(keep_input=False)
        try:
            run.counts = split.counts
            run.lap("enforce_s", started)
            run.sections["plan"] = plan_section(split)
            _sample_quarantine(run, split, table.df.columns)
            status, message = judge(run.counts, options.max_bad_rows, options.max_bad_fraction)
            started = time.monotonic()
            metadata = {"run_id": run_id, "input_version": table.delta_version}
            quarantine = with_lineage(split.quarantine, run_id, table.delta_version)
            run.outputs["quarantine"] = write_once(quarantine, options.quarantine_output, app_id=_app_id(run_id),
                                                   txn_version=0, metadata=metadata, mode=options.write_mode,
                                                   role="quarantine")
            if status == "ok":
                run.outputs["predictions"] = write_once(
                    scoring.scored, options.predictions_output, app_id=_app_id(run_id), txn_version=0,
                    metadata=metadata, mode=options.write_mode, role="predictions",
                )  # fmt: skip
            else:
                message += "; nothing was scored (the predictions table is unchanged)"
            run.lap("write_s", started)
            verify_written(run.counts, run.outputs, {"valid": "predictions", "quarantined": "quarantine"})
        finally:
            split.unpersist()
        return run.finish(status, message)

    return _run_step("score_table", spark, options, body)


# ---- infer_signature -------------------------------------------------------------------------------------


def infer_table(spark: Any, options: StepOptions, *, infer_mode: str = "full", columns: Sequence[str] | None = None,
                sample_rows: int | None = None) -> tuple[InputTable, Any]:
    """The signature of a table (``InferenceResult``: the signature and what the data showed).

    ``infer_mode``: ``schema`` (no data read: MLflow's answer from the types), ``sample`` or ``full`` (one pass:
    ``required`` from the nulls actually seen, at every nesting level). Raises our errors.
    """
    from spark_signature.inference.spark import infer_spark_profile

    table = read_input(spark, options.input, options.input_format, version=options.version,
                       timestamp=options.timestamp)
    extra: dict[str, Any] = {}
    if sample_rows is not None:
        extra["sample_rows"] = sample_rows
    result = infer_spark_profile(table.df, mode=infer_mode, compat=options.compat,
                                 input_columns=list(columns) if columns else None, **extra)
    return table, result


def signature_document(signature: ModelSignature) -> dict[str, Any]:
    """The signature as a file ``load_signature`` reads (and ``--signature`` takes): MLflow's JSON lists."""
    return {k: (json.loads(v) if v else None) for k, v in signature.to_dict().items()}


__all__ = [
    "INPUT_VERSION_COLUMN", "LINEAGE_COLUMNS", "RUN_ID_COLUMN", "STEP_MODES", "VIOLATIONS_COLUMN", "StepOptions",
    "StepOutcome", "check_options", "derive_run_id", "infer_table", "judge", "score_table", "signature_document",
    "validate_table", "verify_written", "with_lineage", "write_split",
]  # fmt: skip
