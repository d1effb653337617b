"""notebooks/signature_playground.ipynb runs from top to bottom (nbclient, a fresh ipykernel), so it never rots.

The kernel starts its own local Spark (a second JVM), hence slow. Besides "no cell failed", the
executed outputs are checked for what the notebook promises to show.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _jvm import short_lived_jvm_env

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "signature_playground.ipynb"


@pytest.mark.slow
def test_playground_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), "commit the notebook without outputs"
    env_backup = dict(os.environ)
    os.environ.pop("PYSPARK_GATEWAY_PORT", None)  # the kernel must start its own JVM, not join ours
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    os.environ.update(short_lived_jvm_env())  # the kernel's Spark is a short-lived JVM (tests/_jvm.py)
    try:
        client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                         resources={"metadata": {"path": str(tmp_path)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs if o.output_type in
                   ("execute_result", "display_data"))
    # the seed's examples, inferred
    for expected in ("'long_col': long (required)", "Array(Array(long))", "'col': double (optional)",
                     "Tensor('int64', (-1, 2, 3))", "'suppress_tokens': long (default: [101, 102]) (shape: (-1,))"):
        assert expected in text, expected
    # the notebook views, rendered in the kernel
    assert html.count("Signature check") >= 4 and "Signature diff" in html
    assert "shape_mismatch" in html and "null_in_required" in html and "schema_mismatch" in text.lower() + html
    assert 'class="bar"' in html
    params_line = next(line for line in text.splitlines() if line.startswith("error - "))
    assert "temperature" in params_line
