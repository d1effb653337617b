"""``compat="mlflow"`` against MLflow 3.17.2 itself, on a broad generated oracle (tests/_mlflow_oracle.py).

Every case runs through MLflow's ``_enforce_schema`` (what ``mlflow.models.validate_schema`` runs) and
through ``spark_signature.validate_schema(..., compat="mlflow")``: the same accept / reject decision
and, when both accept, the same output values and dtypes. What still differs is listed below, one rule
per deviation with its reason; each rule must still match a case (no stale excuses), must be in
docs/deviations.md, and every difference must be explained by exactly one rule. Agreement must stay at
or above 98 % of the cases. A hypothesis test adds random object columns (mixes of every Python type)
against every DataType.
"""

from __future__ import annotations

import collections
import datetime as dt
import decimal
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _mlflow_oracle import Case, Outcome, cases, compare
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spark_signature import ColSpec, DataType, Schema, SchemaEnforcementError
from spark_signature.enforcement.local import validate_schema

pytest.importorskip("mlflow.models")

ROOT = Path(__file__).resolve().parents[1]
MIN_AGREEMENT = 0.98


@dataclass(frozen=True)
class Deviation:
    id: str  # the anchor in docs/deviations.md
    reason: str
    applies: Callable[[Case, Outcome, Outcome, str], bool]


def _sources(*names: str) -> Callable[[Case], bool]:
    return lambda c: c.source in names


EXT_INT64 = ("Int64_01", "Int64_na", "i64pa_01", "i64pa_na")
ARROW_SCALARS = ("arrow_string", "arrow_string_na", "arrow_large_string", "arrow_binary", "arrow_decimal")
ARROW_NESTED = ("arrow_map", "arrow_struct", "arrow_list_str_na")

DEVIATIONS = [
    Deviation(
        "ext-int64-to-float",
        "MLflow converts int64 to float/double for 0/1 values only when the column is numpy's int64; "
        "nullable Int64 and int64[pyarrow] columns are refused whatever their values. Compat applies the "
        "0/1 rule to every int64 column (as it does to Spark bigint columns).",
        lambda c, t, o, k: k == "decision" and c.source in EXT_INT64 and c.target in ("float", "double"),
    ),
    Deviation(
        "nullable-boolean-with-na",
        "MLflow crashes (raw ValueError / TypeError) on a nullable boolean column holding NA; compat lets "
        "the nulls through, as MLflow does for None in an object boolean column.",
        lambda c, t, o, k: k == "decision" and c.source in ("boolean_na", "boolpa_na") and c.target == "boolean",
    ),
    Deviation(
        "pyarrow-backed-scalars",
        "MLflow refuses pyarrow-backed (ArrowDtype) binary columns for binary, ArrowDtype strings for "
        "binary and ArrowDtype decimals for double (it tests numpy kinds), and turns a missing ArrowDtype "
        "string into the text '<NA>'; compat treats them like their numpy / StringDtype equivalents.",
        lambda c, t, o, k: c.source in ARROW_SCALARS,
    ),
    Deviation(
        "pyarrow-backed-nested",
        "MLflow iterates pyarrow-backed (ArrowDtype) nested columns as Python values: a map arrives as a "
        "list of (key, value) tuples (refused for Map, taken as an array), a struct as a dict (taken for "
        "Map(Any)), a missing list as pd.NA (refused). Compat reads them by their Arrow type.",
        lambda c, t, o, k: c.source in ARROW_NESTED,
    ),
    Deviation(
        "array-elements-per-row",
        "MLflow types the elements of each row on their own (a pandas Series per row); compat reads the "
        "elements of all rows as one column. With rows of different element types ([1, 'a'] and [2]; "
        "[1, None] and [3]) MLflow refuses a row that compat accepts as part of the whole.",
        lambda c, t, o, k: k == "decision" and c.source in ("list_int_none", "list_bool_none", "list_mixed"),
    ),
    Deviation(
        "array-missing-elements",
        "MLflow corrupts missing elements of Array(string / binary / boolean): None becomes 'n' (the first "
        "letter of 'nan', strings cut to one character) or False. Compat keeps them missing.",
        lambda c, t, o, k: k == "output" and c.source in ("list_str_none", "list_bool_none", "list_nested_none"),
    ),
    Deviation(
        "array-datetime-as-int",
        "MLflow returns the elements of Array(datetime) as integers (nanoseconds since the epoch); compat "
        "returns datetimes.",
        lambda c, t, o, k: k == "output" and c.target == "Array(datetime)",
    ),
    Deviation(
        "converted-ndarray-values",
        "An array value given as a numpy array that needs a conversion (float32 to double, str to bytes) "
        "comes back from MLflow as a numpy array, from compat as a list (unconverted numpy arrays come "
        "back as they were).",
        lambda c, t, o, k: k == "output" and c.source in ("list_float32_arr", "ndarray_str"),
    ),
    Deviation(
        "empty-optional-object",
        "An empty dict in an optional Object / Map column counts as absent in both; when the column is "
        "converted, MLflow returns the {} and compat None.",
        lambda c, t, o, k: k == "output" and c.source == "dict_empty",
    ),
]


