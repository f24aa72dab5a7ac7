"""The per-epoch checkpoint of a run: one `.npz` file, rewritten atomically after every completed epoch.

It holds every model variable (weights and random-seed states), every optimizer variable
(iteration count, moments), the state of stateful callbacks (early stopping's wait/best/best
weights) and, in `state`, a JSON record with the number of completed epochs. One file, so a crash
can never pair the weights of one epoch with the counters of another. It is read with
allow_pickle=False: a checkpoint cannot execute code.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

from forecast_cli.run.atomic import write_atomic
from forecast_cli.run.untrusted import check_archive

FORMAT = 1
ARRAYS = "__arrays__"  # marks a callback state entry stored as a list of arrays


@dataclass
class Checkpoint:
    epochs_completed: int
    stop_training: bool  # a callback (early stopping) ended training at this epoch
    model: List[np.ndarray]
    optimizer: List[np.ndarray]
    # One dict per stateful callback, in callback order: JSON scalars, or lists of arrays.
    callbacks: List[Dict[str, Any]] = field(default_factory=list)


def save_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    arrays: Dict[str, np.ndarray] = {}
    _add_arrays(arrays, "model", checkpoint.model)
    _add_arrays(arrays, "optimizer", checkpoint.optimizer)
    callbacks = []
    for index, state in enumerate(checkpoint.callbacks):
        encoded: Dict[str, Any] = {}
        for key, value in state.items():
            if isinstance(value, list):
                _add_arrays(arrays, f"callback{index}_{key}", value)
                encoded[key] = {ARRAYS: len(value)}
            else:
                encoded[key] = value
        callbacks.append(encoded)
    record = {
        "format": FORMAT,
        "epochs_completed": checkpoint.epochs_completed,
        "stop_training": checkpoint.stop_training,
        "model": len(checkpoint.model),
        "optimizer": len(checkpoint.optimizer),
        "callbacks": callbacks,
    }
    arrays["state"] = np.array(json.dumps(record))
    write_atomic(path, lambda handle: np.savez(handle, **arrays), mode="wb")


def read_checkpoint_state(path: Path) -> Dict[str, Any]:
    """The checkpoint's JSON record (epochs completed, counts) without reading its arrays."""
    check_archive(path, "checkpoint", "start a new run")
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(str(archive["state"]))


def load_checkpoint(path: Path) -> Checkpoint:
    check_archive(path, "checkpoint", "start a new run")
    with np.load(path, allow_pickle=False) as archive:
        record = json.loads(str(archive["state"]))
        callbacks = []
        for index, encoded in enumerate(record["callbacks"]):
            state = {}
            for key, value in encoded.items():
                if isinstance(value, dict) and ARRAYS in value:
                    state[key] = _read_arrays(archive, f"callback{index}_{key}", value[ARRAYS])
                else:
                    state[key] = value
            callbacks.append(state)
        return Checkpoint(
            epochs_completed=int(record["epochs_completed"]),
            stop_training=bool(record["stop_training"]),
            model=_read_arrays(archive, "model", record["model"]),
            optimizer=_read_arrays(archive, "optimizer", record["optimizer"]),
            callbacks=callbacks,
        )


def _add_arrays(arrays: Dict[str, np.ndarray], prefix: str, values: List[np.ndarray]) -> None:
    for i, value in enumerate(values):
        arrays[f"{prefix}_{i}"] = np.asarray(value)


def _read_arrays(archive, prefix: str, count: int) -> List[np.ndarray]:
    return [archive[f"{prefix}_{i}"] for i in range(count)]
