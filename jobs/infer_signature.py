"""Infer an MLflow model signature from a table; write it as a signature file that --signature takes.

Run through spark-submit (``scripts/spark-submit jobs/infer_signature.py --help``). The inference lives in
``spark_signature.inference`` (called through ``spark_signature.pipeline.infer_table``); this file parses the
options, writes the files and prints one summary line.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from spark_signature import cli

DESCRIPTION = """\
Infer the signature of a table, as mlflow.models.infer_signature would for the same data.

--mode schema reads no data (the types decide; every column required, as MLflow says);
--mode sample profiles a sample; --mode full (default) profiles every row in one pass: a column or
nested field with a null anywhere becomes optional (required=False), at every nesting level.
--output is a JSON file with MLflow's inputs list, readable by validate_table.py --signature and by
spark_signature.load_signature; --profile adds what the data showed (null counts per path, list
lengths, map keys, tensor candidates)."""

EXAMPLE = """\
  scripts/spark-submit jobs/infer_signature.py --input /data/train --mode full \\
      --columns "sepal length (cm),sepal width (cm)" --output /tmp/signature.json --profile /tmp/profile.json"""

EXIT_CODES = """exit codes:
  0  the signature was written
  3  a runtime or configuration error (unreadable input, a column type with no signature type, bad option)"""


def build_parser() -> cli.JobArgumentParser:
    p = cli.parser("infer_signature.py", DESCRIPTION, EXAMPLE, exit_codes=EXIT_CODES)
    cli.add_input_options(p)
    g = p.add_argument_group("inference")
    g.add_argument("--mode", default="full", choices=("schema", "sample", "full"),
                   help="schema: types only, no data read; sample: a sample; full (default): every row")
    g.add_argument("--columns", type=cli.column_list, metavar="A,B",
                   help="the input columns of the model (default: every column)")
    g.add_argument("--sample-rows", type=cli.non_negative_int, metavar="N", help="--mode sample: rows to sample")
    g.add_argument("--compat", default="strict", choices=("strict", "mlflow"),
                   help="strict (default) or mlflow (MLflow's own answers: maps as Objects, ML vectors as "
                   "SparkMLVector)")
    g.add_argument("--output", required=True, metavar="SIGNATURE.json", help="where to write the signature")
    g.add_argument("--profile", metavar="PROFILE.json", help="also write what the data showed")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from spark_signature.pipeline import StepOptions, infer_table, signature_document
    from spark_signature.report_builder import write_report
    from spark_signature.session import get_spark

    try:
        spark = get_spark(app_name="spark_signature-infer_signature")
        options = StepOptions(input=args.input, input_format=args.input_format, version=args.version,
                              timestamp=args.timestamp, compat=args.compat)
        table, result = infer_table(spark, options, infer_mode=args.mode, columns=args.columns,
                                    sample_rows=args.sample_rows)
        write_report(signature_document(result.signature), args.output)
        if args.profile:
            write_report({"input": table.to_dict(), **result.to_dict()}, args.profile)
    except Exception as exc:
        return cli.fail(exc)
    optional = [str(c.name) for c in result.signature.inputs.inputs if not c.required]
    version = "" if table.delta_version is None else f"@v{table.delta_version}"
    rows = "" if result.rows is None else f" from {result.rows} rows"
    print(f"infer_signature: ok (exit 0) {len(result.signature.inputs.inputs)} columns{rows} of "
          f"{table.path}{version} ({args.mode}), optional: {optional or 'none'} -> {args.output}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
