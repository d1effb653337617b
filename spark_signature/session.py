"""The one place that builds a SparkSession: Delta configured, jars resolved once and then reused offline.

Three situations, one entry point (:func:`get_spark`):

* **Spark Connect** (``remote="sc://host:port"`` or ``$SPARK_REMOTE``): a Connect client session
  (:func:`spark_signature.connect.remote_session`); the server's configuration is its owner's.

* **Under spark-submit** (or when a SparkContext already runs in this process) the configuration belongs
  to whoever launched the JVM, so we only ``getOrCreate()`` and add nothing. ``scripts/spark-submit``
  passes ``conf/spark-defaults.conf`` and the cached Delta jars, so jobs see the same settings as tests.
* **Plain Python** (tests, notebooks, ``python jobs/x.py``): we launch a local JVM ourselves from
  ``conf/spark-defaults.conf`` plus the Delta extension, the cached jars, UTC and Arrow.

Delta is optional: with delta-spark installed, the session gets the Delta jar built for the INSTALLED
pyspark (:func:`delta_artifact`: Scala 2.12 for Spark 3.5's pip package, 2.13 for 4.x; the Spark line in the
artifact name from Delta 4.1 on), or a :class:`ConfigError` naming the pair to install when the installed
delta-spark does not fit that pyspark. Without delta-spark the session starts without the Delta extension.

Delta jars: the first start sets ``spark.jars.packages`` (Ivy, network) with ``spark.jars.ivy`` inside the
project cache and records which jars Ivy retrieved in a manifest; every later start passes exactly those
files through ``spark.jars`` and never touches the network. pyspark is imported lazily so that
``python -m spark_signature.session --resolve`` costs no JVM once the jars are cached.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from spark_signature import compat
from spark_signature.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "CACHE_ENV",
    "CONF_ENV",
    "DEFAULT_MASTER",
    "DELTA_CATALOG",
    "DELTA_EXTENSION",
    "DELTA_FOR_SPARK",
    "DELTA_SPARK_LINES",
    "build_conf",
    "cache_dir",
    "cached_delta_jars",
    "default_conf_file",
    "delta_artifact",
    "delta_coordinates",
    "delta_installed",
    "delta_version",
    "get_spark",
    "parse_conf",
    "read_conf_file",
    "resolve_delta_jars",
    "source_checkout",
    "submit_args",
    "under_spark_submit",
]

log = logging.getLogger(__name__)

DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
DEFAULT_MASTER = "local[2]"
CACHE_ENV = "SPARK_SIGNATURE_CACHE"
CONF_ENV = "SPARK_SIGNATURE_CONF"

_PACKAGE_DIR = Path(__file__).resolve().parent

# What every local session gets before conf/spark-defaults.conf and the caller's conf are applied.
_DELTA_SETTINGS: dict[str, str] = {
    "spark.sql.extensions": DELTA_EXTENSION,
    "spark.sql.catalog.spark_catalog": DELTA_CATALOG,
}
_BASELINE: dict[str, str] = {
    **_DELTA_SETTINGS,
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

# java.util.Properties, which spark-submit uses to read --properties-file: the key ends at the first
# whitespace, '=' or ':'; the separator may be surrounded by blanks. Escapes and continuations are not
# supported here (we reject them below rather than read them differently from Spark).
_CONF_LINE = re.compile(r"^(?P<key>[^\s=:]+)\s*(?:[=:]|\s)\s*(?P<value>.*)$")


# --------------------------------------------------------------------------------------------------
# Where things live
# --------------------------------------------------------------------------------------------------


def source_checkout(package_dir: Path = _PACKAGE_DIR) -> Path | None:
    """The repository root if this package is imported from a source checkout (editable install)."""
    root = package_dir.parent
    pyproject = root / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    return root if re.search(r'(?m)^name\s*=\s*"spark_signature"', text) else None


def cache_dir(
    env: Mapping[str, str] | None = None,
    package_dir: Path = _PACKAGE_DIR,
    home: Path | None = None,
) -> Path:
    """Where Delta jars are cached: ``$SPARK_SIGNATURE_CACHE``, else ``<repo>/.cache`` in a checkout,
    else ``~/.cache/spark_signature``. Project-local by default so a clone carries no hidden state."""
    env = os.environ if env is None else env
    override = env.get(CACHE_ENV, "").strip()
    if override:
        return Path(override).expanduser().resolve()
    root = source_checkout(package_dir)
    if root is not None:
        return root / ".cache"
    return (home if home is not None else Path.home()) / ".cache" / "spark_signature"


def default_conf_file(env: Mapping[str, str] | None = None, package_dir: Path = _PACKAGE_DIR) -> Path | None:
    """``$SPARK_SIGNATURE_CONF``, else the checkout's ``conf/spark-defaults.conf`` (None if neither)."""
    env = os.environ if env is None else env
    override = env.get(CONF_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    root = source_checkout(package_dir)
    if root is not None and (root / "conf" / "spark-defaults.conf").is_file():
        return root / "conf" / "spark-defaults.conf"
    return None


# --------------------------------------------------------------------------------------------------
# conf/spark-defaults.conf
# --------------------------------------------------------------------------------------------------


def parse_conf(text: str, source: str = "<string>") -> dict[str, str]:
    """Parse spark-defaults.conf text the way spark-submit reads it, refusing what it would misread.

    Keys must start with ``spark.``: spark-submit silently drops other keys, so a typo would otherwise
    vanish without a trace.
    """
    result: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        where = f"{source}, line {number}"
        if line.endswith("\\"):
            raise ConfigError(
                f"{where}: line continuations ('\\' at end of line) are not supported: {raw!r}",
                path=where,
                hint="Put the whole value on one line.",
            )
        match = _CONF_LINE.match(line)
        if match is None or not match.group("value").strip():
            raise ConfigError(
                f"{where}: expected 'key value', found {raw!r}",
                path=where,
                expected="key value",
                found=raw,
                hint="Write one setting per line, e.g. 'spark.sql.shuffle.partitions 2'.",
            )
        key, value = match.group("key"), match.group("value").strip()
        if not key.startswith("spark."):
            raise ConfigError(
                f"{where}: key {key!r} does not start with 'spark.'; spark-submit would ignore it",
                path=where,
                found=key,
                hint="Check the key for a typo.",
            )
        result[key] = value
    return result


def read_conf_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read a spark-defaults.conf file; any problem (missing, unreadable, malformed) is a ConfigError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read Spark conf file {str(path)!r}: {exc}",
            path=str(path),
            hint=f"Fix the file, or point ${CONF_ENV} at a readable spark-defaults.conf.",
        ) from exc
    return parse_conf(text, source=str(path))


