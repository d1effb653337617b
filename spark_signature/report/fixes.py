"""Every problem of a report, with its fix written as code the user can paste.

The default fix of each rule is a sentence (:data:`spark_signature.errors.FIXES`); here it becomes code
for the concrete column: a ``cast``, a ``fillna`` / ``dropna``, a rename (when an extra input column
has nearly the missing column's name), or the signature with the column marked optional. The code is
derived from the report dict alone (its ``schema``, ``counts``, ``examples`` and ``signature.inputs``),
so a job's JSON report renders the same fixes as the notebook. Spark code for Spark inputs, pandas
code for pandas inputs (``input.format == "pandas"``).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spark_signature.errors import FIXES, Rule
from spark_signature.types import AnyType, Array, ColSpec, DataType, Map, Object, Schema, SparkMLVector, TensorSpec

__all__ = ["Fix", "fixes_for", "type_code"]

_F = "from pyspark.sql import functions as F"


@dataclass(frozen=True)
class Fix:
    """One problem and its fix: ``code`` is pasteable Python that applies the fix as is; each alternative
    (``(label, code)``) is another complete fix, e.g. changing the signature instead of the data."""

    column: str
    path: str
    problem: str  # a rule code, or a schema status (missing, refused)
    title: str
    code: str
    alternatives: tuple[tuple[str, str], ...] = ()


def _lit(value: Any) -> str:
    """A Python literal (repr is always valid Python, whatever the string holds)."""
    return repr(value)


def spark_name(name: str) -> str:
    """A column name as ``F.col`` / ``fillna`` resolve it: back-quoted unless it is a plain identifier."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name
    return "`" + name.replace("`", "``") + "`"


def _col(name: str) -> str:
    return f"F.col({_lit(spark_name(name))})"


def type_code(t: Any) -> str:
    """The Python expression that builds a signature type: ``Array(DataType.string)``."""
    if isinstance(t, DataType):
        return f"DataType.{t.name}"
    if isinstance(t, SparkMLVector):
        return "SparkMLVector()"
    if isinstance(t, Array):
        return f"Array({type_code(t.dtype)})"
    if isinstance(t, Map):
        return f"Map({type_code(t.value_type)})"
    if isinstance(t, AnyType):
        return "AnyType()"
    if isinstance(t, Object):
        props = ", ".join(f"Property({_lit(p.name)}, {type_code(p.dtype)}"
                          f"{'' if p.required else ', required=False'})" for p in t.properties)
        return f"Object([{props}])"
    return repr(t)


def _imports(code: str) -> str:
    """The ``from spark_signature import ...`` line for the type names ``code`` uses."""
    names = sorted(set(re.findall(r"\b(AnyType|Array|DataType|Map|Object|Property|SparkMLVector)\(?", code)))
    return f"from spark_signature import {', '.join(names)}"


def _identifier(name: str) -> str:
    ident = re.sub(r"\W", "_", name, flags=re.ASCII).strip("_") or "field"
    return ident if not ident[0].isdigit() else f"_{ident}"


def _spark_type(spec: ColSpec | TensorSpec | None) -> str | None:
    """The declared type as Spark SQL text (``array<string>``), or None if it has none."""
    if spec is None:
        return None
    try:
        from spark_signature.spark_types import tensor_to_spark_type, to_spark_type

        t = tensor_to_spark_type(spec) if isinstance(spec, TensorSpec) else to_spark_type(spec.type)
        return t.simpleString()
    except Exception:  # an AnyType (variant) or a type Spark cannot name: no cast to offer
        return None


_FILL = {DataType.boolean: False, DataType.integer: 0, DataType.long: 0, DataType.float: 0.0,
         DataType.double: 0.0, DataType.string: ""}
_PANDAS_TYPES = {DataType.boolean: "bool", DataType.integer: "int32", DataType.long: "int64",
                 DataType.float: "float32", DataType.double: "float64", DataType.string: "string"}


def _pandas_cast(name: str, t: Any) -> str:
    c = f"df[{_lit(name)}]"
    if t is DataType.datetime:
        return f"import pandas as pd\n{c} = pd.to_datetime({c})"
    if t is DataType.binary:
        return f"{c} = {c}.str.encode('utf-8')"
    if isinstance(t, DataType) and t in _PANDAS_TYPES:
        return f"{c} = {c}.astype({_lit(_PANDAS_TYPES[t])})"
    return f"# give {name!r} the declared type {t!r} (one Python type per column)"


def _mark_optional(name: str) -> tuple[str, str]:
    return ("mark the column optional in the signature (then log the model, or set_signature)",
            "from spark_signature import ColSpec, Schema\n"
            "signature.inputs = Schema([\n"
            f"    ColSpec(s.type, s.name, required=False) if s.name == {_lit(name)} else s\n"
            "    for s in signature.inputs.inputs])")


