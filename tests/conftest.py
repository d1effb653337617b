"""Shared test fixtures: one SparkSession for the whole run, tuned for a 2-core machine.

A JVM start costs seconds, so every Spark test shares one session (``spark``); settings follow the
narwhals/chispa habit: local[2], UI off, 2 shuffle partitions, UTC. Tests that use the fixture are
marked ``spark`` automatically, so ``pytest -m "not spark"`` runs the pure-Python suite without a JVM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from spark_signature.session import get_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TEST_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "1g",
    # Delta computes snapshots with 50 partitions by default: pure overhead on tiny test tables.
    "spark.databricks.delta.snapshotPartitions": "2",
    # No Hive metastore; managed tables (if any) must not land in the working directory.
    "spark.sql.catalogImplementation": "in-memory",
}


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """The session SparkSession (Delta configured through get_spark), stopped at the end of the run."""
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = get_spark(
        app_name="spark_signature-tests",
        master="local[2]",
        conf={**TEST_CONF, "spark.sql.warehouse.dir": str(warehouse)},
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def delta_path(tmp_path: Path) -> Callable[[str], str]:
    """Factory for fresh Delta table locations under this test's tmp_path: ``delta_path("iris")``."""

    def make(name: str = "table") -> str:
        path = tmp_path / "delta" / name
        if path.exists():
            raise ValueError(f"delta_path({name!r}) already handed out in this test")
        path.parent.mkdir(parents=True, exist_ok=True)
        return str(path)

    return make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that asks for the ``spark`` fixture, directly or through another fixture."""
    for item in items:
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)
