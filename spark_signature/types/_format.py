"""Helpers that turn malformed signature JSON into :class:`SignatureFormatError` with a JSON path.

Parsing code calls these instead of indexing blindly, so a bad document never leaks a raw
``KeyError``/``TypeError``; the message says where (``inputs[2].items.type``), what and how to fix it.
"""

from __future__ import annotations

import json
from typing import Any

from spark_signature.errors import SignatureError, SignatureFormatError


def format_error(path: str, problem: str, fix: str | None = None, found: Any = None) -> SignatureFormatError:
    """A SignatureFormatError whose message starts with the JSON path."""
    where = path or "<root>"
    return SignatureFormatError(f"Malformed signature at {where}: {problem}", path=where, found=found, hint=fix)


def child(path: str, key: str | int) -> str:
    """The JSON path of ``key`` under ``path`` (``inputs[2]`` + ``items`` -> ``inputs[2].items``)."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def describe(value: Any) -> str:
    """A short JSON-ish description of a value for messages (``a string 'x'``, ``null``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {json.dumps(value)}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, dict):
        return f"an object with keys {sorted(map(str, value))}"
    return f"a value of type {type(value).__name__}"


def expect_dict(value: Any, path: str, what: str) -> dict[str, Any]:
    """``value`` when it is a JSON object, else a format error naming ``what`` was expected."""
    if not isinstance(value, dict):
        raise format_error(path, f"expected {what} (a JSON object), got {describe(value)}", found=value)
    return value


def expect_list(value: Any, path: str, what: str) -> list[Any]:
    """``value`` when it is a JSON array, else a format error."""
    if not isinstance(value, list):
        raise format_error(path, f"expected {what} (a JSON array), got {describe(value)}", found=value)
    return value


def require_key(obj: dict[str, Any], key: str, path: str, what: str) -> Any:
    """``obj[key]``, or a format error saying the key is missing and which keys were present."""
    if key not in obj:
        raise format_error(
            child(path, key),
            f"missing key '{key}' in {what}; found keys {sorted(obj)}",
            fix=f"Add a '{key}' entry to the {what}.",
        )
    return obj[key]


def loads(text: Any, path: str) -> Any:
    """Parse a JSON document (NaN tokens allowed, as MLflow writes them) or raise a format error."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise format_error(path, f"expected a JSON string, got {describe(text)}", found=text)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise format_error(path, f"not valid JSON ({exc})", fix="Check the quoting and brackets.") from exc


def rewrap(exc: SignatureError, path: str) -> SignatureFormatError:
    """A construction error raised while loading, re-raised as a format error at ``path``."""
    if isinstance(exc, SignatureFormatError):
        return exc
    return format_error(path, exc.message, fix=exc.hint, found=exc.found)