# --------------------------------------------------------------------------------------------------
# Delta jars
# --------------------------------------------------------------------------------------------------


#: Delta release line -> the Spark lines it publishes jars for (from Delta's release notes, the jars on
#: Maven Central and delta-spark's pip metadata, checked 2026-12). Delta 3.x is built for Spark 3.5 and
#: 4.0.x for Spark 4.0; from 4.1 on one Delta release ships one jar per Spark line, named after it
#: (``delta-spark_4.1_2.13``). A Delta line missing here is judged by its pip metadata alone.
DELTA_SPARK_LINES: dict[tuple[int, int], tuple[tuple[int, int], ...]] = {
    (3, 0): ((3, 5),),
    (3, 1): ((3, 5),),
    (3, 2): ((3, 5),),
    (3, 3): ((3, 5),),
    (4, 0): ((4, 0),),
    (4, 1): ((4, 0), (4, 1)),
    (4, 2): ((4, 0), (4, 1)),
    (4, 3): ((4, 0), (4, 1)),
    (4, 4): ((4, 0), (4, 1), (4, 2)),
}

#: Spark line -> (pyspark requirement, delta-spark version) of the pair the mismatch error tells the user
#: to install, or None where no Delta release is built for that line yet. pyproject.toml's ``deltaXY``
#: extras say the same (a test checks it); the pairs CI runs are pinned in constraints/.
DELTA_FOR_SPARK: dict[tuple[int, int], tuple[str, str] | None] = {
    (3, 5): ("pyspark>=3.5.3,<3.6", "3.3.3"),  # delta-spark 3.3 declares pyspark>=3.5.3
    (4, 0): ("pyspark>=4.0.0,<4.1", "4.0.1"),
    (4, 1): ("pyspark>=4.1.0,<4.2", "4.4.0"),
    (4, 2): ("pyspark==4.2.0", "4.4.0"),  # delta-spark 4.4 declares pyspark<=4.2.0
    (4, 3): None,
}


