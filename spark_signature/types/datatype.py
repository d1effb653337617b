"""The eight scalar signature types, with MLflow's names, numbers and numpy/pandas/python mappings.

Pure Python plus numpy. The Spark table is :data:`spark_signature.spark_types.DATATYPE_TO_SPARK`
(imported only inside :meth:`DataType.to_spark`, so the type system loads without a JVM) and the Arrow
table :data:`spark_signature.arrow_types.DATATYPE_TO_ARROW`. The tables here: numpy, pandas and Python
types of each DataType, and the exact Python scalar types inference maps to each.
"""

from __future__ import annotations

import builtins
import datetime as dt
import sys
from enum import Enum
from typing import Any

import numpy as np


class DataType(Enum):
    """A scalar column type; the JSON name is the member name (``"long"``), the number is MLflow's."""

    boolean = 1
    integer = 2
    long = 3
    float = 4
    double = 5
    string = 6
    binary = 7
    datetime = 8

    def __repr__(self) -> str:
        return self.name

    def to_numpy(self) -> np.dtype:
        """The numpy dtype a column of this type holds (``string`` is ``<U0``, ``binary`` ``|S0``)."""
        return _NUMPY[self.name]

    def to_pandas(self) -> Any:
        """The pandas dtype of a column of this type: numpy's, except ``object`` for string/binary."""
        return _PANDAS.get(self.name, _NUMPY[self.name])

    def to_python(self) -> type:
        """The python type a param value of this type is converted to."""
        return _PYTHON[self.name]

    def to_spark(self) -> Any:
        """The Spark SQL type instance; pyspark is imported here, never at module load."""
        from spark_signature.spark_types import to_spark_type

        return to_spark_type(self)

    @classmethod
    def check_type(cls, data_type: DataType, value: Any) -> bool:
        """True when ``type(value)`` is exactly one of the type's numpy/pandas/python types.

        The comparison is ``==`` against numpy dtypes, so ``np.int64`` (and python ``int``, whose
        numpy dtype is int64) match ``long``; subclasses do not count (``pd.Timestamp`` is no
        datetime here). Values that are Spark type instances match when pyspark is already loaded.
        """
        candidates: list[Any] = [data_type.to_numpy(), data_type.to_pandas(), data_type.to_python()]
        candidates.extend(_EXTRA_EXACT.get(data_type.name, ()))
        if type(value) in candidates:
            return True
        if "pyspark.sql.types" in sys.modules:  # a Spark type object can only exist once pyspark is loaded
            from spark_signature.spark_types import datatype_of_spark_instance

            return datatype_of_spark_instance(value) is data_type
        return False

    @classmethod
    def all_types(cls) -> list[DataType]:
        """Every member, in number order."""
        return list(cls)

    @classmethod
    def get_spark_types(cls) -> list[Any]:
        """The Spark type of every member (imports pyspark)."""
        return [member.to_spark() for member in cls]

    @classmethod
    def from_numpy_type(cls, np_type: Any) -> DataType | None:
        """The first member whose numpy dtype equals ``np_type``; None when none does (``object``)."""
        return next((member for member in cls if member.to_numpy() == np_type), None)


_NUMPY: dict[str, np.dtype] = {
    "boolean": np.dtype("bool"),
    "integer": np.dtype("int32"),
    "long": np.dtype("int64"),
    "float": np.dtype("float32"),
    "double": np.dtype("float64"),
    "string": np.dtype("str"),
    "binary": np.dtype("bytes"),
    "datetime": np.dtype("datetime64[ns]"),
}
_PANDAS: dict[str, Any] = {"string": object, "binary": object}
_PYTHON: dict[str, type] = {
    "boolean": bool,
    "integer": int,
    "long": int,
    "float": builtins.float,
    "double": builtins.float,
    "string": str,
    "binary": bytes,
    "datetime": dt.date,
}
# Exact python types accepted by ``check_type`` on top of the three mapped ones.
_EXTRA_EXACT: dict[str, tuple[type, ...]] = {
    "datetime": (np.datetime64, dt.datetime),
    "binary": (bytearray,),
}

DATA_TYPE_NAMES: tuple[str, ...] = tuple(member.name for member in DataType)

#: Inference (MLflow's ``_infer_scalar_datatype``): a scalar is typed by its *exact* Python/numpy type;
#: subclasses (pd.Timestamp, np.longlong, IntEnum) and the numpy types missing here (int8/int16/uint*,
#: float16, ...) are refused, as in MLflow. Datetimes are :data:`DATETIME_SCALAR_TYPES`.
PYTHON_SCALAR_TYPES: dict[type, DataType] = {
    bool: DataType.boolean,
    np.bool_: DataType.boolean,
    int: DataType.long,
    np.int64: DataType.long,
    np.int32: DataType.integer,
    builtins.float: DataType.double,
    np.float64: DataType.double,
    np.float32: DataType.float,
    str: DataType.string,
    np.str_: DataType.string,
    object: DataType.string,  # a bare ``object()`` instance
    bytes: DataType.binary,
    np.bytes_: DataType.binary,
    bytearray: DataType.binary,
}
DATETIME_SCALAR_TYPES: tuple[type, ...] = (dt.date, dt.datetime, np.datetime64)

#: Inference from dataclass annotations (MLflow's ``convert_dataclass_to_schema``), used as written:
#: ``float`` means 32-bit ``float`` (an MLflow bug kept for parity), ``datetime.datetime`` is not
#: ``datetime.date``.
ANNOTATION_TYPES: dict[Any, DataType] = {
    bool: DataType.boolean,
    int: DataType.long,
    builtins.float: DataType.float,
    str: DataType.string,
    bytes: DataType.binary,
    dt.date: DataType.datetime,
}
