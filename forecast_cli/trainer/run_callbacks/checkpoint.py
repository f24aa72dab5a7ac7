"""The per-epoch checkpoint as a callback: written after every completed epoch, restored when a
resumed run begins training, with the state of every stateful callback (early stopping...)."""

from pathlib import Path
from typing import Any, Dict, List, Optional

import keras
import numpy as np

from forecast_cli.errors import ForecastError
from forecast_cli.run.checkpoint import Checkpoint, save_checkpoint

# What a callback remembers between epochs (without it, a resumed run would decide differently), and
# the type of each: a checkpoint sets these attributes only, with values of these types.
INT, NUMBER, WEIGHTS = "int", "number", "weights"
STATEFUL_ATTRIBUTES = {
    keras.callbacks.EarlyStopping: {
        "wait": INT, "stopped_epoch": INT, "best": NUMBER, "best_epoch": INT, "best_weights": WEIGHTS,
    },
    keras.callbacks.ReduceLROnPlateau: {"wait": INT, "best": NUMBER, "cooldown_counter": INT},
}  # fmt: skip


def stateful_attributes(callback) -> Dict[str, str]:
    """What `callback` remembers and its types, found through its class hierarchy
    (forecast_cli.trainer.callbacks.EarlyStopping is a keras EarlyStopping); {} for a callback without state."""
    for cls in type(callback).__mro__:
        if cls in STATEFUL_ATTRIBUTES:
            return STATEFUL_ATTRIBUTES[cls]
    return {}


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
        if len(checkpoint.callbacks) != len(self.watched):
            raise _changed(f"the state of {len(checkpoint.callbacks)} callbacks", f"{len(self.watched)}")
        for callback, state in zip(self.watched, checkpoint.callbacks):
            for key, value in _declared_state(callback, state, self.model).items():
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


def _declared_state(callback, state: Dict[str, Any], model) -> Dict[str, Any]:
    """The checkpoint's state of `callback`, checked key by key against what the callback declares: any
    other key (a monitored metric, a method) or a value of another type is refused, never set."""
    declared = stateful_attributes(callback)
    name = type(callback).__name__
    undeclared = sorted(set(state) - set(declared))
    if undeclared:
        raise _changed(f"{name} state '{undeclared[0]}'", f"only {', '.join(declared)}")
    for key, value in state.items():
        kind = declared[key]
        if kind == INT:
            valid = isinstance(value, int) and not isinstance(value, bool)
        elif kind == NUMBER:
            valid = value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
        else:
            valid = value is None or (
                isinstance(value, list)
                and len(value) == len(model.weights)
                and all(
                    isinstance(v, np.ndarray) and v.dtype.kind == "f" and tuple(v.shape) == tuple(w.shape)
                    for v, w in zip(value, model.weights)
                )
            )
        if not valid:
            raise _changed(f"{name} state '{key}' of type {type(value).__name__}", f"a {kind}")
    return state


def _changed(found: str, expected: str) -> ForecastError:
    return ForecastError(
        f"the checkpoint holds {found} where the run expects {expected}: it was edited, or the run's code or "
        "config changed since it was saved; start a new run"
    )


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
