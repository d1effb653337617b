"""Signature diffs: what changed between two signatures, and whether inputs that fitted the old one
still fit the new one.

``diff(old, new)`` takes any two of: a signature, a Schema, a model URI or directory, a signature
file, a Spark ``StructType``, a Spark or pandas DataFrame (see :mod:`spark_signature.sources`). Each
:class:`Change` has a path in the one path syntax (:mod:`spark_signature.paths`: ``inputs.address.zip``,
``inputs.tags[]``, ``params.temperature``), what changed, and a class:

* **compatible** -- every input that fitted ``old`` fits ``new``: a new optional input, an input removed
  (extra columns are ignored), required -> optional, a type that ``new`` accepts from every value
  ``old`` accepts, a tensor dimension relaxed to ``-1``; an output added; a param added or removed
  (unknown params are dropped with a warning), a param's default changed.
* **breaking** -- some input that fitted ``old`` is refused by ``new``: a new required input or
  property, an Object property removed (extra struct fields are refused), optional -> required, a type
  ``new`` refuses (or checks per value where ``old`` did not), a tensor dtype change, a tensor
  dimension fixed or changed; an output removed, retyped or made optional; a param retyped or reshaped.

Scalar type changes are decided by the rule table (:func:`spark_signature.rules.decide`), not by a
list of pairs: ``old -> new`` is compatible exactly when every found kind the table lets through for
``old`` is let through for ``new`` with no per-value check ``old`` did not already make. The library
decides; :mod:`spark_signature.report` renders (``str(d)``, ``d.html()``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from spark_signature import paths
from spark_signature.rules import COMPOSITE_KINDS, VALUE_CHECK_TEXT, Compat, Found, decide
from spark_signature.types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    ParamSchema,
    Schema,
    SparkMLVector,
    TensorSpec,
)

__all__ = ["Change", "ChangeKind", "Compatibility", "SignatureDiff", "diff", "scalar_compatibility"]


class Compatibility(StrEnum):
    COMPATIBLE = "compatible"
    BREAKING = "breaking"


class ChangeKind(StrEnum):
    """What changed at a path. Stable: written into diff reports."""

    ADDED = "added"
    REMOVED = "removed"
    MADE_OPTIONAL = "made_optional"
    MADE_REQUIRED = "made_required"
    RETYPED = "retyped"
    TENSOR_DTYPE = "tensor_dtype"
    TENSOR_SHAPE = "tensor_shape"
    PARAM_DEFAULT = "param_default"
    PARAM_SHAPE = "param_shape"
    MATCHING = "matching"  # columns <-> tensors, or by name <-> by position


@dataclass(frozen=True)
class Change:
    """One change at one path: ``old``/``new`` are the specs as text (None for absent)."""

    path: str
    kind: ChangeKind
    old: str | None
    new: str | None
    compatibility: Compatibility
    reason: str

    @property
    def is_breaking(self) -> bool:
        return self.compatibility is Compatibility.BREAKING

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind.value, "old": self.old, "new": self.new,
                "class": self.compatibility.value, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.compatibility.value}: {self.path} {self.kind.value} ({self.reason})"


def _compatible(path: str, kind: ChangeKind, old: Any, new: Any, reason: str) -> Change:
    return Change(path, kind, _text(old), _text(new), Compatibility.COMPATIBLE, reason)


def _breaking(path: str, kind: ChangeKind, old: Any, new: Any, reason: str) -> Change:
    return Change(path, kind, _text(old), _text(new), Compatibility.BREAKING, reason)


def _text(spec: Any) -> str | None:
    if spec is None:
        return None
    if isinstance(spec, DataType):
        return spec.name
    if isinstance(spec, TensorSpec):
        return f"tensor {spec.type.name} {list(spec.shape)}"
    if isinstance(spec, ColSpec):
        return f"{_text(spec.type)} ({'required' if spec.required else 'optional'})"
    return repr(spec)


# ---- the rule table, read for two declared types ----------------------------------------------------

def scalar_compatibility(old: DataType, new: DataType, compat: Compat | str = Compat.STRICT) -> tuple[bool, str]:
    """(compatible, why) for a scalar retype, read from the rule table.

    Compatible when every found kind ``old`` accepts (converted, or checked per value) is accepted by
    ``new`` with no per-value check that ``old`` did not make too. All-null columns are left out: the
    null policy (``required``) decides them, not the type.
    """
    compat = Compat.parse(compat)
    refused: list[str] = []
    checked: list[str] = []
    for found in Found:
        if found in COMPOSITE_KINDS or found in (Found.OTHER, Found.NULL):
            continue
        before = decide(found, old, compat)
        if not before.accepted:
            continue
        after = decide(found, new, compat)
        if not after.accepted:
            refused.append(found.value)
        elif after.check is not None and after.check != before.check:
            checked.append(f"{found.value} {VALUE_CHECK_TEXT[after.check][1]}")
    if refused:
        return False, f"{new.name} refuses {', '.join(refused)} values that {old.name} accepts"
    if checked:
        return False, f"{new.name} accepts {'; '.join(checked)}, {old.name} accepts every value"
    return True, f"{new.name} accepts every value {old.name} accepts"


def _kind_name(spec: Any) -> str:
    if isinstance(spec, SparkMLVector):
        return "vector"
    for cls, name in ((DataType, "scalar"), (Array, "array"), (Map, "map"), (Object, "object"), (AnyType, "any")):
        if isinstance(spec, cls):
            return name
    return type(spec).__name__


def _is_double_array(spec: Any) -> bool:
    return isinstance(spec, Array) and spec.dtype == DataType.double


class _Differ:
    def __init__(self, compat: Compat) -> None:
        self.compat = compat

    # -- input types (what fits old must fit new) --------------------------------------------------

    def input_type(self, path: str, old: Any, new: Any) -> list[Change]:
        vector_pair = isinstance(old, SparkMLVector) != isinstance(new, SparkMLVector)
        if not vector_pair and old == new:
            return []
        if isinstance(new, AnyType):
            return [_compatible(path, ChangeKind.RETYPED, old, new, "new accepts any value")]
        if isinstance(old, AnyType):
            return [_breaking(path, ChangeKind.RETYPED, old, new, f"old accepted any value, new only {new!r}")]
        if isinstance(old, DataType) and isinstance(new, DataType):
            ok, why = scalar_compatibility(old, new, self.compat)
            return [(_compatible if ok else _breaking)(path, ChangeKind.RETYPED, old, new, why)]
        if vector_pair and _is_double_array(old) and _is_double_array(new):
            return [_compatible(path, ChangeKind.RETYPED, old, new,
                                "both accept array<double> columns and pyspark.ml vectors")]
        if isinstance(old, Array) and isinstance(new, Array) and not vector_pair:
            return self.input_type(paths.any_element(path), old.dtype, new.dtype)
        if isinstance(old, Map) and isinstance(new, Map):
            return self.input_type(paths.any_value(path), old.value_type, new.value_type)
        if isinstance(old, Object) and isinstance(new, Object):
            return self.properties(path, old, new)
        return [_breaking(path, ChangeKind.RETYPED, old, new,
                          f"new refuses {_kind_name(old)} values (it declares {_kind_name(new)})")]

    def properties(self, path: str, old: Object, new: Object) -> list[Change]:
        before = {p.name: p for p in old.properties}
        after = {p.name: p for p in new.properties}
        changes: list[Change] = []
        for name in sorted(before.keys() | after.keys()):
            where = paths.field(path, name)
            a, b = before.get(name), after.get(name)
            if b is None:
                changes.append(_breaking(where, ChangeKind.REMOVED, a, None,
                                         "new refuses structs that still carry the field (extra_property)"))
            elif a is None:
                if b.required:
                    changes.append(_breaking(where, ChangeKind.ADDED, None, b,
                                             "new required property: structs without it are refused"))
                else:
                    changes.append(_compatible(where, ChangeKind.ADDED, None, b, "new optional property"))
            else:
                changes.extend(self.required(where, a.required, b.required, a, b))
                changes.extend(self.input_type(where, a.dtype, b.dtype))
        return changes

    @staticmethod
    def required(path: str, old: bool, new: bool, a: Any, b: Any) -> list[Change]:
        if old == new:
            return []
        if old:
            return [_compatible(path, ChangeKind.MADE_OPTIONAL, a, b,
                                "required -> optional: nulls and absence accepted")]
        return [_breaking(path, ChangeKind.MADE_REQUIRED, a, b, "optional -> required: nulls or absence refused")]

    # -- schemas -------------------------------------------------------------------------------------

    @staticmethod
    def _keyed(schema: Schema | None) -> dict[Any, ColSpec | TensorSpec]:
        if schema is None:
            return {}
        if schema.has_input_names():
            return {str(s.name): s for s in schema.inputs}
        return dict(enumerate(schema.inputs))

    @staticmethod
    def _path(part: str, key: Any) -> str:
        return paths.index(part, key) if isinstance(key, int) else paths.field(part, key)

    def matching(self, part: str, old: Schema | None, new: Schema | None) -> Change | None:
        if old is None or new is None:
            return None
        if old.is_tensor_spec() != new.is_tensor_spec():
            kinds = ("tensors" if old.is_tensor_spec() else "columns", "tensors" if new.is_tensor_spec() else "columns")
            return _breaking(part, ChangeKind.MATCHING, kinds[0], kinds[1], f"{kinds[0]} -> {kinds[1]}")
        if old.has_input_names() != new.has_input_names():
            how = ("by name" if old.has_input_names() else "by position", "by name" if new.has_input_names()
                   else "by position")
            return _breaking(part, ChangeKind.MATCHING, how[0], how[1], f"columns matched {how[0]} -> {how[1]}")
        return None

    def pairs(self, part: str, old: Schema | None, new: Schema | None) -> Iterator[tuple[str, Any, Any]]:
        """(path, old spec, new spec) per column of either side, matched by name (or position)."""
        before, after = self._keyed(old), self._keyed(new)
        for key in [*before, *(k for k in after if k not in before)]:
            yield self._path(part, key), before.get(key), after.get(key)

    def inputs(self, old: Schema | None, new: Schema | None) -> list[Change]:
        switched = self.matching("inputs", old, new)
        if switched is not None:
            return [switched]
        changes: list[Change] = []
        for where, a, b in self.pairs("inputs", old, new):
            if b is None:
                changes.append(_compatible(where, ChangeKind.REMOVED, a, None,
                                           "new ignores input columns it does not declare"))
            elif a is None:
                if b.required:
                    changes.append(_breaking(where, ChangeKind.ADDED, None, b,
                                             "new required input: inputs without it are refused"))
                else:
                    changes.append(_compatible(where, ChangeKind.ADDED, None, b, "new optional input"))
            elif isinstance(a, TensorSpec) and isinstance(b, TensorSpec):
                changes.extend(self.tensor(where, a, b))
            elif isinstance(a, ColSpec) and isinstance(b, ColSpec):
                changes.extend(self.required(where, a.required, b.required, a, b))
                changes.extend(self.input_type(where, a.type, b.type))
        return changes

    @staticmethod
    def tensor(path: str, old: TensorSpec, new: TensorSpec) -> list[Change]:
        changes: list[Change] = []
        if old.type != new.type:
            changes.append(_breaking(path, ChangeKind.TENSOR_DTYPE, old, new,
                                     f"dtype {old.type.name} -> {new.type.name}: tensor dtypes are never converted"))
        if old.shape != new.shape:
            if len(old.shape) != len(new.shape):
                changes.append(_breaking(path, ChangeKind.TENSOR_SHAPE, old, new,
                                         f"{len(old.shape)} dimensions -> {len(new.shape)}"))
            else:
                fixed = [i for i, (s, t) in enumerate(zip(old.shape, new.shape, strict=True)) if t not in (s, -1)]
                if fixed:
                    changes.append(_breaking(path, ChangeKind.TENSOR_SHAPE, old, new,
                                             f"dimension {fixed[0]} {old.shape[fixed[0]]} -> {new.shape[fixed[0]]}"))
                else:
                    changes.append(_compatible(path, ChangeKind.TENSOR_SHAPE, old, new,
                                               "only relaxed to -1: every shape old accepts, new accepts"))
        return changes

    def outputs(self, old: Schema | None, new: Schema | None) -> list[Change]:
        """Outputs are the model's promise to its consumers: anything but an addition breaks them."""
        switched = self.matching("outputs", old, new)
        if switched is not None:
            return [switched]
        changes: list[Change] = []
        for where, a, b in self.pairs("outputs", old, new):
            if b is None:
                changes.append(_breaking(where, ChangeKind.REMOVED, a, None, "consumers of the output lose it"))
            elif a is None:
                changes.append(_compatible(where, ChangeKind.ADDED, None, b, "new output"))
            elif isinstance(a, TensorSpec) and isinstance(b, TensorSpec):
                if a != b:
                    kind = ChangeKind.TENSOR_DTYPE if a.type != b.type else ChangeKind.TENSOR_SHAPE
                    changes.append(_breaking(where, kind, a, b, "output retyped: consumers read another tensor"))
            elif isinstance(a, ColSpec) and isinstance(b, ColSpec):
                if a.required and not b.required:
                    changes.append(_breaking(where, ChangeKind.MADE_OPTIONAL, a, b, "consumers may now get nulls"))
                elif b.required and not a.required:
                    changes.append(_compatible(where, ChangeKind.MADE_REQUIRED, a, b, "consumers get no nulls"))
                retyped = isinstance(a.type, SparkMLVector) != isinstance(b.type, SparkMLVector) or a.type != b.type
                if retyped:
                    changes.append(_breaking(where, ChangeKind.RETYPED, a.type, b.type,
                                             "output retyped: consumers read another type"))
        return changes

    @staticmethod
    def params(old: ParamSchema | None, new: ParamSchema | None) -> list[Change]:
        before = {p.name: p for p in (old.params if old is not None else [])}
        after = {p.name: p for p in (new.params if new is not None else [])}
        changes: list[Change] = []
        for name in [*before, *(n for n in after if n not in before)]:
            where = paths.field("params", name)
            a, b = before.get(name), after.get(name)
            if b is None:
                changes.append(_compatible(where, ChangeKind.REMOVED, a, None,
                                           "unknown params are dropped with a warning"))
            elif a is None:
                changes.append(_compatible(where, ChangeKind.ADDED, None, b, "calls without it get the default"))
            else:
                if a.dtype != b.dtype:
                    changes.append(_breaking(where, ChangeKind.RETYPED, a.dtype, b.dtype,
                                             "values of the old type may not convert"))
                if a.shape != b.shape:
                    changes.append(_breaking(where, ChangeKind.PARAM_SHAPE, a.shape, b.shape,
                                             "scalar <-> list: old values are refused"))
                if a.dtype == b.dtype and a.shape == b.shape and a != b:
                    changes.append(_compatible(where, ChangeKind.PARAM_DEFAULT, a.default, b.default,
                                               "calls without the param now get another default"))
        return changes


