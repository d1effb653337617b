"""What counts as a missing value in Python data, MLflow's way (one definition for every room)."""

from __future__ import annotations

import math
import sys
from typing import Any


def is_missing(value: Any) -> bool:
    """None, ``pd.NA``, ``pd.NaT`` or a float NaN (``np.float64`` is a float; ``np.float32`` is not,
    as in MLflow). pandas is not imported: if it is not loaded, no value can be one of its sentinels."""
    if isinstance(value, float):
        return math.isnan(value)
    if value is None:
        return True
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NA or value is pd.NaT)
