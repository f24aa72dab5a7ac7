"""The metric vocabulary: what every split of every run reports, and how a metric on one label column is named.

METRICS are on the scaled values the model sees; REAL_METRICS, MASE and OWA on the values in the data's own
units. A metric on one label column is `real_mae[T (degC)]` (`column_metric`).
"""

import re
from typing import Optional, Tuple

LOSSES = ("mse", "mae", "huber", "mspe")  # `trainer.loss`; the Keras classes are in trainer/losses.py
METRICS = ("loss", "mae", "mse", "rmse", "mape", "mspe", "last_time_step_mse")
POINT_METRICS = ("mae", "rmse", "mape", "smape")
REAL_PREFIX = "real_"
REAL_METRICS = tuple(REAL_PREFIX + name for name in POINT_METRICS)
# one row of metrics_by_series.csv, and (averaged over series) keys of every split
SERIES_METRICS = ("real_mae", "real_rmse", "real_mape", "real_smape", "mase", "naive_smape", "naive_mase")
# what a split reports in real units: SERIES_METRICS, OWA, the series scored and the MASEs left undefined
SPLIT_METRICS = SERIES_METRICS + ("owa", "series", "mase_undefined_series")
COLUMN_METRICS = REAL_METRICS + ("mase",)  # broken down per label column
# percentage errors divide by max(|y|, EPSILON) (Keras' convention): a zero target does not make them infinite
EPSILON = 1e-7
_COLUMN_METRIC = re.compile(r"^(\w+)\[(.*)\]$", re.DOTALL)


# ratios to the in-sample naive error: undefined (NaN, null in JSON) where that error is 0, not wrong
UNDEFINABLE = ("mase", "naive_mase", "owa")


def may_be_undefined(name: str) -> bool:
    """`test/mase[OT]`, `owa`: a metric that is NaN by definition on some data (a constant history)."""
    return parse_metric(name.rsplit("/", 1)[-1])[0] in UNDEFINABLE


def column_metric(metric: str, column: str) -> str:
    """The name of `metric` on one label column: `real_mae[rho (g/m**3)]`."""
    return f"{metric}[{column}]"


def parse_metric(name: str) -> Tuple[str, Optional[str]]:
    """`real_mae[OT]` -> ("real_mae", "OT"); an overall metric -> (name, None). Column names may hold
    any character: the metric ends at the first `[`."""
    match = _COLUMN_METRIC.match(name)
    return (match.group(1), match.group(2)) if match else (name, None)
