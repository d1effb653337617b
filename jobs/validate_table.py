"""Validate a table against an MLflow model signature before scoring; valid and quarantined rows to Delta.

Run through spark-submit (``scripts/spark-submit jobs/validate_table.py --help``). The decisions live in
``spark_signature.pipeline`` (batch) and ``spark_signature.streaming`` (``--stream``); this file parses
the options, calls them, prints one summary line and exits with the outcome's code.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from spark_signature import cli

DESCRIPTION = """\
Check every row of a table against a model signature, before scoring.

split (default) writes the rows that satisfy the signature (converted to its types, in its column order,
plus the input's other columns) to --valid-output and the others to --quarantine-output: their original
columns plus _violations (column, path, rule, expected, found, value of each problem), _run_id and
_input_version (the Delta version read). Both are Delta tables written exactly once per run: a rerun of
the same run (same input version, signature and outputs, or the same --run-id) adds no row. The job
checks that valid + quarantined = rows read, each counted on its own, and exits 3 if not.
check only counts; fail_fast stops at the first bad row (and may write --valid-output if none is bad).

--stream runs the same step as a Structured Streaming query over a Delta table: each micro-batch is
validated once and written exactly once, across stops and restarts from --checkpoint."""

EXAMPLE = """\
  scripts/spark-submit jobs/validate_table.py --input /data/events --signature models:/churn/3 \\
      --valid-output /data/events_valid --quarantine-output /data/events_quarantine \\
      --max-bad-fraction 0.01 --report /tmp/events-report.json"""


def build_parser() -> cli.JobArgumentParser:
    p = cli.parser("validate_table.py", DESCRIPTION, EXAMPLE)
    cli.add_input_options(p)
    g = p.add_argument_group("signature and outputs")
    g.add_argument("--signature", required=True, metavar="SOURCE",
                   help="a model URI (runs:/, models:/name/version, models:/name@alias), a model directory, an "
                   "MLmodel file, or a signature .json/.yaml file (jobs/infer_signature.py writes one)")
    g.add_argument("--mode", default="split", choices=("split", "fail_fast", "check"),
                   help="split (default): valid and quarantine tables; check: counts only; fail_fast: stop at the "
                   "first bad row")
    g.add_argument("--valid-output", metavar="PATH", help="Delta table for the valid rows (split, fail_fast)")
    g.add_argument("--quarantine-output", metavar="PATH", help="Delta table for the quarantined rows (split)")
    cli.add_threshold_options(p)
    cli.add_run_options(p)
    s = p.add_argument_group("streaming")
    s.add_argument("--stream", action="store_true", help="run as a Structured Streaming query over the Delta --input")
    s.add_argument("--checkpoint", metavar="DIR", help="the stream's checkpoint directory (required with --stream)")
    s.add_argument("--available-now", action="store_true",
                   help="process what the input holds now, in micro-batches, then stop (a triggered run)")
    s.add_argument("--trigger-interval", metavar="INTERVAL",
                   help="micro-batch interval, e.g. '1 minute' (default: as fast as possible)")
    s.add_argument("--max-files-per-trigger", type=cli.non_negative_int, metavar="N",
                   help="at most N input files per micro-batch")
    s.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="stop the stream after this many seconds (default: run until stopped)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.stream and (args.checkpoint or args.available_now or args.trigger_interval
                            or args.max_files_per_trigger or args.timeout):
        parser.error("--checkpoint, --available-now, --trigger-interval, --max-files-per-trigger and --timeout "
                     "need --stream")
    from spark_signature.pipeline import StepOptions, StepOutcome, validate_table
    from spark_signature.session import get_spark

    options = StepOptions(
        input=args.input, input_format=args.input_format, version=args.version, timestamp=args.timestamp,
        signature=args.signature, mode=args.mode, compat=args.compat, valid_output=args.valid_output,
        quarantine_output=args.quarantine_output, max_bad_rows=args.max_bad_rows,
        max_bad_fraction=args.max_bad_fraction, run_id=args.run_id, keep_columns=args.keep_columns,
        write_mode=args.write_mode,
    )  # fmt: skip
    try:
        spark = get_spark(app_name="spark_signature-validate_table")
        if not args.stream:
            return cli.finish(validate_table(spark, options), args.report, html_path=args.report_html)
        from spark_signature.streaming import StreamSettings, start_validation_stream

        settings = StreamSettings(checkpoint=args.checkpoint, available_now=args.available_now,
                                  processing_time=args.trigger_interval,
                                  max_files_per_trigger=args.max_files_per_trigger)
        started = start_validation_stream(spark, options, settings, report_path=args.report)
        outcome = started if isinstance(started, StepOutcome) else started.await_termination(args.timeout)
        return cli.finish(outcome, args.report, html_path=args.report_html)
    except Exception as exc:  # only if the library could not even build an outcome
        return cli.fail(exc)


if __name__ == "__main__":
    sys.exit(main())
