"""Spark Connect: sessions on a remote Spark, and a local Connect server for tests, benchmarks and work.

Databricks serverless and shared-access clusters, and Spark 4's own Connect mode, hand their users a
Spark Connect session: a gRPC client with no ``sparkContext`` and no JVM in the Python process.
``enforce`` (every mode), ``infer_signature`` on Spark DataFrames (every mode) and ``score`` work there
unchanged: they only use DataFrame operations (``mapInArrow``, ``observe``, aggregates, ``persist``)
that Connect implements; observed counts come back with the action's result. None of the library's
code reads a ``SparkContext``, its status tracker or the JVM on a Connect session (docs/connect.md).

pyspark decides once per *process* whether ``pyspark.sql.functions``, ``Column`` and ``Observation``
build classic or Connect objects (``SPARK_CONNECT_MODE_ENABLED``, set by
``SparkSession.builder.remote(...)``). A DataFrame of the other kind would fail deep inside pyspark, so
:func:`check_api_mode` refuses it up front with the reason.

* :func:`remote_session` -- a Connect session for ``sc://host:port`` (or ``local[N]``: pyspark starts a
  Connect server inside this process). :func:`spark_signature.session.get_spark` calls it for
  ``remote=`` or ``$SPARK_REMOTE``.
* :class:`LocalConnectServer` -- ``spark-submit --class ...SparkConnectServer`` on a free loopback port,
  as a child process, with the project's Spark settings and Delta jars.

Importing this module loads neither pyspark nor the Connect client (grpc).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spark_signature.errors import ConfigError, Rule

__all__ = [
    "CONNECT_SERVER_CLASS",
    "LocalConnectServer",
    "check_api_mode",
    "connect_mode_enabled",
    "free_port",
    "is_connect",
    "remote_session",
    "require_local_server",
]

CONNECT_SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
_MODE_ENV = "SPARK_CONNECT_MODE_ENABLED"


def is_connect(obj: Any) -> bool:
    """True if ``obj`` (a session, DataFrame, Column or Observation) belongs to the Spark Connect client.

    Decided from the object's class, so it never imports the Connect client (which needs grpc).
    """
    return any(cls.__module__.startswith("pyspark.sql.connect") for cls in type(obj).__mro__)


def connect_mode_enabled() -> bool:
    """Does pyspark build Connect objects in this process (``pyspark.sql.utils.is_remote``)?"""
    try:
        from pyspark.sql.utils import is_remote
    except ImportError:  # pragma: no cover - pyspark without Connect
        return _MODE_ENV in os.environ
    return bool(is_remote())


def check_api_mode(df: Any, function: str) -> None:
    """Refuse a DataFrame whose kind (classic / Connect) is not the one pyspark builds in this process.

    pyspark's ``functions``, ``Column`` and ``Observation`` follow the process (see the module
    docstring): a Connect DataFrame in a process whose pyspark builds classic columns (a classic
    ``SparkSession`` runs here and the Connect one was not made with ``SparkSession.builder.remote``),
    or the reverse, cannot take the columns ``function`` builds.
    """
    connect = is_connect(df)
    if connect == connect_mode_enabled():
        return
    kind, other = ("Spark Connect", "classic") if connect else ("classic", "Spark Connect")
    raise ConfigError(
        f"{function} got a {kind} DataFrame, but pyspark builds {other} columns in this process "
        f"({_MODE_ENV} is {'unset' if connect else 'set'}): pyspark picks one kind per process, and a "
        f"{kind} DataFrame cannot take {other} columns.",
        rule=Rule.INVALID_OPTION, path="df", expected=f"a {other} DataFrame", found=f"a {kind} DataFrame",
        fix="use one kind of session per process: make the Connect session with SparkSession.builder.remote(url) "
        "(or spark_signature.get_spark(remote=url)), which switches pyspark to Connect, and no classic session "
        "next to it" if connect else "stop the Spark Connect session, or run the classic job in its own process",
    )


def remote_session(remote: str, app_name: str | None = None, conf: Mapping[str, object] | None = None) -> Any:
    """A Spark Connect session for ``remote`` (``sc://host:port[/;param=value]``, or ``local[N]`` for a
    Connect server that pyspark starts inside this process).

    The server's configuration belongs to whoever runs it (as under spark-submit): only ``conf`` is sent,
    and Connect takes runtime settings only (``spark.sql.*`` and the like, not ``spark.jars``).
    """
    from pyspark.errors import PySparkException
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.remote(remote)
    if app_name:
        builder = builder.appName(app_name)
    for key, value in (conf or {}).items():
        builder = builder.config(str(key), str(value).lower() if isinstance(value, bool) else str(value))
    try:
        return builder.getOrCreate()
    except PySparkException as exc:
        raise ConfigError(
            f"cannot start a Spark Connect session for {remote!r}: {exc}",
            path="remote", found=remote,
            fix="a classic SparkSession already running in this process blocks a Connect session (pyspark "
            "runs one kind per process): stop it first, or use a fresh process; check the URL "
            "(sc://host:port) and that the server is up",
        ) from exc


# --------------------------------------------------------------------------------------------------
# A local Spark Connect server (a child process)
# --------------------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a local server)."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_local_server() -> None:
    """pyspark's pip package ships the Connect server from Spark 4.0 on; 3.5's needs the separate
    ``spark-connect_2.12`` package, which this project does not resolve: say so before spark-submit fails."""
    from spark_signature import compat

    if compat.spark_line() < (4, 0):
        raise ConfigError(
            f"pyspark {compat.spark_version()} has no Spark Connect server in its pip package",
            path="connect server", expected="pyspark >= 4.0 for a local Connect server",
            found=f"pyspark {compat.spark_version()}",
            fix="connect to a running server instead (get_spark(remote='sc://host:port')), or use pyspark 4.x; "
            "Spark 3.5 starts one with sbin/start-connect-server.sh --packages "
            "org.apache.spark:spark-connect_2.12:<version>",
        )


def _port_open(port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def spark_submit_path() -> Path:
    """The ``spark-submit`` of the installed pyspark (its ``bin/``, or ``$SPARK_HOME/bin``)."""
    from pyspark.find_spark_home import _find_spark_home

    return Path(_find_spark_home()) / "bin" / "spark-submit"


class LocalConnectServer:
    """A Spark Connect server on ``127.0.0.1``, started as ``spark-submit --class SparkConnectServer``.

    It gets the settings a local :func:`~spark_signature.session.get_spark` session gets (conf file,
    Delta extension and cached jars, UTC, Arrow, the venv's Python for workers) plus ``conf``. Use it
    as a context manager, or ``start()`` / ``stop()``; ``url`` is what ``remote=`` takes. The server
    listens on loopback only and asks for no token: for tests, benchmarks and local work, not a network.
    """

    def __init__(self, conf: Mapping[str, object] | None = None, *, master: str | None = None,
                 port: int | None = None, log_file: str | os.PathLike[str] | None = None,
                 app_name: str = "spark_signature-connect") -> None:
        self.conf = dict(conf or {})
        self.master = master
        self.port = port
        self.log_file = Path(log_file) if log_file is not None else None
        self.app_name = app_name
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise ConfigError("the Spark Connect server is not started", fix="call start() first")
        return f"sc://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The spark-submit command line (settings as ``--conf``)."""
        from spark_signature import session

        path = session.default_conf_file()
        file_conf = session.read_conf_file(path) if path is not None else {}
        jars, use_delta = session.local_delta_jars()
        settings = session.build_conf(self.app_name, self.master, self.conf, file_conf, jars=jars, delta=use_delta)
        settings["spark.connect.grpc.binding.address"] = "127.0.0.1"
        settings["spark.connect.grpc.binding.port"] = str(self.port)
        args = [str(spark_submit_path()), "--class", CONNECT_SERVER_CLASS, "--name", self.app_name]
        for key, value in settings.items():
            args += ["--conf", f"{key}={value}"]
        return [*args, "spark-internal"]

    def start(self, timeout: float = 180.0) -> LocalConnectServer:
        """Start the server and wait until it accepts connections (a ConfigError with its log if not)."""
        if self.process is not None:
            return self
        require_local_server()
        self.port = self.port or free_port()
        env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
        for var in ("SPARK_REMOTE", _MODE_ENV, "SPARK_CONNECT_MODE", "PYSPARK_GATEWAY_PORT"):
            env.pop(var, None)  # the server is a classic Spark application
        out = open(self.log_file, "ab") if self.log_file is not None else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.process = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT, env=env,
                                            stdin=subprocess.DEVNULL)
        finally:
            if self.log_file is not None:
                out.close()
        deadline = time.monotonic() + timeout
        while not _port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                code = self.process.poll()
                self.stop()
                tail = self._log_tail()
                raise ConfigError(
                    f"the Spark Connect server did not start on 127.0.0.1:{self.port} "
                    f"({'exit code ' + str(code) if code is not None else f'not listening after {timeout:.0f}s'})"
                    + (f"; its log ends with:\n{tail}" if tail else ""),
                    path="connect server", fix="read the server log (log_file=...); check Java and the port",
                )
            time.sleep(0.5)
        return self

    def _log_tail(self, lines: int = 20) -> str:
        if self.log_file is None or not self.log_file.is_file():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server process (SIGTERM, then SIGKILL after ``timeout``)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def __enter__(self) -> LocalConnectServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