@dataclass
class SignatureDiff:
    """The changes from ``old`` to ``new``; ``str()`` and ``html()`` render them (same renderer as reports)."""

    old: str
    new: str
    compat: Compat
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.is_breaking]

    @property
    def compatible(self) -> list[Change]:
        return [c for c in self.changes if not c.is_breaking]

    @property
    def is_breaking(self) -> bool:
        return any(c.is_breaking for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "compat": self.compat.value, "is_breaking": self.is_breaking,
                "changes": [c.to_dict() for c in self.changes]}

    def text(self, width: int = 100) -> str:
        from spark_signature.report import render_diff_text

        return render_diff_text(self.to_dict(), width=width)

    def html(self) -> str:
        """A self-contained HTML page."""
        from spark_signature.report import render_diff_html

        return render_diff_html(self.to_dict())

    def _repr_html_(self) -> str:
        from spark_signature.report import render_diff_html

        return render_diff_html(self.to_dict(), full_page=False)

    def __str__(self) -> str:
        return self.text()

    __repr__ = __str__


def diff(old: Any, new: Any, *, compat: Compat | str = Compat.STRICT) -> SignatureDiff:
    """The changes from ``old`` to ``new`` (signatures, Schemas, model URIs, StructTypes, DataFrames).

    ``compat`` picks the rule table the scalar retypes are read from (as ``enforce(compat=...)``). When
    either side is only an inputs schema (a Schema, a StructType, a DataFrame), only the inputs are
    compared: that side's outputs and params are unknown, not removed.
    """
    from spark_signature.sources import describe_source, describes_inputs_only, signature_of

    compat = Compat.parse(compat)
    a, b = signature_of(old), signature_of(new)
    differ = _Differ(compat)
    changes = differ.inputs(a.inputs, b.inputs)
    if not (describes_inputs_only(old) or describes_inputs_only(new)):
        changes += [*differ.outputs(a.outputs, b.outputs), *differ.params(a.params, b.params)]
    return SignatureDiff(describe_source(old), describe_source(new), compat, changes)

