"""The one path syntax: where in a value a column, field, element or map value sits.

Every error, quarantine row, report and profile names positions the same way:

=================  ==================  ============================================
position           syntax              example
=================  ==================  ============================================
top-level column   ``name``            ``address``
struct field       ``parent.field``    ``address.zip``, ``f.items[1].price``
array element      ``parent[i]``       ``tags[3]``, ``images[3][27][0]``
map value          ``parent['key']``   ``m['k']`` (a ``'`` or ``\\`` in the key is escaped with ``\\``)
any element        ``parent[]``        ``tags[]`` (plan-level: no row is meant)
any map value      ``parent{}``        ``m{}`` (plan-level)
=================  ==================  ============================================

The concrete forms (index, key) come from data and are built vectorized by the Arrow kernels from the
constants below; the ``[]`` / ``{}`` forms describe a position of the signature itself (plan errors,
type-mapping errors, inference profiles). Names are written as they are: a column called ``a.b`` gives
the path ``a.b``.
"""

from __future__ import annotations

FIELD_SEP = "."
INDEX_OPEN, INDEX_CLOSE = "[", "]"
KEY_OPEN, KEY_CLOSE = "['", "']"
ANY_ELEMENT = "[]"
ANY_VALUE = "{}"


def field(parent: str, name: object) -> str:
    """``parent.name``; just ``name`` at the top level (empty parent)."""
    return f"{parent}{FIELD_SEP}{name}" if parent else str(name)


def index(parent: str, i: int) -> str:
    """``parent[i]``: the i-th element of an array (0-based)."""
    return f"{parent}{INDEX_OPEN}{i}{INDEX_CLOSE}"


def escape_key(key: str) -> str:
    """A map key as written inside ``['...']``."""
    return key.replace("\\", "\\\\").replace("'", "\\'")


def key(parent: str, k: str) -> str:
    """``parent['k']``: the value at key ``k`` of a map."""
    return f"{parent}{KEY_OPEN}{escape_key(str(k))}{KEY_CLOSE}"


def any_element(parent: str) -> str:
    """``parent[]``: every element of an array (a position of the signature, not of a row)."""
    return f"{parent}{ANY_ELEMENT}"


def any_value(parent: str) -> str:
    """``parent{}``: every value of a map (a position of the signature, not of a row)."""
    return f"{parent}{ANY_VALUE}"
