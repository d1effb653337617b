"""What is refused before any row is read, in both engines: each refusal's rule code and path.

Decided from the schema alone (column matching, types, options), so each case raises one
:class:`SignatureError` subclass; tests assert ``(err.rule, err.path)`` and, where the wording is the
point, the message.
"""

from __future__ import annotations

import pandas as pd
import pytest

from spark_signature import ColSpec, DataType, Schema, SchemaEnforcementError
from spark_signature.enforcement.local import validate_schema
from spark_signature.enforcement.spark import enforce
from spark_signature.errors import Rule

L, S = DataType.long, DataType.string


@pytest.mark.parametrize(("columns", "schema", "dup"), [
    (["a", "a"], Schema([ColSpec(L, "a")]), "a"),  # the signature's column twice
    (["a", "b", "b"], Schema([ColSpec(L, "a")]), "b"),  # an extra column twice
    (["a", "a"], Schema([ColSpec(L), ColSpec(S)]), "a"),  # unnamed: matched by position, read by name
], ids=["signature-column", "extra-column", "unnamed-schema"])
def test_duplicate_column_names_refused_in_both_engines(spark, columns, schema, dup):
    values = [1, "x", "y"][: len(columns)]
    df = spark.createDataFrame([tuple(values)], ", ".join(f"c{i} {'bigint' if i == 0 else 'string'}"
                                                          for i in range(len(columns)))).toDF(*columns)
    pdf = pd.DataFrame([values], columns=columns)
    for run in (lambda: enforce(df, schema), lambda: enforce(df, schema, mode="check"),
                lambda: validate_schema(pdf, schema)):
        with pytest.raises(SchemaEnforcementError, match=rf"duplicate column names \['{dup}'\]") as err:
            run()
        assert (err.value.rule, err.value.path) == (Rule.DUPLICATE_COLUMN, dup)
