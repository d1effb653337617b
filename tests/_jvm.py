"""JVM options for the short-lived JVMs the tests start: spark-submit drivers, the standalone cluster's
daemons and executors, the demo's jobs, a notebook kernel's Spark, a fresh process's Connect server.

A job on a tiny test table lives for seconds; with the default tiered JIT the two cores spend much of that
compiling Spark's code with C2, which then runs for milliseconds, and G1's concurrent threads compete for
the same cores. The JIT's first tier (C1) and the serial collector change how code is compiled and memory
collected, never a result. Measured on the 2-core machine (2026-12-08, four cluster tests, one run each,
in this order): default 325 s, C1 only 220 s, C1 + serial GC 202 s, default again 288 s.
"""

from __future__ import annotations

import os

SHORT_LIVED_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def short_lived_jvm_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with ``SPARK_SUBMIT_OPTS`` set, which spark-submit's launcher adds to
    the driver JVM's command line (client mode; in local mode that JVM is the whole of Spark)."""
    base = dict(os.environ if env is None else env)
    base["SPARK_SUBMIT_OPTS"] = " ".join(filter(None, [base.get("SPARK_SUBMIT_OPTS", ""), SHORT_LIVED_JVM_OPTIONS]))
    return base
