"""CI gate before a model version is promoted: does the new signature still accept what the old one did?

    python jobs/check_compat.py --old SOURCE --new SOURCE [--report-html PATH] [--json PATH]
    scripts/spark-submit jobs/check_compat.py --old SOURCE --new SOURCE --table T

SOURCE is anything ``spark_signature.load_signature`` takes (model directory, MLmodel or signature
file, ``runs:/``, ``models:/name/version``, ``models:/name@alias``). The diff is decided by the library
(:func:`spark_signature.diff`, from the rule table); ``--table`` (a Delta or Parquet path, or a table
name) also checks that the table's schema fits the new signature, as the nightly job will see it
(decided from the schema; no row is read). Without ``--table`` no Spark session is started.

Exit codes: 0 compatible, 1 breaking (or the table does not fit), 3 a bad source or option (one line
on stderr, no traceback).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spark_signature import cli

EXIT_COMPATIBLE, EXIT_BREAKING, EXIT_ERROR = 0, 1, cli.EXIT_CODES["error"]

DESCRIPTION = """\
Compare a candidate model's signature with the one in production: every change has a path, what changed
and a class decided by the rule table (compatible: every input that fitted --old fits --new; breaking:
some does not). With --table, also check that the table's schema fits --new (decided from the schema, no
row is read). Without --table no Spark session is started."""

EXAMPLE = """\
  scripts/spark-submit jobs/check_compat.py --old models:/churn@champion --new models:/churn/4 \\
      --table /data/events --report-html /tmp/churn-diff.html"""

EXIT_CODES_HELP = """exit codes:
  0  compatible (and, with --table, the table fits the new signature)
  1  breaking (or the table does not fit the new signature)
  3  a runtime or configuration error (a bad source, table or option): one line, no traceback"""


def build_parser() -> cli.JobArgumentParser:
    p = cli.parser("check_compat", DESCRIPTION, EXAMPLE, exit_codes=EXIT_CODES_HELP)
    p.add_argument("--old", required=True, help="the signature in production (model URI, directory or file)")
    p.add_argument("--new", required=True, help="the candidate's signature (model URI, directory or file)")
    p.add_argument("--table", help="a Delta/Parquet path or table name that feeds the model")
    p.add_argument("--compat", default="strict", choices=["strict", "mlflow"], help="rule table to decide with")
    p.add_argument("--report-html", help="write the diff as a self-contained HTML page")
    p.add_argument("--json", help="write the diff as JSON")
    return p


def _read_table(table: str) -> Any:
    """The table as a Spark DataFrame: a Delta directory, a Parquet path, or a catalog table name."""
    from spark_signature.session import get_spark

    spark = get_spark(app_name="spark_signature-check_compat")
    path = Path(table)
    if (path / "_delta_log").is_dir():
        return spark.read.format("delta").load(table)
    if path.exists():
        return spark.read.parquet(table)
    return spark.table(table)


def run(argv: Sequence[str] | None = None) -> int:
    from spark_signature import diff
    from spark_signature.report import render_diff_html, render_diff_text
    from spark_signature.report_builder import error_line, schema_fits, schema_section
    from spark_signature.sources import signature_of

    args = build_parser().parse_args(argv)
    try:
        result = diff(args.old, args.new, compat=args.compat)
        view = result.to_dict()
        fits = True
        if args.table:
            inputs = signature_of(args.new).inputs
            if inputs is None:
                raise ValueError(f"the new signature ({args.new}) has no inputs to check {args.table} against")
            schema = schema_section(inputs, _read_table(args.table).schema, args.compat)
            fits = schema_fits(schema)
            view["table"] = {"name": args.table, "fits": fits, "schema": schema}
        print(render_diff_text(view))
        if args.report_html:
            Path(args.report_html).write_text(render_diff_html(view), encoding="utf-8")
        if args.json:
            Path(args.json).write_text(json.dumps(view, indent=2), encoding="utf-8")
    except Exception as exc:  # a bad source, table or option: one clear line, no traceback
        print(f"check_compat: error: {error_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_BREAKING if result.is_breaking or not fits else EXIT_COMPATIBLE


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