def delta_installed() -> bool:
    """True if the delta-spark pip package is installed (it is optional: the ``deltaXY`` extras)."""
    try:
        metadata.version("delta-spark")
    except metadata.PackageNotFoundError:
        return False
    return True


def delta_version() -> str:
    """The installed delta-spark pip version; its jars must match it exactly (as in delta.pip_utils)."""
    try:
        return metadata.version("delta-spark")
    except metadata.PackageNotFoundError as exc:
        raise ConfigError(
            "delta-spark is not installed, so the Delta jar version is unknown",
            hint="Install the delta-spark of your Spark line, e.g. pip install 'spark_signature[delta35]' on "
            "Spark 3.5, [delta40] on 4.0 (README 'Supported versions'; in a checkout: `make setup`).",
        ) from exc


def _delta_pyspark_requirement() -> str | None:
    """The ``pyspark`` requirement the installed delta-spark declares (e.g. ``pyspark<3.6.0,>=3.5.3``)."""
    from packaging.requirements import InvalidRequirement, Requirement

    for requirement in metadata.requires("delta-spark") or []:
        try:
            parsed = Requirement(requirement)
        except InvalidRequirement:
            continue
        if parsed.name == "pyspark" and parsed.marker is None:
            return requirement
    return None


def _line(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version[:2])


def _pair_hint(spark_version: str) -> str:
    """What to install instead: keep the user's pyspark when a Delta release fits it."""
    line = compat.spark_line(spark_version)
    if line not in DELTA_FOR_SPARK:
        oldest, newest = compat.OLDEST_SPARK_LINE, compat.NEWEST_SPARK_LINE
        return (
            f"Spark {_line(line)} is outside the lines spark_signature supports ({_line(oldest)} to "
            f"{_line(newest)}): install a pyspark of those lines and its Delta (README 'Supported versions')."
        )
    pair = DELTA_FOR_SPARK[line]
    if pair is None:
        lines_with_delta = sorted(k for k, v in DELTA_FOR_SPARK.items() if v is not None)
        newest = lines_with_delta[-1]
        newest_pair = DELTA_FOR_SPARK[newest]
        assert newest_pair is not None
        return (
            f"No Delta Lake release is built for Spark {_line(line)} yet. Either uninstall delta-spark "
            f"(`pip uninstall delta-spark`: spark_signature works without Delta, get_spark then starts "
            f"a session without it), or install a supported pair: pip install '{newest_pair[0]}' "
            f"'delta-spark=={newest_pair[1]}'."
        )
    pyspark_req, delta_pin = pair
    extra = f"spark_signature[delta{line[0]}{line[1]}]"
    from packaging.requirements import Requirement

    if Requirement(pyspark_req).specifier.contains(spark_version, prereleases=True):
        return (
            f"Keep pyspark {spark_version} and install its Delta: pip install 'delta-spark=={delta_pin}' "
            f"(or '{extra}')."
        )
    return f"Install a matching pair: pip install '{pyspark_req}' 'delta-spark=={delta_pin}' (or '{extra}')."


