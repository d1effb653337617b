"""The one violation model: what a quarantine row, a fail-fast error, a count and a report say.

* :data:`VIOLATION_FIELDS` -- the fields of one violation, in order. The Arrow kernels' struct, the
  Spark ``_violations`` column and every dict derive from it.
* :class:`Violation` -- one violation (optionally with its row, for local checks).
* :class:`RuleCount` and :func:`merge_rule_counts` -- per (column, rule): how many, and the first
  example. The one merge, used per batch, per partition and on the driver.
* :class:`Counts` -- rows, valid and quarantined rows, counted independently, plus the per-rule counts;
  :meth:`Counts.verify` is the invariant valid + quarantined = rows.

Pure Python: reports and the notebook render this model without Spark or Arrow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from spark_signature.errors import CountMismatchError, Rule, describe, fix_for

#: The fields of one violation, in order (all strings; ``value`` is null for a missing value).
VIOLATION_FIELDS: tuple[str, ...] = ("column", "path", "rule", "expected", "found", "value")


@dataclass(frozen=True)
class Violation:
    """One problem at one position of one row: ``path`` in the one path syntax (:mod:`spark_signature.paths`)."""

    column: str
    path: str
    rule: Rule
    expected: str
    found: str
    value: str | None = None
    row: int | None = None  # the row's index, where the check knows it (local engine)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Violation:
        return cls(str(d["column"]), str(d["path"]), Rule(d["rule"]), str(d["expected"]), str(d["found"]),
                   None if d.get("value") is None else str(d["value"]), d.get("row"))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f: getattr(self, f) for f in VIOLATION_FIELDS}
        out["rule"] = self.rule.value
        if self.row is not None:
            out["row"] = self.row
        return out

    @property
    def fix(self) -> str | None:
        return fix_for(self.rule)

    def describe(self) -> str:
        """``column 'c' at c.x: expected ..., found ... (value: ...; rule ...)``."""
        return describe(self.column, self.path, self.expected, self.found, self.rule, value=self.value,
                        row=self.row)


@dataclass
class RuleCount:
    """How many violations of one rule one column had, and the first one seen."""

    column: str
    rule: Rule
    count: int
    first: Violation

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "rule": self.rule.value, "count": self.count, "first": self.first.to_dict()}


def merge_rule_counts(parts: Iterable[RuleCount], *, earliest: bool = False) -> list[RuleCount]:
    """Sum counts per (column, rule), keeping the first example; order of first appearance.

    ``earliest``: the examples carry their input position as ``row``, and the one at the smallest position
    is kept, whatever order the parts come in (partitions after a shuffle arrive in any order)."""
    merged: dict[tuple[str, Rule], RuleCount] = {}
    for part in parts:
        key = (part.column, part.rule)
        seen = merged.get(key)
        if seen is None:
            merged[key] = RuleCount(part.column, part.rule, part.count, part.first)
        else:
            seen.count += part.count
            if earliest and _position(part.first) < _position(seen.first):
                seen.first = part.first
    return list(merged.values())


def _position(v: Violation) -> float:
    return float("inf") if v.row is None else v.row


@dataclass
class Counts:
    """Rows checked, and how many were valid and quarantined, each counted on its own.

    ``by_rule`` maps (column, rule) to the number of violations (a row can have several).
    """

    rows: int
    valid: int
    quarantined: int
    by_rule: dict[tuple[str, str], int] = field(default_factory=dict)

    def verify(self) -> Counts:
        """Raise :class:`CountMismatchError` unless valid + quarantined = rows."""
        if self.valid + self.quarantined != self.rows:
            raise CountMismatchError(
                f"valid ({self.valid:,}) + quarantined ({self.quarantined:,}) rows != input rows ({self.rows:,}): "
                "rows were lost or duplicated between the input and the outputs. This is a bug in "
                "spark_signature or a non-deterministic input (e.g. an unseeded sample) evaluated twice.",
                expected=f"{self.rows} rows", found=f"{self.valid + self.quarantined} rows",
                fix="persist or checkpoint a non-deterministic input before enforcing; otherwise report the bug",
            )
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "quarantined": self.quarantined,
            "violations": [{"column": c, "rule": r, "count": n} for (c, r), n in sorted(self.by_rule.items())],
        }

    to_dict = as_dict
