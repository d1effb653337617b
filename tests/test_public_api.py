"""The public names, MLflow's among them, all resolve from ``import spark_signature``."""

import spark_signature


def test_every_public_name_resolves():
    for name in spark_signature.__all__:
        assert getattr(spark_signature, name) is not None


def test_mlflow_names_present():
    mlflow_names = {"DataType", "Array", "Object", "Property", "Map", "AnyType", "SparkMLVector", "ColSpec",
                    "TensorSpec", "Schema", "ParamSpec", "ParamSchema", "ModelSignature", "infer_signature",
                    "validate_schema", "set_signature"}
    assert mlflow_names <= set(spark_signature.__all__)