def delta_artifact(spark_version: str, delta: str, delta_requires: str | None = None) -> str:
    """Maven coordinates of the Delta jar for this pyspark and delta-spark (pure: testable offline).

    ``delta_requires`` is the ``pyspark`` requirement delta-spark's own metadata declares; pip checks it
    at install time, but a later ``pip install pyspark==...`` can break it, so it is checked again here.
    A pair that does not fit is a ConfigError naming the versions to install.
    """
    spark = compat.parse_version(spark_version)
    delta_v = compat.parse_version(delta)
    spark_line, delta_line = spark[:2], delta_v[:2]
    if delta_v[0] < 3 or (delta_v[0] == 3 and delta_line not in DELTA_SPARK_LINES):
        built_for: tuple[tuple[int, int], ...] | None = ((3, 5),) if delta_v[0] == 3 else ()
    else:
        built_for = DELTA_SPARK_LINES.get(delta_line)  # None: a Delta line newer than this table

    def mismatch(why: str) -> ConfigError:
        return ConfigError(
            f"delta-spark {delta} does not fit pyspark {spark_version}: {why}",
            expected=DELTA_FOR_SPARK.get(spark_line),
            found=f"pyspark {spark_version}, delta-spark {delta}",
            hint=_pair_hint(spark_version),
        )

    if built_for is not None and spark_line not in built_for:
        lines = f"Spark {', '.join(_line(line) for line in built_for)}" if built_for else "a Spark line before 3.5"
        raise mismatch(f"Delta {_line(delta_v)}.x is built for {lines}, this pyspark is Spark {_line(spark)}.")
    if delta_requires:
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            specifier = Requirement(delta_requires).specifier
        except InvalidRequirement:
            specifier = None
        if specifier is not None and not specifier.contains(spark_version, prereleases=True):
            raise mismatch(f"delta-spark {delta} itself requires {delta_requires}.")
    scala = compat.scala_binary_version(spark_version)
    if delta_v[:2] < (4, 1):
        return f"io.delta:delta-spark_{scala}:{delta}"
    return f"io.delta:delta-spark_{_line(spark)}_{scala}:{delta}"


def delta_coordinates(version: str | None = None, spark_version: str | None = None) -> str:
    """Maven coordinates of the Delta jar matching the installed delta-spark and pyspark."""
    if version is None:
        version = delta_version()
        requires = _delta_pyspark_requirement()
    else:
        requires = None
    return delta_artifact(spark_version or compat.spark_version(), version, requires)


def local_delta_jars(cache: Path | None = None, delta: bool | None = None) -> tuple[list[Path] | None, bool]:
    """(the cached Delta jars or None, whether to configure Delta) for a session this process launches
    (an in-process Connect server, a spark-submit child): ``delta`` as in :func:`get_spark`."""
    use_delta = delta_installed() if delta is None else delta
    if not use_delta:
        return None, False
    return cached_delta_jars(cache, delta_coordinates()), True


def _manifest(cache: Path, coordinates: str) -> Path:
    # One manifest per coordinate: after a version bump the old jars stay in ivy/jars but are not used.
    return cache / "ivy" / f"{coordinates.replace(':', '_')}.jars"


def cached_delta_jars(cache: Path | None = None, coordinates: str | None = None) -> list[Path] | None:
    """The jars recorded for ``coordinates`` under ``<cache>/ivy/jars``, or None if any is missing."""
    cache = cache_dir() if cache is None else cache
    manifest = _manifest(cache, coordinates or delta_coordinates())
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    jars = [Path(line) for line in lines if line.strip()]
    if not jars or not all(jar.is_file() for jar in jars):
        return None
    return jars


