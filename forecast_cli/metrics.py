"""Forecast metrics, accumulated in float64 over every window of a split.

Train and evaluate both compute metrics through `evaluate_model`, so the same model on the same
windows gives the same numbers. Percentage errors divide by max(|y|, EPSILON) (Keras' convention),
so a zero target does not make them infinite.

METRICS are on the scaled values the model sees; REAL_METRICS on the values in the data's own units
(the scaler inverted), overall and per label column (`real_mae[T (degC)]`, see `column_metric`).
`point_metrics` and `mase` are the same formulas on plain arrays of actuals and forecasts.
"""

import re
from typing import TYPE_CHECKING, Callable, Dict, Optional, Sequence, Tuple

if TYPE_CHECKING:
    import numpy as np

LOSSES = ("mse", "mae", "huber", "mspe")  # `trainer.loss`; the Keras classes are in losses.py
METRICS = ("loss", "mae", "mse", "rmse", "mape", "mspe", "last_time_step_mse")
POINT_METRICS = ("mae", "rmse", "mape", "smape")
REAL_PREFIX = "real_"
REAL_METRICS = tuple(REAL_PREFIX + name for name in POINT_METRICS)
EPSILON = 1e-7
_COLUMN_METRIC = re.compile(r"^(\w+)\[(.*)\]$", re.DOTALL)


def column_metric(metric: str, column: str) -> str:
    """The name of `metric` on one label column: `real_mae[rho (g/m**3)]`."""
    return f"{metric}[{column}]"


def parse_metric(name: str) -> Tuple[str, Optional[str]]:
    """`real_mae[OT]` -> ("real_mae", "OT"); an overall metric -> (name, None). Column names may hold
    any character: the metric ends at the first `[`."""
    match = _COLUMN_METRIC.match(name)
    return (match.group(1), match.group(2)) if match else (name, None)


class MetricAccumulator:
    """Sums over batches of [batch, label_width, n_labels] labels and predictions."""

    def __init__(self, loss: str):
        self.loss = loss
        self.count = 0
        self.last_count = 0
        self.sums = {"abs": 0.0, "sq": 0.0, "huber": 0.0, "ape": 0.0, "spe": 0.0, "last_sq": 0.0}

    def update(self, y_true: "np.ndarray", y_pred: "np.ndarray") -> None:
        import numpy as np

        y_true = np.asarray(y_true, dtype=np.float64)
        error = np.asarray(y_pred, dtype=np.float64) - y_true
        abs_error = np.abs(error)
        squared = np.square(error)
        self.count += error.size
        self.sums["abs"] += float(abs_error.sum())
        self.sums["sq"] += float(squared.sum())
        self.sums["ape"] += float((abs_error / np.maximum(np.abs(y_true), EPSILON)).sum())
        self.sums["spe"] += float((squared / np.maximum(np.square(y_true), EPSILON)).sum())
        last = squared[:, -1, ...]  # the last time step of every window (Hands-On ML's metric)
        self.last_count += last.size
        self.sums["last_sq"] += float(last.sum())
        if self.loss == "huber":
            quadratic = np.minimum(abs_error, 1.0)
            self.sums["huber"] += float((0.5 * quadratic**2 + (abs_error - quadratic)).sum())

    def result(self) -> Dict[str, float]:
        import numpy as np

        if self.count == 0:
            raise ValueError("no windows to compute metrics on")
        mean = {key: value / self.count for key, value in self.sums.items()}
        metrics = {
            "mae": mean["abs"],
            "mse": mean["sq"],
            "rmse": float(np.sqrt(mean["sq"])),
            "mape": 100.0 * mean["ape"],
            "mspe": mean["spe"],
            "last_time_step_mse": self.sums["last_sq"] / self.last_count,
        }
        losses = {"mse": metrics["mse"], "mae": metrics["mae"], "huber": mean["huber"], "mspe": metrics["mspe"]}
        return {"loss": losses[self.loss], **metrics}


def error_sums(actual, forecast, columns: int = 1) -> Dict[str, "np.ndarray"]:
    """Float64 error sums per column of actuals and forecasts reshaped to [-1, columns] (the last
    axis holds the columns): what `metrics_from_sums` divides by `count`."""
    import numpy as np

    if np.shape(actual) != np.shape(forecast):
        raise ValueError(f"actual and forecast differ in shape: {np.shape(actual)} and {np.shape(forecast)}")
    actual = np.asarray(actual, dtype=np.float64).reshape(-1, columns)
    forecast = np.asarray(forecast, dtype=np.float64).reshape(-1, columns)
    abs_error = np.abs(forecast - actual)
    magnitude = np.abs(actual) + np.abs(forecast)
    # a 0/0 term (actual and forecast both 0) is a perfect forecast: it counts 0; a NaN or inf one is NaN
    with np.errstate(invalid="ignore"):
        symmetric = np.divide(2.0 * abs_error, magnitude, out=np.zeros_like(abs_error), where=magnitude != 0)
    return {
        "count": np.full(columns, float(len(actual))),
        "abs": abs_error.sum(axis=0),
        "sq": np.square(abs_error).sum(axis=0),
        "ape": (abs_error / np.maximum(np.abs(actual), EPSILON)).sum(axis=0),
        "sape": symmetric.sum(axis=0),
    }


