"""What the spark-submit jobs share: options that mean the same everywhere, exit codes, and how a job ends.

The jobs (``jobs/*.py``) stay thin: they declare their options with these helpers, call the library
(:mod:`spark_signature.pipeline`, :mod:`spark_signature.streaming`, :mod:`spark_signature.inference`) and
hand the outcome to :func:`finish`, which writes the report, prints the one summary line and returns the
exit code. A bad option is exit 3 with one line (argparse's own exit 2 would read as "violations").
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from spark_signature.report_builder import EXIT_CODES, error_line, summary_line

EXIT_CODES_HELP = """exit codes:
  0  valid (or within --max-bad-rows / --max-bad-fraction)
  1  the table's schema cannot match the signature (decided on the driver, before any data is read)
  2  data violations over the threshold (no threshold: any bad row); in split mode both tables are written
  3  a runtime or configuration error (unreadable input, bad signature source, bad option, counts that
     do not add up); nothing is written when it is found before the first write"""


class JobArgumentParser(argparse.ArgumentParser):
    """argparse with the jobs' conventions: an error is one line and exit code 3."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(EXIT_CODES["error"])


def parser(prog: str, description: str, example: str, *, exit_codes: str = EXIT_CODES_HELP) -> JobArgumentParser:
    return JobArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"example:\n{example}\n\n{exit_codes}",
    )  # fmt: skip


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def column_list(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def add_input_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("input")
    g.add_argument("--input", required=True, metavar="PATH_OR_TABLE",
                   help="the table to read: a path (delta, parquet) or a catalog table name (table)")
    g.add_argument("--input-format", default="delta", choices=("delta", "parquet", "table"),
                   help="how to read --input (default: delta)")
    when = g.add_mutually_exclusive_group()
    when.add_argument("--version", type=non_negative_int, metavar="N",
                      help="Delta time travel: read version N (default: the latest, pinned when the job starts)")
    when.add_argument("--timestamp", metavar="TS",
                      help="Delta time travel: read the version current at TS (UTC), e.g. '2024-05-01 12:00:00'")


def add_threshold_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("thresholds (exit 2 over them; without either, any bad row is over)")
    g.add_argument("--max-bad-rows", type=non_negative_int, metavar="N",
                   help="accept at most N quarantined rows")
    g.add_argument("--max-bad-fraction", type=fraction, metavar="F",
                   help="accept at most this fraction (0-1) of quarantined rows")


def add_run_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("run")
    g.add_argument("--compat", default="strict", choices=("strict", "mlflow"),
                   help="strict (default): nulls in required columns are violations; mlflow: MLflow's own "
                   "decisions (nulls pass in required scalar columns)")
    g.add_argument("--keep-columns", type=column_list, metavar="A,B",
                   help="input columns the signature does not read to carry into the valid (or predictions) table "
                   "(ids, keys); default: all of them; '' for none")
    g.add_argument("--write-mode", default="append", choices=("append", "overwrite"),
                   help="append (default: every run adds its rows) or overwrite (the outputs hold this run's rows)")
    g.add_argument("--run-id", metavar="ID",
                   help="the run's id; a rerun with the same id writes nothing twice (default: derived from the "
                   "input, its Delta version, the signature and the outputs)")
    g.add_argument("--report", metavar="PATH.json", help="write the report (docs/report.md) to this local file")
    g.add_argument("--report-html", metavar="PATH.html",
                   help="write the report as one self-contained HTML page (the notebook's view: inline CSS and SVG, "
                   "no script, readable offline) to this local file")


def finish(outcome: Any, report_path: str | None, *, html_path: str | None = None, stream: Any = None,
           err: Any = None) -> int:
    """Write the report (JSON, and the HTML view if asked), print the summary line (stdout) and, for a
    non-zero exit, the reason (stderr); an error that is not ours gets its traceback after that line.
    Returns the exit code."""
    from spark_signature.report import save_html

    stream = sys.stdout if stream is None else stream
    err = sys.stderr if err is None else err
    code = outcome.exit_code
    bad_rows = getattr(outcome, "bad_rows", None) or ()
    writes = [(report_path, outcome.write_report),
              (html_path, lambda path: save_html(outcome.report, path, bad_rows=bad_rows))]
    for path, write in writes:
        if not path:
            continue
        try:
            write(path)
        except OSError as exc:
            print(summary_line(outcome.report), file=stream, flush=True)
            print(f"error: cannot write the report {path!r}: {exc}", file=err, flush=True)
            return EXIT_CODES["error"]
    print(summary_line(outcome.report), file=stream, flush=True)
    if code != 0:
        print(f"error: {outcome.message}", file=err, flush=True)
    unexpected = getattr(outcome, "unexpected", None)
    if unexpected is not None:
        traceback.print_exception(unexpected, file=err)
    return code


def fail(exc: BaseException, *, err: Any = None) -> int:
    """A job that could not even build an outcome: one line, the traceback only if the error is not ours."""
    from spark_signature.errors import SignatureError

    err = sys.stderr if err is None else err
    print(f"error: {error_line(exc)}", file=err, flush=True)
    if not isinstance(exc, SignatureError):
        traceback.print_exception(exc, file=err)
    return EXIT_CODES["error"]


def parse(p: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    return p.parse_args(argv)


__all__ = ["EXIT_CODES_HELP", "JobArgumentParser", "add_input_options", "add_run_options", "add_threshold_options",
           "column_list", "fail", "finish", "fraction", "non_negative_int", "parser"]
