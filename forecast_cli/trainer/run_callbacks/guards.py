"""The run's own callbacks that keep training honest: the epoch-seeded shuffle, the stop on a NaN/inf
loss, and the stop on SIGINT/SIGTERM once the epoch (and its checkpoint) is complete; and the checks
that nothing non-finite ends a run marked completed (weights, metrics, forecast)."""

import math
from typing import Any, Dict, Optional

import keras
import numpy as np

from forecast_cli.errors import TrainingDiverged
from forecast_cli.evaluation.names import may_be_undefined


class ShuffleEpoch(keras.callbacks.Callback):
    """Tells the training pipeline which epoch starts: its order is a permutation of (seed, epoch)."""

    def __init__(self, epoch_variable):
        super().__init__()
        self.epoch_variable = epoch_variable

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_variable.assign(epoch)


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raises TrainingDiverged, naming the epoch and batch, as soon as the training loss is NaN or inf."""

    def __init__(self):
        super().__init__()
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise TrainingDiverged(
                f"the training loss became {float(loss)} at epoch {self.epoch + 1}, batch {batch + 1}: "
                "lower optimizer.learning_rate, set optimizer.clipnorm=1.0, or check the data for extreme values"
            )


class StopOnSignal(keras.callbacks.Callback):
    """After a SIGINT/SIGTERM, ends training once the epoch (and its checkpoint) is complete."""

    def __init__(self, request):
        super().__init__()
        self.request = request

    def on_epoch_end(self, epoch, logs=None):
        if self.request.requested:
            self.model.stop_training = True


def check_finite_weights(model, learning_rate: Any) -> None:
    """StopOnNonFiniteLoss sees the loss computed before each update: weights that the last update
    made NaN/inf show only here. Raises TrainingDiverged naming the learning rate."""
    for variable in model.weights:
        if not np.isfinite(keras.ops.convert_to_numpy(variable)).all():
            raise TrainingDiverged(
                f"the model's weights ({variable.path}) are not finite after the last update: "
                f"optimizer.learning_rate={learning_rate} is too high; lower it or set optimizer.clipnorm=1.0"
            )


def check_finite_results(metrics: Dict[str, float], forecast: Optional[np.ndarray]) -> None:
    """With finite data and weights, NaN/inf metrics or forecasts mean the model's outputs overflow
    float32. Raises TrainingDiverged before anything is written as completed."""
    non_finite = sorted(k for k, v in metrics.items() if not math.isfinite(float(v)) and not may_be_undefined(k))
    if non_finite:
        raise TrainingDiverged(
            f"the final metrics are not finite ({non_finite[0]}={metrics[non_finite[0]]}, {len(non_finite)} in all): "
            "the model's outputs overflow float32; check the data for extreme values or use data.scaler=standard"
        )
    if forecast is not None and not np.isfinite(forecast).all():
        raise TrainingDiverged(
            "the forecast of the last window is not finite: the model's outputs overflow float32; "
            "check the data for extreme values or use data.scaler=standard"
        )
