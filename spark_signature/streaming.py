"""The pre-scoring step over a Delta stream: every micro-batch validated once, its valid and quarantined
rows written to Delta exactly once, across stops, crashes and restarts from the checkpoint.

:func:`start_validation_stream` starts a Structured Streaming query over a Delta source whose
``foreachBatch`` runs the batch step's core on each micro-batch: enforce (split) once, persisted; the
quarantine and the valid rows written with Delta's idempotent writes (``txnAppId`` = the stream's run
id, ``txnVersion`` = the batch id); Delta's commit counts checked against a native count of the batch.

Why this is exactly once: Spark records a micro-batch's offsets before running it and reruns the
same batch id over the same offsets after a restart until the batch is marked committed in the
checkpoint. A batch interrupted after one of its Delta commits is rerun whole: Delta skips the write
it already holds (same ``txnAppId``/``txnVersion``), writes the other, and the counts are checked
against both commits.

``enforce()`` itself refuses streaming DataFrames with a pointer here: Spark's named observations
cannot be read from a stream, and writing two tables from one stream needs ``foreachBatch`` anyway.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from spark_signature.errors import ConfigError, PipelineError, Rule, SignatureError
from spark_signature.pipeline import (
    VIOLATIONS_COLUMN,
    StepOptions,
    StepOutcome,
    _load_signature,
    _norm,
    _Run,
    check_options,
    derive_run_id,
    verify_written,
    with_lineage,
    write_split,
)
from spark_signature.report_builder import (
    error_line,
    error_status,
    judge,
    pick_examples,
    schema_section,
    signature_section,
)
from spark_signature.report_builder import signature_sha256 as _sha
from spark_signature.types import Compat
from spark_signature.violations import Counts


@dataclass
class StreamSettings:
    """How the stream runs: its checkpoint, and the trigger."""

    checkpoint: str
    available_now: bool = False  # process what is there, in batches, then stop
    processing_time: str | None = None  # e.g. "30 seconds"; default: as fast as possible
    max_files_per_trigger: int | None = None  # Delta source option: at most this many files per batch


@dataclass
class _Totals:
    rows: int = 0
    valid: int = 0
    quarantined: int = 0
    by_rule: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, counts: Counts) -> None:
        self.rows += counts.rows
        self.valid += counts.valid
        self.quarantined += counts.quarantined
        for key, n in counts.by_rule.items():
            self.by_rule[key] = self.by_rule.get(key, 0) + n

    def counts(self) -> Counts:
        return Counts(self.rows, self.valid, self.quarantined, dict(self.by_rule))


def batch_input_version(spark: Any, checkpoint: str, batch_id: int) -> int | None:
    """The Delta version a micro-batch read up to, from the offsets Spark logged for it before running it.

    The offset file's third line is the Delta source offset ``{reservoirVersion, index, isStartingVersion}``:
    a position *before* file ``index`` of version ``reservoirVersion`` (``index`` -1: before the version's
    first file), or inside the initial snapshot at ``reservoirVersion``.
    """
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(f"{checkpoint.rstrip('/')}/offsets/{batch_id}")
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(path):
        return None
    stream = fs.open(path)
    try:
        text = jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()
    lines = str(text).splitlines()
    try:
        offset = json.loads(lines[2])
        version, index = int(offset["reservoirVersion"]), int(offset.get("index", -1))
    except (IndexError, ValueError, KeyError, TypeError):
        return None
    if offset.get("isStartingVersion"):
        return version
    return version - 1 if index == -1 else version


class ValidationStream:
    """A running streaming step: the query, and what its micro-batches did in this process."""

    def __init__(self, run: _Run, run_id: str, settings: StreamSettings, signature: Any, keep: list[str],
                 report_path: str | None = None) -> None:
        self._run = run
        self.run_id = run_id
        self.app_id = f"spark_signature/stream/{run_id}"
        self.settings = settings
        self.report_path = report_path
        self._signature = signature
        self._keep = keep
        self.query: Any = None
        self.totals = _Totals()
        self.batches = 0
        self.last_batch_id: int | None = None
        self.examples: list[dict[str, Any]] = []
        self.error: BaseException | None = None
        self.over_threshold: str | None = None
        self._lock = threading.Lock()

    # -- the micro-batch --------------------------------------------------------------------------------

    def _process(self, batch: Any, batch_id: int) -> None:
        from spark_signature.enforcement.spark import enforce

        run, options = self._run, self._run.options
        try:
            split = enforce(batch, self._signature, mode="split", compat=options.compat, keep_columns=self._keep,
                            violations_column=VIOLATIONS_COLUMN)
            split.persist()
            try:
                counts = split.counts  # the batch's one enforcement pass, persisted for both writes
                version = batch_input_version(batch.sparkSession, self.settings.checkpoint, batch_id)
                examples = []
                if counts.quarantined and len(self.examples) < 20:
                    from spark_signature.report_builder import examples_from_quarantine

                    examples = examples_from_quarantine(split.quarantine, VIOLATIONS_COLUMN)
                written = write_split(
                    split, valid_output=options.valid_output, quarantine_output=options.quarantine_output,
                    run_id=self.run_id, input_version=version, app_id=self.app_id, txn_version=batch_id,
                    write_mode="append", extra_metadata={"batch_id": batch_id},
                )  # fmt: skip
                verify_written(counts, written, {"valid": "valid", "quarantined": "quarantine"})
            finally:
                split.unpersist()
        except BaseException as exc:
            self.error = exc
            raise
        with self._lock:
            self.totals.add(counts)
            self.batches += 1
            self.last_batch_id = batch_id
            run.outputs.update(written)
            self.examples = pick_examples([*self.examples, *examples])
            status, message = judge(self.totals.counts(), options.max_bad_rows, options.max_bad_fraction)
            if status != "ok" and (options.max_bad_rows is not None or options.max_bad_fraction is not None
                                   or not self.settings.available_now):
                self.over_threshold = message
        if self.report_path:
            self.outcome().write_report(self.report_path)

    # -- control ------------------------------------------------------------------------------------------

    def await_termination(self, timeout: float | None = None) -> StepOutcome:
        """Wait until the query ends (``available_now``), the thresholds are exceeded, or ``timeout``
        seconds passed (then stop it); return the outcome."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.query.isActive:
            if self.over_threshold is not None or (deadline is not None and time.monotonic() > deadline):
                self.query.stop()
                break
            try:
                self.query.awaitTermination(1)
            except Exception:  # it failed: read below
                break
        exception = None
        try:
            self.query.awaitTermination(0.1)
        except Exception as exc:  # the query failed: our error (self.error) or Spark's
            exception = exc
        if exception is not None and self.error is None:
            self.error = exception
        return self.outcome()

    def stop(self) -> StepOutcome:
        self.query.stop()
        return self.outcome()

    def outcome(self) -> StepOutcome:
        """The report over the batches this process ran (status from the error or the thresholds)."""
        run, options = self._run, self._run.options
        with self._lock:
            run.counts = self.totals.counts()
            run.sections["examples"] = list(self.examples)
            run.sections["stream"] = {
                "query_id": None if self.query is None else str(self.query.id),
                "checkpoint": self.settings.checkpoint, "batches": self.batches, "last_batch_id": self.last_batch_id,
                "available_now": self.settings.available_now,
            }
            if self.error is not None:
                error = self.error
                if not isinstance(error, SignatureError):
                    return run.finish("error", error_line(error), error, unexpected=error)
                return run.finish("error", error_line(error), error)
            status, message = judge(run.counts, options.max_bad_rows, options.max_bad_fraction)
            message = f"{self.batches} micro-batch(es): {message}"
            if self.over_threshold is not None:
                message += "; the stream was stopped"
            return run.finish(status, message)


