"""Forecast metrics, accumulated in float64 over every window of a split.

Train and evaluate both compute metrics through `evaluate_model`, so the same model on the same
windows gives the same numbers.
"""

from typing import Dict

import numpy as np

LOSSES = ("mse", "mae", "huber")
METRICS = ("loss", "mae", "mse", "rmse")


def keras_loss(name: str):
    import keras

    return {
        "mse": keras.losses.MeanSquaredError(),
        "mae": keras.losses.MeanAbsoluteError(),
        "huber": keras.losses.Huber(),
    }[name]


def keras_metrics():
    import keras

    return [keras.metrics.MeanAbsoluteError(name="mae")]


class MetricAccumulator:
    def __init__(self, loss: str):
        self.loss = loss
        self.count = 0
        self.abs_sum = 0.0
        self.sq_sum = 0.0
        self.huber_sum = 0.0

    def update(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        error = np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)
        abs_error = np.abs(error)
        self.count += error.size
        self.abs_sum += float(abs_error.sum())
        self.sq_sum += float(np.square(error).sum())
        if self.loss == "huber":
            quadratic = np.minimum(abs_error, 1.0)
            self.huber_sum += float((0.5 * quadratic**2 + (abs_error - quadratic)).sum())

    def result(self) -> Dict[str, float]:
        if self.count == 0:
            raise ValueError("no windows to compute metrics on")
        mae = self.abs_sum / self.count
        mse = self.sq_sum / self.count
        losses = {"mse": mse, "mae": mae, "huber": self.huber_sum / self.count}
        return {"loss": losses[self.loss], "mae": mae, "mse": mse, "rmse": float(np.sqrt(mse))}


def evaluate_model(model, dataset, loss: str) -> Dict[str, float]:
    """Metrics of `model` over every (inputs, labels) batch of `dataset`, in inference mode."""
    import tensorflow as tf

    forward = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    accumulator = MetricAccumulator(loss)
    for inputs, labels in dataset:
        accumulator.update(labels.numpy(), forward(inputs).numpy())
    return accumulator.result()
