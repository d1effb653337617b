"""Shared test fixtures: one SparkSession for the whole run, tuned for a 2-core machine.

A JVM start costs seconds, so every Spark test shares one session (``spark``); settings follow the
narwhals/chispa habit: local[2], UI off, 2 shuffle partitions, UTC. Tests that use the fixture are
marked ``spark`` automatically, so ``pytest -m "not spark"`` runs the pure-Python suite without a JVM.
Tests that need Delta (marked ``delta``, or asking for ``delta_path``) skip, saying why, in a venv
without delta-spark (Delta is optional; no Delta release is built for the newest Spark yet).

Spark Connect: a module marked ``pytestmark = pytest.mark.spark_sessions("classic", "connect")`` runs
each of its Spark tests twice, ``spark`` being the classic session, then a Spark Connect client of a
local Connect server (``connect_server``: a ``spark-submit`` child process on a free loopback port,
started once, on first use). pyspark builds classic or Connect columns per process
(``SPARK_CONNECT_MODE_ENABLED``, which ``SparkSession.builder.remote`` sets in a real client): the
``connect`` instance sets it for its module's tests only and restores it after, so the classic session
keeps working next to it (``tests/test_connect.py`` checks both ways).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import _spark_jobs
import pytest

from spark_signature import compat
from spark_signature.session import delta_installed, get_spark

# Tests never use the network: MLflow's usage telemetry stays off.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DELTA = delta_installed()
NO_DELTA = (
    f"delta-spark is not installed in this venv (pyspark {compat.spark_version()}): the session runs "
    "without Delta"
)

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
def classic_spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
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


# SPARK_SIGNATURE_SESSION_KINDS=classic narrows the spark_sessions modules (make test-matrix: Connect runs on
# the default pair only, to keep CI inside its time)
SESSION_KINDS = tuple(os.environ.get("SPARK_SIGNATURE_SESSION_KINDS", "classic,connect").split(","))
CONNECT_MODE_ENV = "SPARK_CONNECT_MODE_ENABLED"


@pytest.fixture(scope="session")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A local Spark Connect server (child process) with the test settings; its web UI serves the
    status API that ``tests/_spark_jobs.py`` counts jobs with."""
    from spark_signature.connect import LocalConnectServer, free_port

    try:
        import grpc  # noqa: F401  (the Connect client's transport: the `connect` extra)
    except ImportError:
        pytest.skip("the Spark Connect client needs the `connect` extra (grpcio, grpcio-status, ...)")
    if compat.spark_line() < (4, 0):
        pytest.skip(f"pyspark {compat.spark_version()}'s pip package has no Spark Connect server (4.0+ has)")
    folder = tmp_path_factory.mktemp("spark-connect")
    conf = {**TEST_CONF, "spark.sql.warehouse.dir": str(folder / "warehouse"),
            "spark.ui.enabled": "true", "spark.ui.port": str(free_port()), "spark.log.level": "WARN"}
    server = LocalConnectServer(conf, master="local[2]", log_file=folder / "server.log",
                                app_name="spark_signature-tests-connect")
    server.start()
    _spark_jobs.CONNECT_UI[server.url] = f"http://127.0.0.1:{conf['spark.ui.port']}"
    yield server
    server.stop()