@pytest.fixture(scope="module")
def results() -> list[tuple[Case, Outcome, Outcome, str | None]]:
    """Every case through both (a crash of ours, anything but SchemaEnforcementError, fails here)."""
    return [(case, *compare(case)) for case in cases()]


def _explain(case: Case, theirs: Outcome, ours: Outcome, kind: str) -> list[str]:
    return [d.id for d in DEVIATIONS if d.applies(case, theirs, ours, kind)]


def test_agreement_is_at_least_98_percent(results):
    total = collections.Counter(c.category for c, *_ in results)
    agree = collections.Counter(c.category for c, _, _, kind in results if kind is None)
    lines = [f"{cat}: {agree[cat]}/{n}" for cat, n in total.items()]
    share = sum(agree.values()) / sum(total.values())
    print(f"\nMLflow oracle: {sum(agree.values())}/{sum(total.values())} cases agree ({share:.2%}); "
          + ", ".join(lines))
    assert sum(total.values()) >= 5000  # the oracle stays broad
    assert share >= MIN_AGREEMENT


def test_every_difference_is_a_documented_deviation(results):
    unexplained, ambiguous = [], []
    for case, theirs, ours, kind in results:
        if kind is None:
            continue
        ids = _explain(case, theirs, ours, kind)
        if not ids:
            unexplained.append(f"{case.id} [{kind}]: MLflow {theirs.error or theirs.output!r:.160} | "
                               f"ours {ours.error or ours.output!r:.160}")
        elif len(ids) > 1:
            ambiguous.append(f"{case.id}: {ids}")
    assert not unexplained, "\n".join(unexplained)
    assert not ambiguous, "\n".join(ambiguous)


def test_every_deviation_still_deviates_and_is_documented(results):
    doc = (ROOT / "docs" / "deviations.md").read_text()
    used = collections.Counter(i for case, t, o, kind in results if kind for i in _explain(case, t, o, kind))
    for d in DEVIATIONS:
        assert used[d.id], f"deviation {d.id} matches no case any more: drop it (and its docs entry)"
        row = re.search(rf"^\| `{re.escape(d.id)}` \| (\d+) \|", doc, re.MULTILINE)
        assert row, f"docs/deviations.md does not list {d.id}"
        assert int(row.group(1)) == used[d.id], f"{d.id}: {used[d.id]} cases, docs/deviations.md says {row.group(1)}"
    documented = int(re.search(r"(\d[\d,]*) of (\d[\d,]*) oracle cases agree", doc).group(1).replace(",", ""))
    assert documented == sum(1 for *_, kind in results if kind is None), "update the numbers in docs/deviations.md"


def test_deviations_do_not_hide_a_whole_category(results):
    """No category is mostly excused: each agrees on at least 90 % of its own cases."""
    total = collections.Counter(c.category for c, *_ in results)
    agree = collections.Counter(c.category for c, _, _, kind in results if kind is None)
    for cat, n in total.items():
        assert agree[cat] / n >= 0.9, f"{cat}: {agree[cat]}/{n}"


# ---- generated object columns (hypothesis) ------------------------------------------------------------

_VALUES = st.sampled_from([
    None, np.nan, pd.NA, 0, 1, 2, -7, 2**40, 0.5, 1.0, True, False, "a", "1.5", "2020-01-01", b"x",
    decimal.Decimal("1.25"), dt.date(2020, 1, 2), dt.datetime(2021, 3, 4, 5, 6), np.int32(3), np.float32(1.5),
    np.bool_(True), [1, 2], {"k": 1},
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(_VALUES, min_size=1, max_size=4), target=st.sampled_from(list(DataType)),
       required=st.booleans())
def test_generated_object_columns_agree_with_mlflow(values, target, required):
    """Random object columns (one Python type, or mixes, or only missing values) x every DataType: the
    same decision and output as MLflow. No documented deviation concerns object columns of scalars."""
    import copy

    schema = Schema([ColSpec(target, "x", required=required)])
    case = Case("generated", "scalar", lambda: pd.DataFrame({"x": pd.Series(copy.deepcopy(values), dtype=object)}),
                schema, "generated", target.name)
    theirs, ours, kind = compare(case)
    assert kind is None, f"{values!r} -> {target.name}: MLflow {theirs}, ours {ours}"


# ---- strict mode keeps its own decisions -------------------------------------------------------------


def test_strict_mode_refuses_nulls_that_mlflow_lets_through():
    df = pd.DataFrame({"x": [1.5, None]})
    validate_schema(df, Schema([ColSpec("double", "x")]), compat="mlflow")
    with pytest.raises(SchemaEnforcementError, match="null_in_required"):
        validate_schema(df, Schema([ColSpec("double", "x")]))


def test_strict_mode_refuses_object_columns_mlflow_does_not_look_at():
    df = pd.DataFrame({"x": pd.Series([1, "a"], dtype=object)})
    assert validate_schema(df, Schema([ColSpec("string", "x")]), compat="mlflow")["x"].tolist() == [1, "a"]
    with pytest.raises(SchemaEnforcementError, match=r"object \(holding int, str\)"):
        validate_schema(df, Schema([ColSpec("string", "x")]))
