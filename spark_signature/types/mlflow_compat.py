"""How closely to follow MLflow: the ``compat=`` option of enforcement and inference (``strict`` or ``mlflow``).

Not to be confused with :mod:`spark_signature.compat`, which holds what differs between Spark lines."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from spark_signature.errors import bad_option


class Compat(StrEnum):
    """STRICT is ours (nulls in required columns are refused, lossy conversions checked per value);
    MLFLOW reproduces MLflow's decisions (docs/deviations.md lists each difference)."""

    STRICT = "strict"
    MLFLOW = "mlflow"

    @classmethod
    def parse(cls, value: Any) -> Compat:
        """``Compat(value)``, with a :class:`~spark_signature.errors.ConfigError` naming the choices."""
        try:
            return cls(value)
        except ValueError:
            raise bad_option("compat", value, [m.value for m in cls]) from None