def _lookup(spec: ColSpec | TensorSpec | None, path: str, column: str) -> tuple[Any, Any]:
    """(declared type, Property or None) at a struct-field path under ``column``; (None, None) if not one."""
    if spec is None or isinstance(spec, TensorSpec):
        return None, None
    rest = path[len(column):]
    t, prop = spec.type, None
    while rest:
        if not rest.startswith(".") or not isinstance(t, Object):
            return None, None
        names = sorted((p.name for p in t.properties), key=len, reverse=True)
        match = next((n for n in names if rest[1:] == n or rest[1:].startswith(n + ".")), None)
        if match is None:
            return None, None
        prop = next(p for p in t.properties if p.name == match)
        t, rest = prop.dtype, rest[1 + len(match):]
    return t, prop


class _Writer:
    def __init__(self, report: Mapping[str, Any]) -> None:
        self.report = report
        self.pandas = (report.get("input") or {}).get("format") == "pandas"
        inputs = (report.get("signature") or {}).get("inputs")
        self.specs: dict[str, ColSpec | TensorSpec] = {}
        if inputs:
            try:
                schema = Schema.from_json(json.dumps(inputs))
                named = schema.has_input_names()
                self.specs = {(str(s.name) if named else str(i)): s for i, s in enumerate(schema.inputs)}
            except Exception:  # a report from elsewhere with an unreadable schema: fixes without types
                self.specs = {}

    # -- schema problems (decided before reading data) -------------------------------------------

    def missing(self, entry: Mapping[str, Any], extras: list[str]) -> Fix:
        name = str(entry["column"])
        spec = self.specs.get(name)
        if spec is not None and spec.name is None:  # an unnamed schema matches columns by position
            return Fix(name, name, "missing", f"provide column {name}", f"# {FIXES[Rule.COLUMN_COUNT]}")
        close = _close_name(name, extras)
        if close is not None:
            code = (f"df = df.rename(columns={{{_lit(close)}: {_lit(name)}}})" if self.pandas
                    else f"df = df.withColumnRenamed({_lit(close)}, {_lit(name)})")
            return Fix(name, name, "missing", f"rename {close!r} to {name!r}", code)
        label, code = _mark_optional(name)
        return Fix(name, name, "missing", f"add {name!r} to the input, or {label}",
                   f"# {FIXES[Rule.MISSING_COLUMN]}\n{code}")

    def refused(self, entry: Mapping[str, Any]) -> Fix:
        name = str(entry["column"])
        spec = self.specs.get(name)
        note = f"# {entry.get('fix') or FIXES[Rule.WRONG_TYPE]}".replace("\n", "\n# ")
        if self.pandas:
            body = ""
            if isinstance(spec, ColSpec):
                body = _pandas_cast(name, spec.type)
            elif isinstance(spec, TensorSpec):
                body = (f"import numpy as np\ndf[{_lit(name)}] = df[{_lit(name)}].map(\n"
                        f"    lambda v: np.asarray(v, dtype={_lit(spec.type.name)}).tolist())")
            return Fix(name, name, "refused", f"give {name!r} the declared type", f"{note}\n{body}".rstrip())
        if isinstance(spec, ColSpec) and isinstance(spec.type, Object):
            fields = ", ".join(f"({_lit(p.name)}, {_lit(_spark_type(ColSpec(p.dtype)) or 'string')})"
                               for p in spec.type.properties)
            body = (f"{_F}\nfields = [{fields}]\n"
                    f"df = df.withColumn({_lit(name)}, F.when({_col(name)}.isNotNull(), F.struct(\n"
                    f"    *[{_col(name)}[f].cast(t).alias(f) for f, t in fields])))")
            return Fix(name, name, "refused", f"rebuild struct {name!r} with the declared fields",
                       f"{note}\n{body}")
        target = _spark_type(spec)
        if target is None:
            return Fix(name, name, "refused", f"change {name!r} or the signature", note)
        body = f"{_F}\ndf = df.withColumn({_lit(name)}, {_col(name)}.cast({_lit(target)}))"
        return Fix(name, name, "refused", f"cast {name!r} to {target}", f"{note}\n{body}")

    # -- per-row problems (counted in the data) ---------------------------------------------------

    def violation(self, column: str, rule: str, example: Mapping[str, Any] | None) -> Fix:
        path = str((example or {}).get("path") or column)
        spec = self.specs.get(column)
        try:
            code_rule = Rule(rule)
        except ValueError:
            code_rule = None
        if code_rule is Rule.NULL_IN_REQUIRED:
            return self._nulls(column, path, spec)
        if code_rule is Rule.UNSAFE_CAST:
            note = f"# {FIXES[Rule.UNSAFE_CAST]}"
            if self.pandas:
                return Fix(column, path, rule, f"convert {column!r} explicitly",
                           f"{note}\n" + (_pandas_cast(column, spec.type) if isinstance(spec, ColSpec) else ""))
            target = _spark_type(spec) or "double"
            return Fix(column, path, rule, f"cast {column!r} to {target} explicitly (accept the loss)",
                       f"{note}\n{_F}\ndf = df.withColumn({_lit(column)}, {_col(column)}.cast({_lit(target)}))")
        if code_rule is Rule.SHAPE_MISMATCH:
            return self._shape(column, path, example)
        text = FIXES.get(code_rule, "see the rule's documentation") if code_rule else "see the report"
        return Fix(column, path, rule, f"fix {rule} in {column!r}", f"# {text}")

    def _nulls(self, column: str, path: str, spec: ColSpec | TensorSpec | None) -> Fix:
        if path == column:
            fill = _FILL.get(spec.type) if isinstance(spec, ColSpec) and isinstance(spec.type, DataType) else None
            c = _lit(column) if self.pandas else _lit(spark_name(column))
            drop = f"df = df.dropna(subset=[{c}])"
            alternatives = [_mark_optional(column)]
            if fill is None:
                return Fix(column, path, Rule.NULL_IN_REQUIRED.value, f"drop rows where {column!r} is null", drop,
                           tuple(alternatives))
            code = (f"df[{c}] = df[{c}].fillna({_lit(fill)})" if self.pandas
                    else f"df = df.fillna({{{c}: {_lit(fill)}}})")
            return Fix(column, path, Rule.NULL_IN_REQUIRED.value, f"fill the nulls of {column!r}", code,
                       (("drop the rows instead", drop), *alternatives))
        t, prop = _lookup(spec, path, column)
        if prop is not None:
            field = path[len(column) + 1:]
            fill = _FILL.get(t) if isinstance(t, DataType) else None
            declared = f"Property({_lit(prop.name)}, {type_code(prop.dtype)}, required=False)"
            mark = ("declare the property optional in the signature",
                    f"{_imports(declared)}\noptional_{_identifier(prop.name)} = {declared}")
            if self.pandas:
                body = (f"df = df[df[{_lit(column)}].map(lambda v: v is None or "
                        f"v.get({_lit(field.split('.')[-1])}) is not None)]" if "." not in field
                        else f"# drop the rows where {path} is null")
                return Fix(column, path, Rule.NULL_IN_REQUIRED.value, f"drop rows where {path!r} is null",
                           body, (mark,))
            nested = f"{_col(column)}.getField({_lit(field)})" if "." not in field else _col(path)
            if fill is not None and "." not in field:
                body = (f"{_F}\ndf = df.withColumn({_lit(column)}, {_col(column)}.withField(\n"
                        f"    {_lit(field)}, F.coalesce({nested}, F.lit({_lit(fill)}))))")
                title = f"fill the nulls of {path!r}"
            else:
                body = f"{_F}\ndf = df.where({_col(column)}.isNull() | {nested}.isNotNull())"
                title = f"drop rows where {path!r} is null"
            return Fix(column, path, Rule.NULL_IN_REQUIRED.value, title, body, (mark,))
        rest = path[len(column):]
        if rest and re.fullmatch(r"(\[\d+\])+", rest):
            return self._null_elements(column, path, len(re.findall(r"\[\d+\]", rest)),
                                       isinstance(spec, TensorSpec))
        if re.fullmatch(r"\['.*'\]", rest, flags=re.S) and not self.pandas:
            code = (f"{_F}\ndf = df.withColumn({_lit(column)}, F.map_filter({_col(column)}, "
                    "lambda k, v: v.isNotNull()))")
            return Fix(column, path, Rule.NULL_IN_REQUIRED.value, f"drop the null values of map {column!r}", code)
        return Fix(column, path, Rule.NULL_IN_REQUIRED.value, f"keep the rows without nulls at {path!r}",
                   _KEEP_VALID)

    def _null_elements(self, column: str, path: str, depth: int, tensor: bool) -> Fix:
        """Nulls inside (nested) arrays: filter them out of the arrays, or keep only the rows without any."""
        c = _lit(column)
        if self.pandas:
            keep_rows = ("def _no_nulls(v):\n"
                         "    return v is not None and all(_no_nulls(x) if _is_list(x) else x is not None for x in v)\n"
                         f"{_IS_LIST}\ndf = df[df[{c}].map(_no_nulls)]")
            drop_elements = ("def _drop_nulls(v):\n"
                             "    return v if v is None else [_drop_nulls(x) if _is_list(x) else x for x in v\n"
                             "                                if x is not None]\n"
                             f"{_IS_LIST}\ndf[{c}] = df[{c}].map(_drop_nulls)")
        else:
            keep_rows = f"{_F}\ndf = df.where({_forall(_col(column), depth)})"
            drop_elements = f"{_F}\ndf = df.withColumn({c}, {_filter_nulls(_col(column), depth)})"
        rule = Rule.NULL_IN_REQUIRED.value
        if tensor:  # dropping elements would change the tensor's shape: drop the rows
            return Fix(column, path, rule, f"keep the rows whose tensor {column!r} has no null", keep_rows)
        return Fix(column, path, rule, f"drop the null elements of {column!r}", drop_elements,
                   (("keep only the rows without null elements", keep_rows),))

    def _shape(self, column: str, path: str, example: Mapping[str, Any] | None) -> Fix:
        found = str((example or {}).get("found") or "")
        m = re.fullmatch(r"length != (\d+) at dimension (\d+)", found)
        note = f"# {FIXES[Rule.SHAPE_MISMATCH]}"
        if m is None:
            return Fix(column, path, Rule.SHAPE_MISMATCH.value, f"fix the shape of {column!r}", note)
        size, dim = int(m.group(1)), int(m.group(2))
        if self.pandas:
            code = (f"df = df[df[{_lit(column)}].map(len) == {size}]" if dim == 1
                    else f"# keep rows whose arrays have {size} elements at dimension {dim}")
        elif dim == 1:
            code = f"{_F}\ndf = df.where(F.size({_col(column)}) == {size})"
        elif dim == 2:
            code = f"{_F}\ndf = df.where(F.forall({_col(column)}, lambda x: F.size(x) == {size}))"
        else:
            code = f"# keep rows whose arrays have {size} elements at dimension {dim}"
        return Fix(column, path, Rule.SHAPE_MISMATCH.value, f"keep rows of the declared shape ({size} at "
                   f"dimension {dim})", f"{note}\n{code}")