def metrics_from_sums(sums: Dict[str, "np.ndarray"]) -> Dict[str, float]:
    """MAE, RMSE, MAPE and sMAPE (both in percent) of error sums, pooled over their entries."""
    import numpy as np

    count = float(np.sum(sums["count"]))
    if count == 0:
        raise ValueError("no values to compute metrics on")
    mean = {key: float(np.sum(value)) / count for key, value in sums.items() if key != "count"}
    return {
        "mae": mean["abs"],
        "rmse": float(np.sqrt(mean["sq"])),
        "mape": 100.0 * mean["ape"],
        "smape": 100.0 * mean["sape"],
    }


def point_metrics(actual, forecast) -> Dict[str, float]:
    """MAE, RMSE, MAPE and sMAPE of forecasts against actuals of any (equal) shape, in float64.
    MAPE divides by max(|A|, 1e-7); sMAPE is the mean of 200 |F - A| / (|A| + |F|), 0 where A = F = 0
    (NaN when any term is NaN or infinite: a NaN forecast is no perfect score)."""
    return metrics_from_sums(error_sums(actual, forecast))


def mase(actual, forecast, insample, season: int) -> float:
    """Mean absolute scaled error: the MAE of the forecast divided by the in-sample MAE of the
    seasonal-naive forecast y[t - season] over `insample` (the series before the forecast, time on
    its first axis; with several columns the naive errors of all of them are pooled). Below 1: better
    than repeating the value of one season earlier. NaN when that denominator is 0 or undefined."""
    import numpy as np

    if season < 1:
        raise ValueError(f"season must be >= 1, got {season}")
    insample = np.asarray(insample, dtype=np.float64)
    naive_errors = np.abs(insample[season:] - insample[:-season])
    scale = float(naive_errors.mean()) if naive_errors.size else 0.0
    if scale == 0.0:
        # a constant in-sample series (or one no longer than a season) has no naive error to scale
        # by: the ratio is undefined, and a NaN lets a backtest over many folds report the others
        return float("nan")
    return point_metrics(actual, forecast)["mae"] / scale


class RealUnitAccumulator:
    """Error sums in real units per label column, over batches of [..., n_labels] actuals and forecasts."""

    def __init__(self, columns: Sequence[str]):
        self.columns = list(columns)
        self.sums: Dict[str, "np.ndarray"] = {}

    def update(self, actual: "np.ndarray", forecast: "np.ndarray") -> None:
        for key, value in error_sums(actual, forecast, len(self.columns)).items():
            self.sums[key] = self.sums[key] + value if key in self.sums else value

    def result(self) -> Dict[str, float]:
        """`real_mae` ... overall, then `real_mae[column]` ... per label column."""
        metrics = {REAL_PREFIX + k: v for k, v in metrics_from_sums(self.sums).items()}
        for j, column in enumerate(self.columns):
            one_column = {key: value[j : j + 1] for key, value in self.sums.items()}
            for name, value in metrics_from_sums(one_column).items():
                metrics[column_metric(REAL_PREFIX + name, column)] = value
        return metrics


def inference_function(model):
    """`model(x, training=False)` as one graph for any batch size: traced once, shared by every split."""
    import tensorflow as tf

    signature = [tf.TensorSpec([None, *model.inputs[0].shape[1:]], model.inputs[0].dtype)]
    return tf.function(lambda x: model(x, training=False), input_signature=signature)


def evaluate_model(model, dataset, loss: str, forward=None, to_real: Optional[Callable] = None) -> Dict[str, float]:
    """Metrics of `model` over every (inputs, labels) batch of `dataset`, in inference mode.
    `forward`: an `inference_function(model)` to reuse across calls (default: a new one).
    `to_real`: maps scaled labels or outputs to [..., n_labels] real units and names its `columns`
    (`data.real_units.LabelUnscaler`); with it, the REAL_METRICS are added."""
    forward = forward or inference_function(model)
    accumulator = MetricAccumulator(loss)
    real = RealUnitAccumulator(to_real.columns) if to_real is not None else None
    for inputs, labels in dataset:
        actual, predicted = labels.numpy(), forward(inputs).numpy()
        accumulator.update(actual, predicted)
        if real is not None:
            real.update(to_real(actual), to_real(predicted))
    return {**accumulator.result(), **(real.result() if real is not None else {})}
