"""ModelSignature: input schema, output schema and params schema, as stored in an MLmodel file."""

from __future__ import annotations

from typing import Any

from spark_signature.errors import SchemaDefinitionError
from spark_signature.types._format import describe, format_error, loads
from spark_signature.types.params import ParamSchema, parse_param_schema
from spark_signature.types.schema import Schema, parse_schema

_PARTS = ("inputs", "outputs", "params")


class ModelSignature:
    """Inputs/outputs (:class:`Schema`) and params (:class:`ParamSchema`); at least one is given.

    ``_is_signature_from_type_hint`` and ``_is_type_hint_from_example`` mirror MLflow's flags, which
    the MLmodel file carries next to the signature.
    """

    def __init__(
        self, inputs: Schema | None = None, outputs: Schema | None = None, params: ParamSchema | None = None
    ) -> None:
        for part, value, cls in (
            ("inputs", inputs, Schema),
            ("outputs", outputs, Schema),
            ("params", params, ParamSchema),
        ):
            if value is not None and not isinstance(value, cls):
                raise SchemaDefinitionError(
                    f"{part} must be either None or a {cls.__name__}, got '{type(value).__name__}'",
                    found=value,
                )
        if inputs is None and outputs is None and params is None:
            raise SchemaDefinitionError("At least one of inputs, outputs or params must be provided")
        self.inputs = inputs
        self.outputs = outputs
        self.params = params
        self._is_signature_from_type_hint = False
        self._is_type_hint_from_example = False

    def to_dict(self) -> dict[str, str | None]:
        """Each part as a JSON string (None when absent; an empty ParamSchema is absent, as in MLflow)."""
        return {
            "inputs": self.inputs.to_json() if self.inputs else None,
            "outputs": self.outputs.to_json() if self.outputs else None,
            "params": self.params.to_json() if self.params else None,
        }

    @classmethod
    def from_dict(cls, signature_dict: dict[str, Any], *, path: str = "") -> ModelSignature:
        """Parse ``{"inputs": json, "outputs": json, "params": json}``; falsy parts are absent.

        Each part may also be an already-parsed JSON list. Errors are SignatureFormatError whose
        path starts with the part name (``inputs[2].items.type``), prefixed by ``path`` if given.
        """
        if not isinstance(signature_dict, dict):
            raise format_error(
                path or "signature",
                f"expected a mapping with inputs/outputs/params, got {describe(signature_dict)}",
            )
        parsed: dict[str, Any] = {}
        for part in _PARTS:
            value = signature_dict.get(part)
            where = f"{path}.{part}" if path else part
            if not value:
                parsed[part] = None
                continue
            items = value if isinstance(value, list) else loads(value, where)
            parsed[part] = parse_param_schema(items, where) if part == "params" else parse_schema(items, where)
        if all(v is None for v in parsed.values()):
            raise format_error(
                path or "signature",
                "At least one of inputs, outputs or params must be provided",
                fix="A signature block needs a non-empty `inputs`, `outputs` or `params` JSON string.",
            )
        return cls(**parsed)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ModelSignature)
            and self.inputs == other.inputs
            and self.outputs == other.outputs
            and self.params == other.params
        )

    def __repr__(self) -> str:
        return f"inputs: \n  {self.inputs!r}\noutputs: \n  {self.outputs!r}\nparams: \n  {self.params!r}\n"