def _record_jars(cache: Path, coordinates: str, spark_jars: str) -> list[Path]:
    """Write the manifest from the ``spark.jars`` the JVM reports after Ivy retrieved the packages."""
    jars_dir = (cache / "ivy" / "jars").resolve()
    jars: list[Path] = []
    for uri in filter(None, (item.strip() for item in spark_jars.split(","))):
        parsed = urlparse(uri)
        path = Path(unquote(parsed.path) if parsed.scheme in ("file", "") else uri).resolve()
        if path.parent == jars_dir and path.suffix == ".jar":
            jars.append(path)
    group, artifact, version = coordinates.split(":")
    expected = f"{group}_{artifact}-{version}.jar"  # Ivy's retrieve pattern in ivy/jars
    if not any(jar.name == expected for jar in jars):
        raise ConfigError(
            f"Ivy did not retrieve {expected} into {jars_dir} (spark.jars={spark_jars!r})",
            hint="Check network access to Maven Central, then retry.",
        )
    manifest = _manifest(cache, coordinates)
    tmp = manifest.with_suffix(".tmp")
    tmp.write_text("".join(f"{jar}\n" for jar in jars), encoding="utf-8")
    tmp.replace(manifest)
    return jars


_held_locks: dict[Path, int] = {}


@contextlib.contextmanager
def _resolution_lock(cache: Path) -> Iterator[None]:
    """Serialise first-time resolution: parallel test runs must not write one Ivy cache at once.

    Re-entrant within a process, so resolve_delta_jars can hold it across the get_spark call it makes.
    """
    key = cache.resolve()
    if _held_locks.get(key):
        _held_locks[key] += 1
        try:
            yield
        finally:
            _held_locks[key] -= 1
        return
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".resolve.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _held_locks[key] = 1
        try:
            yield
        finally:
            _held_locks.pop(key, None)
            fcntl.flock(handle, fcntl.LOCK_UN)


def resolve_delta_jars(cache: Path | None = None) -> list[Path]:
    """Return the cached Delta jars, resolving them first (one short local JVM, network) if needed."""
    cache = cache_dir() if cache is None else cache
    # One lock around check, start and record: a second process waits, then finds the jars cached.
    with _resolution_lock(cache):
        jars = cached_delta_jars(cache)
        if jars is not None:
            return jars
        if under_spark_submit():  # get_spark would hand back (and we would stop) someone else's session
            raise ConfigError(
                "cannot resolve Delta jars from inside an already running Spark application",
                hint="Run `python -m spark_signature.session --resolve` in a fresh process.",
            )
        spark = get_spark(
            app_name="spark_signature-resolve",
            master="local[1]",
            conf={"spark.ui.enabled": "false"},
            cache=cache,
            delta=True,
        )
        try:
            jars = cached_delta_jars(cache)
        finally:
            spark.stop()
    if jars is None:
        raise ConfigError(f"Delta jars were not recorded under {cache / 'ivy'} after resolution")
    return jars


# --------------------------------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------------------------------


def under_spark_submit() -> bool:
    """True if the JVM is not ours to configure: spark-submit launched us, or a context already runs."""
    if os.environ.get("PYSPARK_GATEWAY_PORT"):
        return True
    if "pyspark" not in sys.modules:  # nothing can be running yet; avoid importing pyspark for nothing
        return False
    from pyspark import SparkContext

    return SparkContext._active_spark_context is not None


def _merge_list(existing: str | None, *items: str) -> str:
    values = [v.strip() for v in (existing or "").split(",") if v.strip()]
    values += [item for item in items if item not in values]
    return ",".join(values)


def build_conf(
    app_name: str = "spark_signature",
    master: str | None = None,
    conf: Mapping[str, object] | None = None,
    file_conf: Mapping[str, str] | None = None,
    jars: Sequence[Path] | None = None,
    cache: Path | None = None,
    *,
    delta: bool = True,
) -> dict[str, str]:
    """The full settings of a local session (pure: no JVM, no I/O), so precedence is testable.

    Later wins: baseline < conf file < ``conf`` < ``master`` argument. The Delta extension is merged into
    ``spark.sql.extensions`` rather than overwritten, so adding an extension cannot drop Delta. With
    ``jars`` the cached files go to ``spark.jars`` (offline); without, ``spark.jars.packages`` resolves
    them into ``<cache>/ivy``. ``delta=False`` (no delta-spark installed) removes Delta's extension and
    catalog, wherever they came from: without its jar the JVM would refuse to start with them.
    """
    settings: dict[str, str] = {"spark.master": DEFAULT_MASTER, **_BASELINE}
    settings.update(file_conf or {})
    settings.update({str(k): _conf_value(v) for k, v in (conf or {}).items()})
    if master:
        settings["spark.master"] = master
    settings["spark.app.name"] = app_name
    if not delta:
        return _without_delta(settings)
    settings["spark.sql.extensions"] = _merge_list(settings.get("spark.sql.extensions"), DELTA_EXTENSION)
    if jars is not None:
        settings["spark.jars"] = _merge_list(settings.get("spark.jars"), *(str(j) for j in jars))
    else:
        cache = cache_dir() if cache is None else cache
        settings["spark.jars.packages"] = _merge_list(settings.get("spark.jars.packages"), delta_coordinates())
        settings["spark.jars.ivy"] = str(cache / "ivy")
    return settings


