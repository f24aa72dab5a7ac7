"""The Keras losses and training metrics of `trainer.loss`; the custom ones are registered so that
compiled `.keras` files load back with safe_mode=True. (Imports Keras: load it only to train or load.)"""

import keras
from keras import ops

from forecast_cli.evaluation.names import EPSILON


@keras.saving.register_keras_serializable(package="forecast")
class MeanSquaredPercentageError(keras.losses.Loss):
    """Squared error relative to the squared target (the TF2 notes' COVID-19 loss): (y - y_hat)^2 / max(y^2, eps)."""

    def __init__(self, name="mspe", reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        ratio = ops.square(y_true - y_pred) / ops.maximum(ops.square(y_true), EPSILON)
        return ops.mean(ratio, axis=-1)


def keras_loss(name: str):
    return {
        "mse": keras.losses.MeanSquaredError,
        "mae": keras.losses.MeanAbsoluteError,
        "huber": keras.losses.Huber,
        "mspe": MeanSquaredPercentageError,
    }[name]()


def keras_metrics():
    return [keras.metrics.MeanAbsoluteError(name="mae")]
