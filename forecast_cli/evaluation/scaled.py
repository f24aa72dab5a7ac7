"""The metrics of the scaled values the model sees (names.METRICS), accumulated in float64 over batches
of [batch, label_width, n_outputs] labels and predictions: the training loss among them."""

from typing import TYPE_CHECKING, Dict

from forecast_cli.evaluation.names import EPSILON

if TYPE_CHECKING:
    import numpy as np


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
