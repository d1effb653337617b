"""Inference params against a ParamSchema: MLflow's ``_enforce_params_schema`` contract.

Unknown params are dropped with a warning (not refused), missing ones get their default, and every
invalid param is reported at once, so a caller fixes all of them in one round.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from spark_signature.errors import ParamsValidationError, Rule, SignatureError
from spark_signature.types.params import ParamSchema, ParamSpec

_logger = logging.getLogger(__name__)


def validate_params(params: dict[str, Any] | None, param_schema: ParamSchema | None) -> dict[str, Any]:
    """The params to pass to the model: validated, converted, with defaults filled in.

    * ``None`` -> ``{}`` (deviation: MLflow returns None itself when there is no schema).
    * No schema: any non-empty params are dropped with a WARNING; returns ``{}``.
    * Non-str keys are converted with ``str()`` (WARNING); unknown keys are dropped (WARNING).
    * Result order: the provided keys as given, then the missing defaults in schema order.
    * All invalid params are collected into one :class:`ParamsValidationError` whose ``errors``
      attribute lists ``(name, message)`` pairs in schema order.
    """
    if param_schema is None:
        if params:
            shown = (
                f"Ignoring provided params: {list(params)}"
                if isinstance(params, dict)
                else ("Ignoring invalid params (not a dictionary).")
            )
            _logger.warning(
                "`params` can only be specified at inference time if the model signature defines a "
                "params schema. This model does not define a params schema. %s",
                shown,
            )
        return {}
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ParamsValidationError(
            f"Parameters must be a dictionary. Got type '{type(params).__name__}'.",
            rule=Rule.INVALID_PARAM,
            found=params,
        )
    if not isinstance(param_schema, ParamSchema):
        raise ParamsValidationError(
            f"Parameters schema must be an instance of ParamSchema. Got type '{type(param_schema).__name__}'.",
            rule=Rule.INVALID_PARAM,
        )
    if any(not isinstance(k, str) for k in params):
        _logger.warning("Keys in parameters should be of type `str`; converting all keys to string.")
        params = {str(k): v for k, v in params.items()}

    specs = {spec.name: spec for spec in param_schema.params}
    unknown = [k for k in params if k not in specs]
    if unknown:
        _logger.warning(
            "Unrecognized params %s are ignored for inference. Supported params are: %s. "
            "To enable them, please add corresponding schema in ModelSignature.",
            unknown,
            list(specs),
        )
    result = {k: v for k, v in params.items() if k in specs}
    errors: list[tuple[str, str]] = []
    for spec in param_schema.params:
        if spec.name in result:
            try:
                result[spec.name] = ParamSpec.validate_param_spec(result[spec.name], spec)
            except SignatureError as exc:
                errors.append((spec.name, exc.message))
        else:
            result[spec.name] = copy.deepcopy(spec.default)
    if errors:
        exc = ParamsValidationError(
            f"Invalid parameters found: {errors!r}",
            rule=Rule.INVALID_PARAM,
            path=", ".join(name for name, _ in errors),
            found={name: params.get(name) for name, _ in errors},
        )
        exc.errors = errors
        raise exc
    return result
