"""What differs between the Spark lines we support (3.5 LTS, 4.0 - 4.3): one home, so no other module
compares Spark versions or probes for an API.

* **Versions**: the installed pyspark, its line (``(3, 5)``), the Scala suffix of its pip package
  (2.12 for 3.5, 2.13 for 4.x: the Delta jar must match it).
* **Types**: ``VARIANT`` exists from Spark 4.0; on 3.5 asking for it is a :class:`TypeMappingError`
  naming the installed version, never an ``AttributeError`` from deep inside.
* **Observation**: whether ``DataFrame.observe`` metrics are filled yet, without blocking (``get``
  blocks until an action ran) on classic 3.5/4.x and under Spark Connect.
* **Spark Connect**: whether the client can be used, and whether an object belongs to it.
* **Arrow**: the Arrow schema of a Spark schema (newer pyspark, 4.2 and 4.3 at least, takes
  ``timezone=`` in ``to_arrow_schema`` and refuses timestamps without it), a Spark DataFrame as a
  ``pyarrow.Table`` (``toArrow`` is 4.0+).
* **Error classes**: ``getCondition`` (4.0+) vs ``getErrorClass`` (3.4+).

Importing this module loads neither pyspark nor pyarrow; every helper imports what it needs.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata
from typing import Any

from spark_signature.errors import ConfigError, TypeMappingError

__all__ = [
    "NEWEST_SPARK_LINE",
    "OLDEST_SPARK_LINE",
    "VARIANT_SINCE",
    "arrow_table",
    "connect_available",
    "error_condition",
    "has_variant",
    "is_connect",
    "is_variant",
    "observation_is_filled",
    "observation_metrics",
    "parse_version",
    "scala_binary_version",
    "spark_line",
    "spark_version",
    "supported_spark_line",
    "to_arrow_schema",
    "variant_skip_reason",
    "variant_type",
]

#: The Spark lines this package is built and tested for (inclusive). pyproject.toml says the same.
OLDEST_SPARK_LINE = (3, 5)
NEWEST_SPARK_LINE = (4, 3)
#: The first Spark line with the VARIANT type (``pyspark.sql.types.VariantType``).
VARIANT_SINCE = (4, 0)

_VERSION = re.compile(r"^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


# --------------------------------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------------------------------


def parse_version(version: str) -> tuple[int, int, int]:
    """``"3.5.9"`` -> ``(3, 5, 9)``; suffixes (``.dev0``, ``rc1``, ``+databricks``) are ignored."""
    match = _VERSION.match(version)
    if match is None:
        raise ConfigError(f"cannot read a version number from {version!r}", found=version)
    return tuple(int(part or 0) for part in match.groups())  # type: ignore[return-value]


@cache
def spark_version() -> str:
    """The installed pyspark's version: its pip metadata, else ``pyspark.__version__`` (e.g. a
    runtime that puts pyspark on ``sys.path`` without pip metadata)."""
    try:
        return metadata.version("pyspark")
    except metadata.PackageNotFoundError:
        pass
    try:
        import pyspark
    except ImportError as exc:
        raise ConfigError(
            "pyspark is not installed",
            hint="pip install 'pyspark>=3.5,<4.4' (or use the Spark runtime's own pyspark).",
        ) from exc
    return pyspark.__version__


def spark_line(version: str | None = None) -> tuple[int, int]:
    """The ``(major, minor)`` line of ``version`` (default: the installed pyspark)."""
    major, minor, _ = parse_version(version or spark_version())
    return major, minor


def supported_spark_line(version: str | None = None) -> bool:
    """True if ``version`` (default: installed) is within the lines this package is tested on."""
    return OLDEST_SPARK_LINE <= spark_line(version) <= NEWEST_SPARK_LINE


def scala_binary_version(version: str | None = None) -> str:
    """Scala suffix of the pip pyspark: Spark 3.5's package is built with Scala 2.12, 4.x with 2.13.

    Jars loaded into that JVM (Delta's included) must carry the same suffix.
    """
    return "2.12" if spark_line(version) < (4, 0) else "2.13"


# --------------------------------------------------------------------------------------------------
# Types that only some lines have
# --------------------------------------------------------------------------------------------------


def has_variant() -> bool:
    """True if the installed pyspark has ``VariantType`` (Spark 4.0+)."""
    from pyspark.sql import types as T

    return hasattr(T, "VariantType")


def variant_skip_reason() -> str:
    """Why a VARIANT test cannot run here (for ``pytest.mark.skipif(not has_variant(), reason=...)``)."""
    return f"VARIANT needs Spark {'.'.join(map(str, VARIANT_SINCE))}+; this is pyspark {spark_version()}"


def variant_type(path: str = "") -> Any:
    """``VariantType()``, or a TypeMappingError on a Spark line without it (3.5)."""
    from pyspark.sql import types as T

    variant = getattr(T, "VariantType", None)
    if variant is None:
        where = f"column `{path}`" if path else "the value"
        raise TypeMappingError(
            f"{where}: AnyType() maps to Spark's VARIANT type, which Spark "
            f"{'.'.join(map(str, VARIANT_SINCE))} introduced; the installed pyspark is {spark_version()}.",
            path=path or None,
            expected=f"pyspark >= {'.'.join(map(str, VARIANT_SINCE))}",
            found=f"pyspark {spark_version()}",
            hint="Run on Spark 4.0 or newer, or give the column a concrete type in the signature "
            "(e.g. DataType.string holding JSON).",
        )
    return variant()


def is_variant(spark_type: Any) -> bool:
    """True for a ``VariantType`` instance; always False on lines without the type."""
    from pyspark.sql import types as T

    variant = getattr(T, "VariantType", None)
    return variant is not None and isinstance(spark_type, variant)


# --------------------------------------------------------------------------------------------------
# Spark Connect
# --------------------------------------------------------------------------------------------------


def is_connect(obj: Any) -> bool:
    """True if ``obj`` (a session, DataFrame, Column or Observation) belongs to the Spark Connect client.

    Decided from the object's class, so it never imports the Connect client (which needs grpc).
    """
    return any(cls.__module__.startswith("pyspark.sql.connect") for cls in type(obj).__mro__)


@cache
def connect_available() -> bool:
    """True if this pyspark can start a Spark Connect client (3.4+ with grpcio & co. installed)."""
    try:
        from pyspark.sql.connect.utils import check_dependencies

        check_dependencies("pyspark.sql.connect")
    except Exception:  # ImportError, or pyspark's own "missing dependency" error
        return False
    return True


# --------------------------------------------------------------------------------------------------
# Observation
# --------------------------------------------------------------------------------------------------


def observation_metrics(observation: Any, session: Any = None) -> dict[str, Any] | None:
    """The metrics of an ``Observation`` once an action has filled them, else None. Never blocks.

    ``Observation.get`` cannot answer "filled yet?": on classic Spark it blocks until an action ran
    (forever if none will). Under Spark Connect ``get`` is the public, non-blocking answer: ``{}`` until
    the metrics came back with an action's result. Classic PySpark (3.5 - 4.3) has no public Python call:
    the JVM Observation's public ``future`` (Spark 3.5+) says it, reached through PySpark's handle to it.
    The future is completed by a listener, shortly *after* the action returned; with ``session`` the
    listener bus is drained first (it only holds events already posted), so an action that returned is
    seen. Anything unexpected counts as "not filled", which only costs the caller a counting pass.
    """
    if is_connect(observation):
        try:
            metrics = observation.get
        except Exception:  # not attached to a DataFrame yet, or the observed action failed
            return None
        return dict(metrics) if metrics else None
    handle = getattr(observation, "_jo", None)
    if handle is None:  # not attached to a DataFrame yet
        return None
    try:
        if not handle.future().isCompleted() and session is not None:
            session.sparkContext._jsc.sc().listenerBus().waitUntilEmpty()
        if handle.future().isCompleted():
            return dict(observation.get)
    except Exception:
        pass
    return None


def observation_is_filled(observation: Any, session: Any = None) -> bool:
    """True once an action over the observed DataFrame has completed (see :func:`observation_metrics`)."""
    return observation_metrics(observation, session) is not None


# --------------------------------------------------------------------------------------------------
# Arrow
# --------------------------------------------------------------------------------------------------


@cache
def _to_arrow_schema_takes_timezone() -> bool:
    import inspect

    from pyspark.sql.pandas.types import to_arrow_schema

    return "timezone" in inspect.signature(to_arrow_schema).parameters


def to_arrow_schema(spark_schema: Any, timezone: str = "UTC") -> Any:
    """The Arrow schema of a Spark ``StructType``, as pyspark converts it for Arrow batches.

    pyspark 3.5 and 4.0 always give timestamps ``tz="UTC"``; newer lines (4.2 and 4.3 at least) take the
    zone as ``timezone=`` and fail on a timestamp without one; the signature decides which call fits.
    ``mapInArrow`` batches carry the session time zone, which get_spark sets to UTC.
    """
    from pyspark.sql.pandas.types import to_arrow_schema as convert

    if _to_arrow_schema_takes_timezone():
        return convert(spark_schema, timezone=timezone)
    return convert(spark_schema)


def arrow_table(df: Any) -> Any:
    """A (small, already reduced) Spark DataFrame as a ``pyarrow.Table``: ``toArrow`` on 4.0+, the
    batches ``toPandas`` uses internally on 3.5. Collects to the driver: never for the data set."""
    if hasattr(df, "toArrow"):
        return df.toArrow()
    import pyarrow as pa

    batches = df._collect_as_arrow()
    return pa.Table.from_batches(batches, schema=None if batches else to_arrow_schema(df.schema))


# --------------------------------------------------------------------------------------------------
# Error classes
# --------------------------------------------------------------------------------------------------


def error_condition(exc: BaseException) -> str | None:
    """The error class of a PySpark exception (``"UNRESOLVED_COLUMN.WITH_SUGGESTION"``), or None.

    Spark 4.0 renamed ``getErrorClass`` to ``getCondition`` (and deprecated the old name).
    """
    for name in ("getCondition", "getErrorClass"):
        method = getattr(exc, name, None)
        if callable(method):
            try:
                value = method()
            except Exception:
                continue
            if value:
                return str(value)
    return None
