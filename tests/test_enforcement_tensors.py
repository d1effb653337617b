"""Tensor-based signatures on numpy inputs (``validate_tensors``): dtype, shape, names, dict vs array.

Each case goes through ``validate_schema`` (which dispatches tensor schemas to ``validate_tensors``)
and through MLflow's ``validate_schema``: the same decision, and where both refuse, MLflow's reason.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from _mlflow import assert_refused_for, mlflow_error

from spark_signature import Schema, SchemaEnforcementError, TensorSpec
from spark_signature.enforcement.local import validate_schema
from spark_signature.enforcement.tensors import check_tensor, validate_tensors

A = np.zeros((2, 3), dtype="float32")
UNNAMED = [("float32", (-1, 3), None)]
XY = [("float32", (-1, 3), "x"), ("int64", (-1,), "y")]


def _schema(specs) -> Schema:
    return Schema([TensorSpec(np.dtype(t), shape, name) for t, shape, name in specs])


# (id, data, specs, our refusal (rule, path) or None, MLflow's reason where it differs from our rule's)
CASES = [
    ("exact", A, UNNAMED, None, None),
    ("fixed-batch-axis", A, [("float32", (2, 3), None)], None, None),
    ("variable-dims", np.zeros((4, 5, 6), "float64"), [("float64", (-1, -1, 6), None)], None, None),
    ("dtype-float64-for-float32", A.astype("float64"), UNNAMED, ("dtype_mismatch", "0"), None),
    ("dtype-int32-for-int64", np.array([1, 2], "int32"), [("int64", (-1,), None)], ("dtype_mismatch", "0"), None),
    ("too-few-dims", A, [("float32", (-1, 3, 1), None)], ("shape_mismatch", "0"), None),
    ("fixed-dim-differs", A, [("float32", (-1, 4), None)], ("shape_mismatch", "0"), None),
    ("ragged-object-array", np.array([np.zeros(2), np.zeros(3)], dtype=object), [("float64", (-1, -1), None)],
     None, None),
    ("object-spec-takes-anything", np.array([1, "a", None], dtype=object), [("object", (-1,), None)], None, None),
    ("str-ignores-itemsize", np.array(["ab", "c"]), [("str", (-1,), None)], None, None),
    ("unnamed-given-a-dict", {"x": A}, UNNAMED, ("wrong_type", "0"),
     r"tensor-based model signature with no input names"),
    ("named-dict", {"x": A, "y": np.array([1, 2])}, XY, None, None),
    ("named-one-ndarray", A, [("float32", (-1, 3), "x")], None, None),  # one named spec takes an array
    ("named-missing-key", {"x": A}, XY, ("missing_column", "y"), None),
    ("named-wrong-dtype", {"x": A.astype("float64"), "y": np.array([1])}, XY, ("dtype_mismatch", "x"), None),
    ("named-wrong-shape", {"x": np.zeros((2, 2), "float32"), "y": np.array([1])}, XY, ("shape_mismatch", "x"), None),
    # several named specs and one array (or a list): MLflow reports every name missing, we say what it got
    ("named-given-one-ndarray", A, XY, ("wrong_type", "x"), r"Model is missing inputs \['x', 'y'\]"),
    ("named-given-a-list", [A], XY, ("wrong_type", "x"), r"Model is missing inputs \['x', 'y'\]"),
    ("named-value-not-an-array", {"x": [[1.0, 2.0, 3.0]]}, [("float32", (-1, 3), "x")], ("wrong_type", "x"),
     r"suggests a dictionary input mapping input name to a numpy array"),
]


@pytest.mark.parametrize(("data", "specs", "refusal", "mlflow_reason"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_tensors_like_mlflow(data, specs, refusal, mlflow_reason):
    schema = _schema(specs)
    theirs = mlflow_error(data, schema)
    if refusal is None:
        out = validate_schema(data, schema)
        assert theirs is None, repr(theirs)
        if isinstance(out, dict):  # named: every input, as given (tensors are never converted)
            assert sorted(out) == sorted(s[2] for s in specs)
            assert all(out[k] is (data[k] if isinstance(data, dict) else data) for k in out)
        else:
            assert out is data
    else:
        with pytest.raises(SchemaEnforcementError) as err:
            validate_schema(data, schema)
        assert (err.value.rule, err.value.path) == refusal
        assert err.value.fix
        if mlflow_reason is None:
            assert_refused_for(theirs, refusal[0], str(specs))
        else:  # MLflow refuses too, in its own words
            assert type(theirs).__name__ == "MlflowException" and re.search(mlflow_reason, str(theirs)), repr(theirs)


def test_list_input_for_an_unnamed_tensor_is_converted():
    """A deviation: MLflow refuses a list for an unnamed tensor signature; we take np.asarray of it."""
    schema = _schema([("float64", (-1, 2), None)])
    assert mlflow_error([[1.0, 2.0]], schema) is not None
    out = validate_tensors([[1.0, 2.0]], schema)
    assert isinstance(out, np.ndarray) and out.shape == (1, 2) and out.dtype == np.float64


def test_check_tensor_error_names_expected_and_found():
    with pytest.raises(SchemaEnforcementError) as err:
        check_tensor("img", np.zeros((2, 28, 27), "uint8"), TensorSpec(np.dtype("uint8"), (-1, 28, 28), "img"))
    e = err.value
    assert (e.rule, e.path, e.expected, e.found) == ("shape_mismatch", "img", "(-1, 28, 28)", "(2, 28, 27)")
    with pytest.raises(SchemaEnforcementError) as err:
        check_tensor("img", np.zeros((2, 28, 28), "int8"), TensorSpec(np.dtype("uint8"), (-1, 28, 28), "img"))
    e = err.value
    assert (e.rule, e.path, e.expected, e.found) == ("dtype_mismatch", "img", "uint8", "int8")
    assert "astype('uint8')" in e.fix



def test_dataframe_for_a_tensor_signature_strict_refuses_mlflow_reshapes():
    """A DataFrame of list cells for a tensor: MLflow reshapes it to the tensor; strict mode never casts
    tensor values, so it refuses with the cast to do; compat="mlflow" does what MLflow does."""
    import pandas as pd

    schema = _schema([("float64", (-1, 2), "t")])
    pdf = pd.DataFrame({"t": [[1.0, 2.0], [3.0, 4.0]]})
    assert mlflow_error(pdf, schema) is None
    with pytest.raises(SchemaEnforcementError, match=r"a pandas DataFrame for the tensor 't'") as err:
        validate_schema(pdf, schema)
    assert err.value.path == "t" and "to_numpy(dtype='float64')" in str(err.value.fix)
    out = validate_schema(pdf, schema, compat="mlflow")
    got = out["t"] if isinstance(out, dict) else out
    assert np.asarray(got).tolist() == [[1.0, 2.0], [3.0, 4.0]]