_KEEP_VALID = ("from spark_signature import notebook\n"
               "df = notebook.check(df, signature).valid  # the rows that fit, converted to the signature")
_IS_LIST = "_is_list = lambda x: hasattr(x, '__iter__') and not isinstance(x, (str, bytes, dict))"


def _filter_nulls(expr: str, depth: int, level: int = 1) -> str:
    """``F.transform(c, lambda x1: F.filter(x1, lambda x2: x2.isNotNull()))`` for ``depth`` levels."""
    v = f"x{level}"
    if depth == 1:
        return f"F.filter({expr}, lambda {v}: {v}.isNotNull())"
    return f"F.transform({expr}, lambda {v}: {_filter_nulls(v, depth - 1, level + 1)})"


def _forall(expr: str, depth: int, level: int = 1) -> str:
    """True for rows whose arrays (``depth`` levels deep) hold no null."""
    v = f"x{level}"
    inner = f"{v}.isNotNull()" if depth == 1 else _forall(v, depth - 1, level + 1)
    return f"F.forall({expr}, lambda {v}: {inner})"


def _close_name(name: str, candidates: list[str]) -> str | None:
    """An extra column that is probably the missing one renamed: same name up to case, or very close."""
    lowered = {c.lower(): c for c in candidates}
    if name.lower() in lowered:
        return lowered[name.lower()]
    normal = {re.sub(r"[\s_\-]", "", c.lower()): c for c in candidates}
    key = re.sub(r"[\s_\-]", "", name.lower())
    if key in normal:
        return normal[key]
    match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.8)
    return match[0] if match else None


def fixes_for(report: Mapping[str, Any]) -> list[Fix]:
    """Every problem of the report with its fix: schema problems first, then per (column, rule)."""
    writer = _Writer(report)
    schema = report.get("schema") or []
    extras = [str(e["column"]) for e in schema if e.get("status") == "extra"]
    fixes: list[Fix] = []
    for entry in schema:
        if entry.get("status") == "missing":
            fixes.append(writer.missing(entry, extras))
        elif entry.get("status") == "refused":
            fixes.append(writer.refused(entry))
    examples = report.get("examples") or []
    for v in (report.get("counts") or {}).get("violations") or []:
        if not v.get("count"):
            continue
        column, rule = str(v["column"]), str(v["rule"])
        example = next((e for e in examples if e.get("column") == column and e.get("rule") == rule), None)
        fixes.append(writer.violation(column, rule, example))
    return fixes
