"""The per-epoch checkpoint as a callback: written after every completed epoch, restored when a
resumed run begins training, with the state of every stateful callback (early stopping...)."""

from pathlib import Path
from typing import Any, Dict, List, Optional

import keras
import numpy as np

from forecast_cli.errors import ForecastError
from forecast_cli.run.checkpoint import Checkpoint, save_checkpoint

# What a callback remembers between epochs: without it, a resumed run would decide differently.
STATEFUL_ATTRIBUTES = {
    keras.callbacks.EarlyStopping: ("wait", "stopped_epoch", "best", "best_epoch", "best_weights"),
    keras.callbacks.ReduceLROnPlateau: ("wait", "best", "cooldown_counter"),
}


def stateful_attributes(callback) -> tuple:
    """What `callback` remembers, found through its class hierarchy (forecast_cli.callbacks.EarlyStopping
    is a keras EarlyStopping); () for a callback that keeps no state between epochs."""
    for cls in type(callback).__mro__:
        if cls in STATEFUL_ATTRIBUTES:
            return STATEFUL_ATTRIBUTES[cls]
    return ()


def stateful_callbacks(callbacks: List[Any]) -> List[Any]:
    return [c for c in callbacks if stateful_attributes(c)]


class RunCheckpoint(keras.callbacks.Callback):
    """Writes the checkpoint after every completed epoch; restores one when training begins.

    Restoring happens in on_train_begin, after the stateful callbacks (placed before this one) have
    reset themselves there.
    """

    def __init__(self, path: Path, optimizer, strategy, watched: List[Any], restore: Optional[Checkpoint] = None):
        super().__init__()
        self.path = Path(path)
        self.optimizer = optimizer
        self.strategy = strategy
        self.watched = watched
        self.restore = restore

    def on_train_begin(self, logs=None):
        if self.restore is None:
            return
        checkpoint = self.restore
        with self.strategy.scope():
            if not self.optimizer.built:
                self.optimizer.build(self.model.trainable_variables)
        _assign_all(self.model.variables, checkpoint.model, "model")
        _assign_all(self.optimizer.variables, checkpoint.optimizer, "optimizer")
        for callback, state in zip(self.watched, checkpoint.callbacks):
            for key, value in state.items():
                setattr(callback, key, value)

    def on_epoch_end(self, epoch, logs=None):
        checkpoint = Checkpoint(
            epochs_completed=epoch + 1,
            stop_training=bool(getattr(self.model, "stop_training", False)),
            model=[np.asarray(v.numpy()) for v in self.model.variables],
            optimizer=[np.asarray(v.numpy()) for v in self.optimizer.variables],
            callbacks=[_callback_state(c) for c in self.watched],
        )
        save_checkpoint(self.path, checkpoint)


def _assign_all(variables, values, what: str) -> None:
    if len(variables) != len(values):
        raise ForecastError(
            f"the checkpoint holds {len(values)} {what} variables but the rebuilt {what} has {len(variables)}: "
            "the run's code or config changed since it was saved; start a new run"
        )
    for variable, value in zip(variables, values):
        if tuple(variable.shape) != tuple(value.shape):
            raise ForecastError(
                f"checkpoint {what} variable {variable.path} has shape {value.shape}, expected {tuple(variable.shape)}: "
                "the run's code or config changed since it was saved; start a new run"
            )
        variable.assign(value)


def _callback_state(callback) -> Dict[str, Any]:
    state = {}
    for key in stateful_attributes(callback):
        value = getattr(callback, key, None)
        if isinstance(value, list):
            state[key] = [np.asarray(v) for v in value]
        elif value is None or isinstance(value, (bool, str)):
            state[key] = value
        elif isinstance(value, (int, np.integer)):
            state[key] = int(value)
        else:
            state[key] = float(value)
    return state