def start_validation_stream(spark: Any, options: StepOptions, settings: StreamSettings,
                            report_path: str | None = None) -> ValidationStream | StepOutcome:
    """Start the streaming step over the Delta table ``options.input``; returns the running stream, or the
    outcome if it cannot start (bad options, unreadable input or signature, a schema that cannot match).

    The report (``report_path``) is rewritten after every micro-batch with the totals so far.
    """
    from spark_signature.delta_io import check_output
    from spark_signature.enforcement.spark import enforce, plan_for

    run = _Run("validate_table", options, spark)
    try:
        check_options(options, "validate_table")
        if options.mode != "split" or not options.valid_output or not options.quarantine_output:
            raise ConfigError("the streaming step runs in split mode and writes both tables.",
                              rule=Rule.INVALID_OPTION, path="stream",
                              fix="pass --valid-output and --quarantine-output (and --mode split)")
        if options.input_format not in ("delta", "table"):
            raise ConfigError("the streaming step reads a Delta table.", rule=Rule.INVALID_OPTION, path="input_format",
                              fix="pass --input-format delta (a path) or table (a Delta table name)")
        if options.version is not None or options.timestamp is not None:
            raise ConfigError("--version/--timestamp do not apply to a stream (it reads every new version).",
                              rule=Rule.INVALID_OPTION, path="version", fix="drop --version/--timestamp")
        if not settings.checkpoint:
            raise ConfigError("the streaming step needs --checkpoint DIR.", rule=Rule.INVALID_OPTION,
                              path="checkpoint", fix="pass --checkpoint a directory kept between runs")
        if settings.max_files_per_trigger is not None and settings.max_files_per_trigger < 1:
            raise ConfigError("--max-files-per-trigger must be at least 1.", rule=Rule.INVALID_OPTION,
                              path="max_files_per_trigger", fix="pass a positive number")
        signature = _load_signature(str(options.signature))
        run.sections["signature"] = signature_section(str(options.signature), signature)
        reader = spark.readStream.format("delta")
        if settings.max_files_per_trigger:
            reader = reader.option("maxFilesPerTrigger", settings.max_files_per_trigger)
        try:
            source = reader.table(options.input) if options.input_format == "table" else reader.load(options.input)
            schema = source.schema
        except Exception as exc:
            from spark_signature.delta_io import _first_line

            raise PipelineError(f"cannot read the input stream {options.input!r}: {_first_line(exc)}",
                                path=options.input, fix="point --input at a Delta table") from None
        compat = Compat.parse(options.compat)
        run.sections["schema"] = schema_section(signature.inputs, schema, compat)
        plan = plan_for(source, signature, compat)
        run.planned = True
        run.sections["warnings"] = list(plan.warnings)
        keep = list(plan.extras) if options.keep_columns is None else list(options.keep_columns)
        run_id = options.run_id or derive_run_id({
            "job": "validate_table/stream", "input": _norm(options.input), "signature": _sha(signature),
            "keep": keep, "checkpoint": _norm(settings.checkpoint), "compat": str(options.compat),
            "outputs": [_norm(options.valid_output), _norm(options.quarantine_output)],
        })  # fmt: skip
        run.sections["run_id"] = run_id
        # the outputs' schemas, from a batch DataFrame with the stream's schema (no data)
        empty = spark.createDataFrame([], schema)
        probe = enforce(empty, signature, mode="split", compat=compat, keep_columns=keep)
        check_output(spark, options.quarantine_output, with_lineage(probe.quarantine, run_id, 0).schema, "quarantine")
        check_output(spark, options.valid_output, probe.valid.schema, "valid")
    except SignatureError as exc:  # no row is read before the query starts
        return run.finish("error" if run.planned else error_status(exc, rows_read=False), error_line(exc), exc)

    stream = ValidationStream(run, run_id, settings, signature, keep, report_path)
    writer = source.writeStream.foreachBatch(stream._process).option("checkpointLocation", settings.checkpoint)
    if settings.available_now:
        writer = writer.trigger(availableNow=True)
    elif settings.processing_time:
        writer = writer.trigger(processingTime=settings.processing_time)
    stream.query = writer.queryName(f"spark_signature-{run_id}").start()
    return stream


__all__ = ["StreamSettings", "ValidationStream", "batch_input_version", "start_validation_stream"]
