"""The Keras side of a logger: the logs of every epoch (loss, mae, val_loss, ..., learning_rate)."""

from typing import Callable, Dict

import keras


class EpochMetrics(keras.callbacks.Callback):
    def __init__(self, log_metrics: Callable[[Dict[str, float], int], None]):
        super().__init__()
        self.log_metrics = log_metrics

    def on_epoch_end(self, epoch, logs=None):
        self.log_metrics(dict(logs or {}), epoch + 1)