@pytest.fixture(scope="session")
def connect_client(connect_server: Any) -> Iterator[Any]:
    """One Spark Connect client session of ``connect_server`` for the run."""
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    session = ConnectSession.builder.remote(connect_server.url).getOrCreate()
    _spark_jobs.CONNECT_UI[session.session_id] = _spark_jobs.CONNECT_UI[connect_server.url]
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark(request: pytest.FixtureRequest, classic_spark: SparkSession) -> Iterator[Any]:
    """The classic session; in ``spark_sessions`` modules also the Spark Connect client (see above)."""
    kind = getattr(request, "param", "classic")
    if kind == "classic":
        yield classic_spark
        return
    session = request.getfixturevalue("connect_client")
    before = os.environ.get(CONNECT_MODE_ENV)
    os.environ[CONNECT_MODE_ENV] = "1"
    try:
        yield session
    finally:
        if before is None:
            os.environ.pop(CONNECT_MODE_ENV, None)
        else:
            os.environ[CONNECT_MODE_ENV] = before


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``spark_sessions(...)`` modules: ``spark`` once per session kind, per module (so Connect mode is on
    for that module's Connect tests only)."""
    marker = metafunc.definition.get_closest_marker("spark_sessions")
    if marker is None or "spark" not in metafunc.fixturenames:
        return
    kinds = [k for k in (marker.args or SESSION_KINDS) if k in SESSION_KINDS]
    metafunc.parametrize("spark", kinds, indirect=True, scope="module", ids=kinds)


@pytest.fixture
def delta_path(tmp_path: Path) -> Callable[[str], str]:
    """Factory for fresh Delta table locations under this test's tmp_path: ``delta_path("iris")``."""

    if not DELTA:
        pytest.skip(NO_DELTA)

    def make(name: str = "table") -> str:
        path = tmp_path / "delta" / name
        if path.exists():
            raise ValueError(f"delta_path({name!r}) already handed out in this test")
        path.parent.mkdir(parents=True, exist_ok=True)
        return str(path)

    return make


@pytest.fixture(scope="session")
def mlflow_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real MLflow tracking store and model registry for the whole run: SQLite plus a local artifact root.

    Yields the ``mlflow`` module, pointed at the store through an experiment of its own; the previous
    tracking URI is restored afterwards.
    """
    mlflow = pytest.importorskip("mlflow")
    root = tmp_path_factory.mktemp("mlflow-store")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{root / 'mlflow.db'}")
    experiment = mlflow.create_experiment("spark_signature-tests", artifact_location=(root / "artifacts").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    yield mlflow
    mlflow.set_tracking_uri(previous)


@pytest.fixture(scope="session")
def iris_model(mlflow_store: Any) -> Any:
    """The seed's scikit-learn RandomForest on iris, logged with a signature and an input example,
    registered as ``iris`` version 1 with the alias ``champion``."""
    from types import SimpleNamespace

    sklearn = pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    del sklearn
    mlflow = mlflow_store
    X, y = load_iris(return_X_y=True, as_frame=True)
    clf = RandomForestClassifier(n_estimators=10, max_depth=7, random_state=0).fit(X, y)
    signature = mlflow.models.infer_signature(X, clf.predict(X))
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(
            clf, name="iris_rf", signature=signature, input_example=X.head(3),
            registered_model_name="iris", skops_trusted_types=["sklearn.tree._tree.Tree"],
        )  # fmt: skip
    mlflow.MlflowClient().set_registered_model_alias("iris", "champion", "1")
    return SimpleNamespace(
        run_id=run.info.run_id, runs_uri=f"runs:/{run.info.run_id}/iris_rf", model_uri=info.model_uri,
        signature=signature, X=X, y=y, clf=clf,
    )  # fmt: skip


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A standalone Spark cluster (master + two 1-core workers on loopback) for the whole run, with the
    package built as a wheel; stopped at the end. See tests/_cluster.py."""
    from _cluster import start_cluster

    running = start_cluster(tmp_path_factory.mktemp("cluster"))
    yield running
    running.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that asks for a Spark session fixture, directly or through another fixture; skip
    the ``delta`` ones where delta-spark is not installed. In ``spark_sessions`` modules, Spark Connect runs
    the representatives only: a variant marked ``exhaustive`` runs on the classic session (for CI time; the
    Connect client adds no engine of its own, its queries run the same plans on the server)."""
    connect_variants = [item for item in items if item.get_closest_marker("exhaustive") is not None
                        and getattr(getattr(item, "callspec", None), "params", {}).get("spark") == "connect"]
    if connect_variants:
        config.hook.pytest_deselected(items=connect_variants)
        dropped = set(map(id, connect_variants))
        items[:] = [item for item in items if id(item) not in dropped]
    sessions = {"spark", "classic_spark", "connect_server", "connect_client"}
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if sessions & set(fixtures):
            item.add_marker(pytest.mark.spark)
        if "delta_path" in fixtures:
            item.add_marker(pytest.mark.delta)
        if not DELTA and item.get_closest_marker("delta") is not None:
            item.add_marker(pytest.mark.skip(reason=NO_DELTA))
