"""Signature diffs: every change kind, nested ones included, generated; scalar retypes against the engine.

The expected class of each generated change comes from the issue's definition (a table in this file,
not from the code under test). Scalar retypes are also checked against the enforcement engine itself:
representative columns of every found kind are run through the local engine's plan and kernels, and
a retype is breaking exactly when some column that fits ``old`` is refused by ``new``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import warnings
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from _jvm import short_lived_jvm_env
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import spark_signature
from spark_signature import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    ModelSignature,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    TensorSpec,
    diff,
)
from spark_signature.enforcement.arrow import Checker
from spark_signature.enforcement.plan import build_plan
from spark_signature.errors import SchemaEnforcementError
from spark_signature.mlmodel import signature_to_mlmodel, write_mlmodel
from spark_signature.types import Compat

REPO = Path(__file__).resolve().parents[1]
D = DataType

# ---- the expected classes, from the definition -----------------------------------------------

#: scalar retypes that keep every old input valid (the rule table's widenings; Any accepts all)
WIDENING = {D.integer: [D.long, D.double], D.float: [D.double], D.string: [D.binary]}
#: scalar retypes that refuse some old input (narrowing, another kind, or a per-value check long -> double)
NARROWING = {D.long: [D.integer, D.double, D.float, D.string], D.double: [D.float, D.long, D.integer],
             D.integer: [D.string, D.boolean, D.float], D.string: [D.long, D.datetime], D.boolean: [D.integer],
             D.datetime: [D.string], D.binary: [D.string], D.float: [D.integer, D.long]}

# ---- generated signatures ------------------------------------------------------------------------------

names = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)


def types(depth: int) -> st.SearchStrategy:
    scalar = st.sampled_from(list(DataType))
    if depth == 0:
        return scalar
    inner = types(depth - 1)
    props = st.lists(st.tuples(names, inner, st.booleans()), min_size=1, max_size=3, unique_by=lambda p: p[0])
    return st.one_of(scalar, inner.map(Array), inner.map(Map),
                     props.map(lambda ps: Object([Property(n, t, required=r) for n, t, r in ps])))


@st.composite
def signatures(draw) -> ModelSignature:
    cols = draw(st.lists(st.tuples(names, types(2), st.booleans()), min_size=1, max_size=4,
                         unique_by=lambda c: c[0]))
    outs = draw(st.lists(st.sampled_from(list(DataType)), min_size=1, max_size=2))
    defaults = {D.long: 3, D.double: 0.5, D.string: "x", D.boolean: True}
    params = draw(st.lists(st.tuples(names, st.sampled_from(list(defaults))), max_size=2, unique_by=lambda p: p[0]))
    return ModelSignature(
        inputs=Schema([ColSpec(t, n, required=r) for n, t, r in cols]),
        outputs=Schema([ColSpec(t, f"out{i}") for i, t in enumerate(outs)]),
        params=ParamSchema([ParamSpec(n, t, defaults[t]) for n, t in params]) if params else None,
    )


# ---- walking a type: every scalar and every Object, with its path -------------------------------------


def positions(t, path: str):
    """(path, steps, node) for every position below (and at) ``t``."""
    yield path, (), t
    if isinstance(t, Array):
        for p, s, n in positions(t.dtype, path + "[]"):
            yield p, ("elem", *s), n
    elif isinstance(t, Map):
        for p, s, n in positions(t.value_type, path + "{}"):
            yield p, ("value", *s), n
    elif isinstance(t, Object):
        for prop in t.properties:
            for p, s, n in positions(prop.dtype, f"{path}.{prop.name}"):
                yield p, (("prop", prop.name), *s), n


def replace(t, steps, fn):
    if not steps:
        return fn(t)
    step, rest = steps[0], steps[1:]
    if step == "elem":
        return Array(replace(t.dtype, rest, fn))
    if step == "value":
        return Map(replace(t.value_type, rest, fn))
    _, name = step
    return Object([Property(p.name, replace(p.dtype, rest, fn) if p.name == name else p.dtype, p.required)
                   for p in t.properties])


def with_input(sig: ModelSignature, index: int, spec: ColSpec | None, *, append: ColSpec | None = None):
    """``sig`` with input ``index`` replaced by ``spec`` (dropped for None), and ``append`` added."""
    cols = list(sig.inputs.inputs)
    if spec is None:
        cols.pop(index)
    else:
        cols[index] = spec
    return ModelSignature(inputs=Schema([*cols, *([append] if append else [])]), outputs=sig.outputs,
                          params=sig.params)


MUTATIONS = ["input_added_optional", "input_added_required", "input_removed", "made_optional", "made_required",
             "widened", "narrowed", "to_any", "from_any", "property_added_optional", "property_added_required",
             "property_removed", "property_made_optional", "property_made_required", "kind_changed",
             "output_removed", "output_retyped", "output_added", "param_added", "param_removed", "param_retyped",
             "param_default"]


@st.composite
def mutated(draw, kind: str):
    """(old, new, path, expected class, expected change kind) for one generated change of ``kind``
    (None when the drawn signature has no place for it)."""
    sig = draw(signatures())
    cols = list(sig.inputs.inputs)
    i = draw(st.integers(0, len(cols) - 1))
    col = cols[i]
    taken = {c.name for c in cols}
    fresh = draw(names.filter(lambda n: n not in taken).map(lambda n: n + "_new"))
    spots = list(positions(col.type, f"inputs.{col.name}"))
    scalars = [(p, s, n) for p, s, n in spots if isinstance(n, DataType)]
    objects = [(p, s, n) for p, s, n in spots if isinstance(n, Object)]

    def retype(fn, *, expected: str, change: str = "retyped", pool=scalars):
        if not pool:
            return None
        path, steps, node = draw(st.sampled_from(pool))
        new_type = fn(node)
        if new_type is None:
            return None
        new = with_input(sig, i, ColSpec(replace(col.type, steps, lambda _: new_type), col.name, col.required))
        return sig, new, path, expected, change

    if kind == "input_added_optional":
        return sig, with_input(sig, i, col, append=ColSpec(D.long, fresh, required=False)), \
            f"inputs.{fresh}", "compatible", "added"
    if kind == "input_added_required":
        return sig, with_input(sig, i, col, append=ColSpec(D.long, fresh)), f"inputs.{fresh}", "breaking", "added"
    if kind == "input_removed" and len(cols) > 1:
        return sig, with_input(sig, i, None), f"inputs.{col.name}", "compatible", "removed"
    if kind in ("made_optional", "made_required"):
        want = kind == "made_optional"
        if col.required == want:  # made_optional needs a required column, made_required an optional one
            new = with_input(sig, i, ColSpec(col.type, col.name, required=not want))
            return sig, new, f"inputs.{col.name}", "compatible" if want else "breaking", kind
    if kind == "widened":
        return retype(lambda n: draw(st.sampled_from(WIDENING[n])) if n in WIDENING else None,
                      expected="compatible")
    if kind == "narrowed":
        return retype(lambda n: draw(st.sampled_from(NARROWING[n])), expected="breaking")
    if kind == "to_any":
        return retype(lambda n: AnyType(), expected="compatible", pool=spots)
    if kind == "from_any":  # old Any -> new scalar: the reverse of to_any
        result = retype(lambda n: AnyType(), expected="compatible", pool=spots)
        if result is not None:
            old, new, path, _, change = result
            return new, old, path, "breaking", change
    if kind == "kind_changed":
        return retype(lambda n: Array(n) if isinstance(n, DataType) else D.string, expected="breaking",
                      pool=[s for s in spots if not isinstance(s[2], AnyType)])
    if kind.startswith("property_") and objects:
        path, steps, node = draw(st.sampled_from(objects))
        props = list(node.properties)
        j = draw(st.integers(0, len(props) - 1))
        p = props[j]
        if kind in ("property_added_optional", "property_added_required"):
            required = kind.endswith("required")
            new_obj = Object([*props, Property(fresh, D.string, required=required)])
            expected, where, change = ("breaking" if required else "compatible"), f"{path}.{fresh}", "added"
        elif kind == "property_removed":
            if len(props) < 2:
                return None
            new_obj = Object(props[:j] + props[j + 1:])
            expected, where, change = "breaking", f"{path}.{p.name}", "removed"
        else:
            want = kind == "property_made_optional"
            if p.required != want:
                return None
            new_obj = Object([Property(q.name, q.dtype, (not want) if q is p else q.required) for q in props])
            expected, where, change = ("compatible" if want else "breaking"), f"{path}.{p.name}", kind[9:]
        new = with_input(sig, i, ColSpec(replace(col.type, steps, lambda _: new_obj), col.name, col.required))
        return sig, new, where, expected, change
    outs = list(sig.outputs.inputs)
    if kind == "output_removed" and len(outs) > 1:
        new = ModelSignature(sig.inputs, Schema(outs[:-1]), sig.params)
        return sig, new, f"outputs.{outs[-1].name}", "breaking", "removed"
    if kind == "output_retyped":
        o = outs[0]
        other = D.string if o.type != D.string else D.long
        new = ModelSignature(sig.inputs, Schema([ColSpec(other, o.name), *outs[1:]]), sig.params)
        return sig, new, f"outputs.{o.name}", "breaking", "retyped"
    if kind == "output_added":
        new = ModelSignature(sig.inputs, Schema([*outs, ColSpec(D.double, "extra_out")]), sig.params)
        return sig, new, "outputs.extra_out", "compatible", "added"
    params = list(sig.params.params) if sig.params else []
    if kind == "param_added":
        new = ModelSignature(sig.inputs, sig.outputs, ParamSchema([*params, ParamSpec(fresh, D.double, 0.1)]))
        return sig, new, f"params.{fresh}", "compatible", "added"
    if params and kind == "param_removed":
        new = ModelSignature(sig.inputs, sig.outputs, ParamSchema(params[1:]) if params[1:] else None)
        return sig, new, f"params.{params[0].name}", "compatible", "removed"
    if params and kind == "param_retyped":
        p = params[0]
        other, default = (D.string, "1") if p.dtype != D.string else (D.long, 1)
        new = ModelSignature(sig.inputs, sig.outputs, ParamSchema([ParamSpec(p.name, other, default), *params[1:]]))
        return sig, new, f"params.{p.name}", "breaking", "retyped"
    if params and kind == "param_default":
        p = params[0]
        default = {D.long: 4, D.double: 0.75, D.string: "y", D.boolean: False}[p.dtype]
        new = ModelSignature(sig.inputs, sig.outputs, ParamSchema([ParamSpec(p.name, p.dtype, default), *params[1:]]))
        return sig, new, f"params.{p.name}", "compatible", "param_default"
    return None


@pytest.mark.parametrize("mutation", MUTATIONS)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_generated_change_is_classified(mutation, data):
    case = data.draw(mutated(mutation))
    assume(case is not None)  # hypothesis fails the test if no drawn signature had a place for the change
    old, new, path, expected, kind = case
    d = diff(old, new)
    assert [(c.path, c.compatibility.value, c.kind.value) for c in d.changes] == [(path, expected, kind)], str(d)
    assert d.is_breaking == (expected == "breaking")
    assert (d.breaking if expected == "breaking" else d.compatible) == d.changes
    assert diff(old, old).changes == [] and diff(new, new).changes == []


# ---- scalar retypes against the engine ------------------------------------------------------------------

REPRESENTATIVES = [
    pa.array([True, False]),
    *(pa.array([lo, 0, 1, hi], t) for t, lo, hi in [(pa.int8(), -128, 127), (pa.int16(), -(2**15), 2**15 - 1),
                                                   (pa.int32(), -(2**31), 2**31 - 1),
                                                   (pa.int64(), -(2**63), 2**63 - 1)]),
    pa.array([0, 1, 2], pa.int64()),
    pa.array([0, 1], pa.int64()),
    *(pa.array([0, 1, hi], t) for t, hi in [(pa.uint8(), 255), (pa.uint16(), 2**16 - 1), (pa.uint32(), 2**32 - 1),
                                            (pa.uint64(), 2**64 - 1)]),
    pa.array(np.array([1.5, 0.25], np.float16)),
    pa.array([0.1, 3.4e38], pa.float32()),
    pa.array([0.1, 1e300], pa.float64()),
    pa.array([Decimal("12345678.91")], pa.decimal128(10, 2)),
    pa.array([Decimal("0.10")], pa.decimal128(20, 2)),
    pa.array([Decimal("123456789012345678.91")], pa.decimal128(20, 2)),
    pa.array(["a", "1"]),
    pa.array([b"a"]),
    pa.array([dt.date(2024, 1, 1)]),
    pa.array([dt.datetime(2024, 1, 1, 12)], pa.timestamp("us")),
    pa.array([dt.datetime(2024, 1, 1, 12)], pa.timestamp("us", tz="UTC")),
]


def fits(arr: pa.Array, t: DataType, compat: Compat) -> bool:
    """Does a column holding ``arr`` pass the local engine for ``t`` (plan, then the batch kernels)?"""
    schema = Schema([ColSpec(t, "c")])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = build_plan(schema, pa.schema([("c", arr.type)]), compat=compat)
    except SchemaEnforcementError:
        return False
    return not Checker(plan).check(pa.table({"c": arr}))


@pytest.mark.parametrize("compat", [Compat.STRICT, Compat.MLFLOW])
def test_scalar_retypes_agree_with_the_engine(compat):
    disagreements = []
    for old in DataType:
        for new in DataType:
            engine_breaking = any(fits(a, old, compat) and not fits(a, new, compat) for a in REPRESENTATIVES)
            d = diff(Schema([ColSpec(old, "c")]), Schema([ColSpec(new, "c")]), compat=compat)
            if d.is_breaking != engine_breaking:
                disagreements.append((old.name, new.name, engine_breaking, str(d)))
    assert not disagreements, disagreements
    assert diff(Schema([ColSpec(D.integer, "c")]), Schema([ColSpec(D.long, "c")])).changes[0].reason


# ---- tensors, matching, composite specials ---------------------------------------------------------------


def tensor(dtype: str, shape, name: str | None = "t") -> Schema:
    return Schema([TensorSpec(np.dtype(dtype), shape, name)])


@pytest.mark.parametrize(("old", "new", "kind", "expected"), [
    (tensor("float32", (-1, 28)), tensor("float64", (-1, 28)), "tensor_dtype", "breaking"),
    (tensor("float32", (-1, 28)), tensor("float32", (-1, 27)), "tensor_shape", "breaking"),
    (tensor("float32", (-1, -1)), tensor("float32", (-1, 28)), "tensor_shape", "breaking"),
    (tensor("float32", (-1, 28)), tensor("float32", (-1, 28, 1)), "tensor_shape", "breaking"),
    (tensor("float32", (-1, 28)), tensor("float32", (-1, -1)), "tensor_shape", "compatible"),
    (tensor("float32", (-1, 28)), Schema([ColSpec(D.float, "t")]), "matching", "breaking"),
    (Schema([ColSpec(D.long, "a")]), Schema([ColSpec(D.long)]), "matching", "breaking"),
])
def test_tensor_and_matching_changes(old, new, kind, expected):
    (change,) = diff(old, new).changes
    assert (change.kind.value, change.compatibility.value) == (kind, expected)


def test_unnamed_columns_are_matched_by_position():
    old = Schema([ColSpec(D.integer), ColSpec(D.string)])
    d = diff(old, Schema([ColSpec(D.long), ColSpec(D.string), ColSpec(D.double)]))
    assert [(c.path, c.compatibility.value) for c in d.changes] == [("inputs[0]", "compatible"),
                                                                   ("inputs[2]", "breaking")]


def test_vector_and_double_array_are_interchangeable():
    from spark_signature import SparkMLVector

    d = diff(Schema([ColSpec(SparkMLVector(), "v")]), Schema([ColSpec(Array(D.double), "v")]))
    assert [(c.kind.value, c.compatibility.value) for c in d.changes] == [("retyped", "compatible")]


# ---- sources: model directories, files, StructTypes, DataFrames -------------------------------------------


OLD = ModelSignature(inputs=Schema([ColSpec(D.integer, "n"), ColSpec(D.string, "s", required=False)]),
                     outputs=Schema([ColSpec(D.long)]))
NEW_OK = ModelSignature(inputs=Schema([ColSpec(D.long, "n"), ColSpec(D.double, "extra", required=False)]),
                        outputs=Schema([ColSpec(D.long)]))
NEW_BAD = ModelSignature(inputs=Schema([ColSpec(D.long, "n"), ColSpec(D.string, "s")]),
                         outputs=Schema([ColSpec(D.long)]))


def model_dir(tmp_path: Path, name: str, sig: ModelSignature) -> Path:
    path = tmp_path / name
    path.mkdir()
    write_mlmodel(path, signature_to_mlmodel({"flavors": {"python_function": {}}}, sig))
    return path


def signature_file(tmp_path: Path, name: str, sig: ModelSignature) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(sig.to_dict()))
    return path


def test_sources_model_dir_and_signature_file(tmp_path):
    d = diff(model_dir(tmp_path, "old", OLD), signature_file(tmp_path, "new", NEW_BAD))
    assert [(c.path, c.kind.value) for c in d.breaking] == [("inputs.s", "made_required")]
    assert d.old.endswith("old") and d.new.endswith("new.json")
    assert "BREAKING" in str(d) and "inputs.s" in d.html()


def test_sources_spark_schema_and_dataframe(spark):
    df = spark.createDataFrame([(1, "a")], "n int not null, s string")
    for old in (df, df.schema):
        d = diff(old, NEW_OK)
        # n: int -> long widens; s removed; extra optional: every row of this table fits NEW_OK
        assert not d.is_breaking, str(d)
    d = diff(df, NEW_BAD)  # s is nullable in the table, required in NEW_BAD
    assert [(c.path, c.kind.value) for c in d.breaking] == [("inputs.s", "made_required")]
    nullable = spark.createDataFrame([(1, "a")], "n int, s string")
    assert [(c.path, c.kind.value) for c in diff(nullable, NEW_OK).breaking] == [("inputs.n", "made_required")]


def test_an_inputs_schema_compares_inputs_only():
    full = ModelSignature(inputs=Schema([ColSpec(D.long, "n")]), outputs=Schema([ColSpec(D.double, "score")]),
                          params=ParamSchema([ParamSpec("k", D.long, 3)]))
    assert diff(full, Schema([ColSpec(D.long, "n")])).changes == []
    assert [c.path for c in diff(full, ModelSignature(inputs=Schema([ColSpec(D.long, "n")]))).changes] == [
        "outputs.score", "params.k"]


def test_bad_sources_are_named():
    with pytest.raises(spark_signature.SignatureError, match=r"Cannot read a signature from builtins\.int"):
        diff(1, OLD)
    with pytest.raises(spark_signature.SignatureError):
        diff("/no/such/model", OLD)


# ---- the job ---------------------------------------------------------------------------------------------


def _job(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "jobs" / "check_compat.py"), *args], capture_output=True,
                          text=True, timeout=120, env=env, check=False)


def test_job_exit_codes(tmp_path):
    old = model_dir(tmp_path, "old", OLD)
    ok = _job("--old", str(old), "--new", str(signature_file(tmp_path, "ok", NEW_OK)), "--json",
              str(tmp_path / "d.json"), "--report-html", str(tmp_path / "d.html"))
    assert ok.returncode == 0, ok.stderr
    assert "COMPATIBLE" in ok.stdout and json.loads((tmp_path / "d.json").read_text())["is_breaking"] is False
    assert (tmp_path / "d.html").read_text().startswith("<!DOCTYPE html>")
    bad = _job("--old", str(old), "--new", str(signature_file(tmp_path, "bad", NEW_BAD)))
    assert bad.returncode == 1 and "BREAKING" in bad.stdout and "inputs.s" in bad.stdout
    for args in (["--old", str(tmp_path / "missing"), "--new", str(old)], ["--old", str(old)],
                 ["--old", str(old), "--new", str(old), "--compat", "loose"]):
        broken = _job(*args)
        assert broken.returncode == 3, (args, broken.stdout, broken.stderr)
        assert "Traceback" not in broken.stderr and len(broken.stderr.strip().splitlines()) == 1, broken.stderr
        assert broken.stderr.startswith("check_compat: error: ")


def _load_job():
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_compat_job", REPO / "jobs" / "check_compat.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.delta
def test_job_table_fit(spark, tmp_path, capsys):
    # A path longer than the console width: the verdict must survive it (CI's temp dirs are long).
    table = str(tmp_path / ("features_" + "x" * 120))
    spark.createDataFrame([(1, "a")], "n int, s string").write.format("delta").save(table)
    job = _load_job()
    old, ok = signature_file(tmp_path, "old", OLD), signature_file(tmp_path, "ok", NEW_OK)
    assert job.run(["--old", str(old), "--new", str(ok), "--table", table]) == 0
    assert "fits the new signature" in capsys.readouterr().out
    # A compatible diff, and a table that fits neither: the gate still fails, naming the column.
    other = str(tmp_path / "other")
    spark.createDataFrame([("1", "a")], "n string, s string").write.format("delta").save(other)
    assert job.run(["--old", str(old), "--new", str(ok), "--table", other]) == 1
    out = capsys.readouterr().out
    assert "COMPATIBLE" in out and "does NOT fit" in out and "refused" in out


@pytest.mark.slow
@pytest.mark.submit
@pytest.mark.delta
def test_job_under_spark_submit(spark, tmp_path):
    table = str(tmp_path / "features")
    spark.createDataFrame([(1, "a")], "n int, s string").write.format("delta").save(table)
    new = signature_file(tmp_path, "req", ModelSignature(inputs=Schema([ColSpec(D.long, "n"),
                                                                       ColSpec(D.string, "m")])))
    env = short_lived_jvm_env({**os.environ, "VENV": sys.prefix})
    env.pop("PYSPARK_GATEWAY_PORT", None)
    out = subprocess.run([str(REPO / "scripts" / "spark-submit"), str(REPO / "jobs" / "check_compat.py"),
                          "--old", str(signature_file(tmp_path, "old", OLD)), "--new", str(new), "--table", table],
                         capture_output=True, text=True, timeout=300, env=env, check=False)
    assert out.returncode == 1, out.stderr[-3000:]
    assert "inputs.m" in out.stdout and "does NOT fit" in out.stdout and "missing" in out.stdout