def _without_delta(settings: dict[str, str]) -> dict[str, str]:
    extensions = [e.strip() for e in settings.pop("spark.sql.extensions", "").split(",") if e.strip()]
    extensions = [e for e in extensions if e != DELTA_EXTENSION]
    if extensions:
        settings["spark.sql.extensions"] = ",".join(extensions)
    if settings.get("spark.sql.catalog.spark_catalog") == DELTA_CATALOG:
        del settings["spark.sql.catalog.spark_catalog"]
    return settings


def _conf_value(value: object) -> str:
    # Spark wants "true"/"false"; str(True) would give "True", which some settings refuse.
    return str(value).lower() if isinstance(value, bool) else str(value)


def get_spark(
    app_name: str = "spark_signature",
    master: str | None = None,
    conf: Mapping[str, object] | None = None,
    *,
    conf_file: str | os.PathLike[str] | None = None,
    cache: Path | None = None,
    delta: bool | None = None,
    remote: str | None = None,
) -> SparkSession:
    """Return the SparkSession for tests, jobs and notebooks.

    With ``remote`` (or ``$SPARK_REMOTE``), a Spark Connect session for that URL: for ``sc://host:port``
    (a server someone runs, e.g. Databricks Connect's) only ``conf`` (runtime settings) is sent, the
    server's own configuration stays as its owner set it; ``local[N]`` starts a Connect server inside
    this process (pyspark's), with the settings a local session gets (conf file, Delta, UTC, Arrow).

    Under spark-submit (or with a context already running) the existing session is returned untouched:
    its configuration came from the launcher. Otherwise a local session is built from ``conf_file``
    (default ``conf/spark-defaults.conf``), the Delta extension and catalog, UTC, Arrow, and the cached
    Delta jars matching the installed pyspark (resolved on the first start).

    ``delta``: None (default) configures Delta when delta-spark is installed; True requires it; False
    starts without it. An installed delta-spark that does not fit the installed pyspark is a
    ConfigError naming the pair to install, before any JVM starts.
    """
    from pyspark.sql import SparkSession

    remote = remote or os.environ.get("SPARK_REMOTE") or None
    if remote:
        from spark_signature.connect import remote_session, require_local_server

        if not remote.startswith("local"):
            return remote_session(remote, app_name, conf)
        require_local_server()
        path = conf_file if conf_file is not None else default_conf_file()
        jars, use_delta = local_delta_jars(cache, delta)
        settings = build_conf(app_name, remote, conf, read_conf_file(path) if path is not None else {},
                              jars=jars, cache=cache, delta=use_delta)
        settings.pop("spark.master")  # pyspark's in-process server takes its master from the URL
        os.environ["PYSPARK_PYTHON"] = sys.executable
        return remote_session(remote, app_name, settings)
    if under_spark_submit():
        if master or conf:
            log.warning("get_spark: a Spark application is already running; master/conf are ignored")
        spark = SparkSession.builder.getOrCreate()
        if delta is not False and DELTA_EXTENSION not in (spark.conf.get("spark.sql.extensions", "") or ""):
            log.warning(
                "get_spark: Delta is not configured in this Spark application (spark.sql.extensions "
                "lacks %s). Launch jobs with scripts/spark-submit, which passes "
                "conf/spark-defaults.conf and the cached Delta jars.",
                DELTA_EXTENSION,
            )
        return spark

    path = conf_file if conf_file is not None else default_conf_file()
    file_conf = read_conf_file(path) if path is not None else {}
    cache = cache_dir() if cache is None else cache
    use_delta = delta_installed() if delta is None else delta
    coordinates = delta_coordinates() if use_delta else None  # a mismatched pair fails here, JVM-free

    # Workers must run the driver's interpreter (the venv), or pyspark refuses mismatched versions.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable

    if coordinates is None:
        log.info("get_spark: delta-spark is not installed; starting without Delta")
        return _build(build_conf(app_name, master, conf, file_conf, delta=False))

    jars = cached_delta_jars(cache, coordinates)
    if jars is not None:
        return _build(build_conf(app_name, master, conf, file_conf, jars=jars))

    with _resolution_lock(cache):
        jars = cached_delta_jars(cache, coordinates)  # another process may have finished meanwhile
        settings = build_conf(app_name, master, conf, file_conf, jars=jars, cache=cache)
        log.info("get_spark: resolving %s into %s (first start only)", coordinates, cache / "ivy")
        try:
            spark = _build(settings)
        except Exception as exc:
            if jars is not None:
                raise
            raise ConfigError(
                f"Spark did not start while resolving {coordinates} into {cache / 'ivy'}: {exc}",
                hint=f"The first start downloads {coordinates} and its dependencies from Maven Central: "
                "check network access and that this artifact is published there (a delta-spark release "
                "can reach PyPI before its jars reach Maven Central; see the Ivy/JVM output above), then "
                "run `make setup` again.",
            ) from exc
        if jars is None and settings["spark.jars.packages"] == coordinates:
            # Only record a pure Delta resolution; extra caller packages keep going through Ivy.
            _record_jars(cache, coordinates, spark.sparkContext.getConf().get("spark.jars", "") or "")
        return spark


