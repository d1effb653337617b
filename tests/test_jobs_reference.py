"""The README's jobs reference stays true: every option of every job is listed (and nothing else), the
exit codes are the report's, and each job's --help shows every option, an example and the exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_pipeline import load_job

from spark_signature.report_builder import EXIT_CODES

README = Path(__file__).resolve().parents[1] / "README.md"
JOBS = ("validate_table", "score_table", "infer_signature", "check_compat")


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(title)
    end = text.find("\n### ", start + len(title))
    next_h2 = text.find("\n## ", start + len(title))
    ends = [e for e in (end, next_h2) if e != -1]
    return text[start:min(ends)] if ends else text[start:]


def _options(job: str) -> list[str]:
    parser = load_job(job).build_parser()
    return [a.option_strings[-1] for a in parser._actions if a.option_strings and a.option_strings[0] != "-h"]


@pytest.mark.parametrize("job", JOBS)
def test_readme_lists_every_option_of_the_job(job):
    rows = re.findall(r"^\| `(--[a-z-]+)` \|", _section(f"### `jobs/{job}.py`"), flags=re.M)
    assert rows == _options(job)


def test_readme_exit_codes_are_the_reports():
    rows = re.findall(r"^\| `(\d)` \| (.+) \|$", _section("## Jobs reference"), flags=re.M)
    assert [int(code) for code, _meaning in rows] == list(EXIT_CODES.values())


@pytest.mark.parametrize("job", JOBS)
def test_help_shows_every_option_an_example_and_the_exit_codes(job, capsys):
    with pytest.raises(SystemExit) as info:
        load_job(job).main(["--help"])
    text = capsys.readouterr().out
    assert info.value.code == 0
    for option in _options(job):
        assert option in text
    assert "example:\n  scripts/spark-submit jobs/" in text.replace("MLFLOW_TRACKING_URI=sqlite:///mlflow.db ", "")
    assert "exit codes:\n  0  " in text and "  3  a runtime or configuration error" in text
