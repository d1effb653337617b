"""Demo data for ``make demo``: the seed's iris data as Delta tables, and the seed's model in a local MLflow store.

``scripts/demo`` runs this first (``scripts/spark-submit jobs/demo.py OUT``), then the real jobs on what it
wrote: ``infer_signature.py`` on the training table, ``validate_table.py`` and ``score_table.py`` on a new
batch with corrupted rows, each through spark-submit, and prints the report.

What this writes under ``OUT`` (default ``out/demo``):

* ``iris_train``: the 150 iris flowers (``flower_id``, the four features, ``species``), a Delta table
  (column mapping on: MLflow's column names such as ``sepal length (cm)`` need it);
* ``iris_batch``: a new batch to score: the same flowers with small measurement noise and
  :data:`CORRUPTED` rows (missing measurements);
* ``mlflow.db`` + ``mlartifacts/``: a local MLflow tracking store (SQLite) holding the seed's scikit-learn
  RandomForest, logged with the signature MLflow infers from the training frame and an input example,
  registered as ``iris_demo`` version 1 with the alias ``champion``.

Exit 0 when everything was written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
MODEL_NAME = "iris_demo"
SPECIES = ["setosa", "versicolor", "virginica"]
#: flower_id -> the features missing in that row of the batch (a sensor that did not report).
CORRUPTED = {
    7: ["sepal length (cm)"],
    23: ["petal width (cm)"],
    51: ["sepal width (cm)", "petal length (cm)"],
    88: ["petal length (cm)"],
    120: ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
    149: ["petal width (cm)"],
}


def iris_frame():
    """sklearn's iris as pandas: flower_id, the four features (MLflow's names), species."""
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    frame = data.frame.rename(columns={"target": "species"})
    frame["species"] = [str(data.target_names[t]) for t in frame["species"]]
    frame.insert(0, "flower_id", range(len(frame)))
    return frame


def batch_frame(train):
    """The new batch: every flower measured again (±0.05 cm, seeded), with the CORRUPTED rows."""
    import numpy as np

    rng = np.random.default_rng(7)
    batch = train.copy()
    batch[IRIS_FEATURES] = (batch[IRIS_FEATURES] + rng.uniform(-0.05, 0.05, (len(batch), 4))).round(2)
    batch[IRIS_FEATURES] = batch[IRIS_FEATURES].astype("object")
    for flower, missing in CORRUPTED.items():
        for feature in missing:
            batch.loc[batch["flower_id"] == flower, feature] = None
    return batch


def write_delta(spark, frame, path: Path) -> None:
    ddl = "flower_id long, " + ", ".join(f"`{f}` double" for f in IRIS_FEATURES) + ", species string"
    rows = [tuple(None if v is None or v != v else v for v in row) for row in frame.itertuples(index=False)]
    df = spark.createDataFrame(rows, ddl).repartition(2)
    df.write.format("delta").mode("overwrite").option("delta.columnMapping.mode", "name").save(str(path))


def log_model(out: Path, train) -> str:
    """The seed's RandomForest, logged and registered in the local store; returns the tracking URI."""
    import mlflow
    from sklearn.ensemble import RandomForestClassifier

    uri = f"sqlite:///{(out / 'mlflow.db').resolve()}"
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.create_experiment("iris_demo", artifact_location=(out / "mlartifacts").resolve().as_uri())
    # the seed's model: integer classes (0 setosa, 1 versicolor, 2 virginica), as load_iris gives them
    X, y = train[IRIS_FEATURES], train["species"].map(SPECIES.index)
    clf = RandomForestClassifier(n_estimators=10, max_depth=7, random_state=0).fit(X, y)
    signature = mlflow.models.infer_signature(X, clf.predict(X))
    with mlflow.start_run(experiment_id=experiment):
        mlflow.sklearn.log_model(clf, name="iris_rf", signature=signature, input_example=X.head(3),
                                 registered_model_name=MODEL_NAME,
                                 skops_trusted_types=["sklearn.tree._tree.Tree"])
    mlflow.MlflowClient().set_registered_model_alias(MODEL_NAME, "champion", "1")
    return uri


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out/demo", help="directory for the demo's tables and store")
    args = parser.parse_args(argv)
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name in ("mlflow.db", "mlartifacts"):  # a fresh store each run: the model is version 1 again
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()

    from spark_signature.session import get_spark

    spark = get_spark(app_name="spark_signature-demo")
    train = iris_frame()
    batch = batch_frame(train)
    write_delta(spark, train, out / "iris_train")
    write_delta(spark, batch, out / "iris_batch")
    uri = log_model(out, train)
    print(f"demo data: {out / 'iris_train'} (150 flowers), {out / 'iris_batch'} (150 flowers, "
          f"{len(CORRUPTED)} with missing measurements)")
    print(f"model: models:/{MODEL_NAME}@champion in {uri}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
