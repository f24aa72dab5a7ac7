"""Every Keras callback of a run, assembled in one place and in the order they must run:

1. the epoch record (history.csv, one log line per epoch);
2. the user's callbacks (`trainer.callbacks`, `_target_` nodes such as forecast_cli.trainer.callbacks.EarlyStopping)
   and TensorBoard;
3. the trackers': the Optuna trial's pruning, the logger's per-epoch metrics (tracking.py);
4. the run's own: the epoch-seeded shuffle, a stateful model's state reset (states.py), the NaN guard,
   the per-epoch checkpoint (after the stateful callbacks it saves, so that it restores them after they
   reset), the stop on a signal.

They rely only on the Keras callback protocol, so any loop that drives a keras.callbacks.CallbackList
and honours `model.stop_training` gets them all.
"""

from dataclasses import dataclass
from typing import Any, List

from forecast_cli.run.layout import RunDir
from forecast_cli.trainer.run_callbacks.checkpoint import RunCheckpoint, stateful_callbacks
from forecast_cli.trainer.run_callbacks.guards import ShuffleEpoch, StopOnNonFiniteLoss, StopOnSignal
from forecast_cli.trainer.run_callbacks.history import EpochRecorder
from forecast_cli.trainer.run_callbacks.states import ResetStates
from forecast_cli.trainer.run_callbacks.tracking import tracking_callbacks


@dataclass
class RunCallbacks:
    all: List[Any]  # what a loop drives, in order
    history: EpochRecorder  # its rows: every epoch completed so far, those before a resume included


def user_callbacks(trainer_cfg, run: RunDir) -> List[Any]:
    """`trainer.callbacks` (`_target_` nodes; a null entry is dropped) plus TensorBoard."""
    import keras
    from hydra.utils import instantiate

    callbacks = [instantiate(node, _convert_="all") for node in trainer_cfg.callbacks.values() if node is not None]
    if trainer_cfg.tensorboard.enabled:
        callbacks.append(
            keras.callbacks.TensorBoard(
                log_dir=str(run.tensorboard_dir),
                histogram_freq=trainer_cfg.tensorboard.histogram_freq,
                write_graph=trainer_cfg.tensorboard.write_graph,
                update_freq=trainer_cfg.tensorboard.update_freq,
            )
        )
    return callbacks


def build_callbacks(trainer_cfg, run: RunDir, optimizer, strategy, shuffle_epoch, stop, checkpoint) -> RunCallbacks:
    """`stop`: the run's StopRequest; `checkpoint`: the Checkpoint a resumed run restores (else None)."""
    history = EpochRecorder(run.history_csv)
    users = user_callbacks(trainer_cfg, run)
    return RunCallbacks(
        all=[
            history,
            *users,
            *tracking_callbacks(run),
            ShuffleEpoch(shuffle_epoch),
            ResetStates(),
            StopOnNonFiniteLoss(),
            RunCheckpoint(run.checkpoint_npz, optimizer, strategy, stateful_callbacks(users), restore=checkpoint),
            StopOnSignal(stop),
        ],
        history=history,
    )
