"""The README tour's data set, with bad rows: shared by the notebook and browser tests."""

from spark_signature import Array, ColSpec, DataType, ModelSignature, Object, ParamSchema, ParamSpec, Property, Schema

SIGNATURE = ModelSignature(
    inputs=Schema([
        ColSpec(DataType.long, "user_id"),
        ColSpec(DataType.double, "amount"),
        ColSpec(Array(DataType.string), "tags", required=False),
        ColSpec(Object([Property("country", DataType.string), Property("zip", DataType.string, required=False)]),
                "address"),
    ]),
    params=ParamSchema([ParamSpec("threshold", DataType.double, 0.5)]),
)
DDL = "user_id bigint, amount int, tags array<string>, address struct<country: string, zip: string>"
ROWS = [(1, 10, ["a"], {"country": "FR", "zip": None}),
        (2, None, None, {"country": "DE", "zip": "10115"}),
        (3, 7, ["b", None], {"country": None, "zip": "1000"}),
        (4, None, ["c"], {"country": None, "zip": None}),
        (5, 3, [], {"country": "IT", "zip": "00100"})]