def _build(settings: Mapping[str, str]) -> SparkSession:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


# --------------------------------------------------------------------------------------------------
# Command line: used by the Makefile (pre-resolve) and scripts/spark-submit (launcher arguments)
# --------------------------------------------------------------------------------------------------


def submit_args(jars: Sequence[Path], conf_file: Path | None) -> list[str]:
    """spark-submit arguments that give a job the same Delta setup a local session gets."""
    args: list[str] = []
    if conf_file is not None:
        read_conf_file(conf_file)  # fail here with a ConfigError rather than inside the JVM
        args += ["--properties-file", str(conf_file)]
    args += ["--jars", ",".join(str(jar) for jar in jars)]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spark_signature.session",
        description="Resolve and cache the Delta jars matching the installed delta-spark.",
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--resolve", action="store_true", help="resolve once, print one jar path per line")
    mode.add_argument("--submit-args", action="store_true", help="print spark-submit arguments, one per line")
    args = parser.parse_args(argv)
    # Our progress messages only; py4j and friends log at INFO on the root logger.
    log.addHandler(logging.StreamHandler(sys.stderr))
    log.setLevel(logging.INFO)

    cache = cache_dir()
    if args.resolve and not delta_installed():
        print("delta-spark is not installed: no Delta jars to resolve (sessions start without Delta).",
              file=sys.stderr)
        return 0
    try:
        jars = cached_delta_jars(cache)
        if jars is None:
            print(f"Resolving {delta_coordinates()} into {cache / 'ivy'} ...", file=sys.stderr)
            # The JVM inherits fd 1; point it at stderr while it starts so stdout stays machine-readable.
            sys.stdout.flush()
            saved = os.dup(1)
            os.dup2(2, 1)
            try:
                jars = resolve_delta_jars(cache)
            finally:
                sys.stdout.flush()
                os.dup2(saved, 1)
                os.close(saved)
        lines = submit_args(jars, default_conf_file()) if args.submit_args else [str(j) for j in jars]
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
