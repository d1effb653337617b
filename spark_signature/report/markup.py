"""Escape-by-default HTML building: every string is escaped unless it is :class:`Safe` markup.

The report shows column names, values and messages taken from data and models we did not write, so the
renderer never formats HTML with f-strings around data: :func:`el` escapes text children and attribute
values itself, and only the fragments it returned (``Safe``) pass through unchanged. This is the whole
"template engine" (Jinja2's autoescape, in a page of standard library).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

__all__ = ["Safe", "el", "esc", "join"]


class Safe(str):
    """A markup fragment built by :func:`el` (or a trusted constant): inserted as is."""

    __slots__ = ()


def esc(value: Any) -> Safe:
    """``value`` as text, HTML-escaped (quotes included, so it is safe in attributes too)."""
    if isinstance(value, Safe):
        return value
    return Safe(html.escape("" if value is None else str(value), quote=True))


def join(parts: Iterable[Any], sep: str = "") -> Safe:
    """Children concatenated, each escaped unless Safe."""
    return Safe(sep.join(esc(p) for p in parts))


_VOID = frozenset({"br", "hr", "meta", "img", "col"})


def el(tag: str, *children: Any, **attrs: Any) -> Safe:
    """``<tag attrs>children</tag>``; ``class_`` is ``class``, ``data_x`` is ``data-x``; None attrs are dropped.

    Lists and tuples among the children are flattened; None children are skipped.
    """
    parts = [tag]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(name if value is True else f'{name}="{esc(value)}"')
    head = "<" + " ".join(parts) + ">"
    if tag in _VOID:
        return Safe(head)
    body = join(_flatten(children))
    return Safe(f"{head}{body}</{tag}>")


def _flatten(children: Iterable[Any]) -> Iterable[Any]:
    for child in children:
        if child is None:
            continue
        if isinstance(child, (list, tuple)):
            yield from _flatten(child)
        else:
            yield child
