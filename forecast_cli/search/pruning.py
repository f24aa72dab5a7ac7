"""Pruning: a job that is a trial of `hydra/sweeper=optuna` reports its validation metric to the trial
after every epoch, and stops training (as early stopping does) when the study's pruner finds it worse
than the median of earlier trials at that epoch. The sweeper then tells the study it was pruned.

The job finds its trial through Hydra's config alone (the sweeper's settings, job number = trial
number), so this works in the launcher's worker processes too."""

import math
from pathlib import Path
from typing import Any, List, Optional

import keras

from forecast_cli.run.layout import RunDir
from forecast_cli.search.sweeper import PRUNED_AT_EPOCH


class PruneTrial(keras.callbacks.Callback):
    def __init__(self, trial, monitor: str):
        super().__init__()
        self.trial = trial
        self.monitor = monitor  # a Keras log name: val_loss, val_mae

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not math.isfinite(float(value)):
            return
        self.trial.report(float(value), step=epoch)
        if self.trial.should_prune():
            self.trial.set_user_attr(PRUNED_AT_EPOCH, epoch + 1)
            self.model.stop_training = True


def keras_log_name(objective: str) -> str:
    """`val/loss` -> `val_loss`, `train/mae` -> `mae`: the per-epoch log of the objective."""
    split, _, name = objective.partition("/")
    return f"val_{name}" if split == "val" else name


def pruning_callbacks(run: RunDir) -> List[Any]:
    trial = trial_of_this_job(run)
    return [] if trial is None else [PruneTrial(trial, keras_log_name(str(trial_options(run).objective)))]


def trial_options(run: RunDir) -> Optional[Any]:
    """`hydra.sweeper` when `run` is the job of hydra/sweeper=optuna running now (None otherwise: a
    training outside Hydra's job, whatever config Hydra last held in this process)."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from hydra_plugins.forecast_optuna.optuna_sweeper import SWEEPER_TARGET

    if not HydraConfig.initialized():
        return None
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode != RunMode.MULTIRUN or hydra_cfg.sweeper.get("_target_") != SWEEPER_TARGET:
        return None
    output_dir = hydra_cfg.runtime.get("output_dir")
    if not output_dir or Path(output_dir).resolve() != run.root.resolve():
        return None
    return hydra_cfg.sweeper


def trial_of_this_job(run: RunDir):
    """The Optuna trial this job runs, from the study's storage (None outside an Optuna sweep)."""
    options = trial_options(run)
    if options is None or options.pruner == "none":
        return None
    import optuna
    from hydra.core.hydra_config import HydraConfig

    from forecast_cli.search.study import make_pruner, open_storage, storage_url

    hydra_cfg = HydraConfig.get()
    storage = open_storage(storage_url(options, str(hydra_cfg.sweep.dir)))
    study = optuna.load_study(
        study_name=str(options.study_name), storage=storage, sampler=optuna.samplers.RandomSampler(), pruner=make_pruner(options)
    )
    trial_id = storage.get_trial_id_from_study_id_trial_number(study._study_id, int(hydra_cfg.job.num))
    return optuna.trial.Trial(study, trial_id)
