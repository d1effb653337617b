"""Validate a table with a model's own signature, then score the valid rows: the pre-scoring step in one job.

Run through spark-submit (``scripts/spark-submit jobs/score_table.py --help``). The decisions live in
``spark_signature.pipeline.score_table`` (over ``spark_signature.score``); this file parses the options,
calls it, prints one summary line and exits with the outcome's code. Needs the mlflow extra.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from spark_signature import cli

DESCRIPTION = """\
Check every row of a table against the model's signature, then score the rows that satisfy it with
mlflow.pyfunc.spark_udf. Predictions (the input's other columns, the signature's columns converted to its
types, then the prediction column(s)) go to --predictions-output, the other rows to --quarantine-output
(their original columns plus _violations, _run_id and _input_version), both Delta tables written exactly
once per run. The quarantine table is written first; over the thresholds nothing is scored (exit 2) and
the predictions table is left unchanged."""

EXAMPLE = """\
  MLFLOW_TRACKING_URI=sqlite:///mlflow.db scripts/spark-submit jobs/score_table.py \\
      --input /data/events --model models:/churn@champion \\
      --predictions-output /data/events_scored --quarantine-output /data/events_quarantine \\
      --max-bad-rows 100 --report /tmp/scoring-report.json"""


def build_parser() -> cli.JobArgumentParser:
    p = cli.parser("score_table.py", DESCRIPTION, EXAMPLE)
    cli.add_input_options(p)
    g = p.add_argument_group("model and outputs")
    g.add_argument("--model", required=True, metavar="MODEL_URI",
                   help="the model: a directory, runs:/<run>/<path>, models:/<name>/<version> or "
                   "models:/<name>@<alias> (set MLFLOW_TRACKING_URI for runs:/ and models:/)")
    g.add_argument("--predictions-output", required=True, metavar="PATH", help="Delta table for the scored rows")
    g.add_argument("--quarantine-output", required=True, metavar="PATH", help="Delta table for the quarantined rows")
    g.add_argument("--prediction-column", metavar="NAME",
                   help="name of the prediction column (default: the output schema's name, else 'prediction')")
    g.add_argument("--result-type", metavar="TYPE",
                   help="the prediction's Spark type, e.g. 'string' or 'array<double>' (default: from the model's "
                   "output schema)")
    cli.add_threshold_options(p)
    cli.add_run_options(p)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from spark_signature.pipeline import StepOptions, score_table
    from spark_signature.session import get_spark

    options = StepOptions(
        input=args.input, input_format=args.input_format, version=args.version, timestamp=args.timestamp,
        model=args.model, compat=args.compat, predictions_output=args.predictions_output,
        quarantine_output=args.quarantine_output, prediction_column=args.prediction_column,
        result_type=args.result_type,
        max_bad_rows=args.max_bad_rows, max_bad_fraction=args.max_bad_fraction, run_id=args.run_id,
        keep_columns=args.keep_columns, write_mode=args.write_mode,
    )  # fmt: skip
    try:
        spark = get_spark(app_name="spark_signature-score_table")
        return cli.finish(score_table(spark, options), args.report, html_path=args.report_html)
    except Exception as exc:  # only if the library could not even build an outcome
        return cli.fail(exc)


if __name__ == "__main__":
    sys.exit(main())
