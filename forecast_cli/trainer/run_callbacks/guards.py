"""The run's own callbacks that keep training honest: the epoch-seeded shuffle, the stop on a NaN/inf
loss, and the stop on SIGINT/SIGTERM once the epoch (and its checkpoint) is complete."""

import math

import keras

from forecast_cli.errors import TrainingDiverged


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
