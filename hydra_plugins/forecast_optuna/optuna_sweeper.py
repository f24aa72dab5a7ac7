"""The `hydra/sweeper=optuna` option: its config (stored in Hydra's ConfigStore when Hydra scans its
plugins) and the Sweeper that Hydra instantiates from it. The search runs in
forecast_cli.search.sweeper, imported only when a sweep starts."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from hydra.core.config_store import ConfigStore
from hydra.plugins.sweeper import Sweeper

SWEEPER_TARGET = "hydra_plugins.forecast_optuna.optuna_sweeper.OptunaSweeper"


@dataclass
class OptunaSweeperConf:
    """`forecast train -m hydra/sweeper=optuna 'model.units=choice(16,32)' hydra.sweeper.n_trials=30`."""

    _target_: str = SWEEPER_TARGET
    n_trials: int = 20  # trials of the study in all, those of earlier sweeps on the same storage included
    n_jobs: int = 1  # trials per batch handed to the launcher (run in parallel by hydra/launcher=joblib)
    direction: str = "minimize"  # minimize | maximize
    objective: str = "val/loss"  # a validation metric of metrics.json (a test metric is refused)
    sampler: str = "tpe"  # tpe | random | grid
    seed: Optional[int] = None  # the sampler's seed; null: the run's `seed`
    study_name: str = "forecast"
    storage: Optional[str] = None  # an Optuna storage URL; null: sqlite:///<hydra.sweep.dir>/optuna.db
    pruner: str = "median"  # median | none: stop a trial whose validation loss is worse than the median's
    pruner_startup_trials: int = 5  # trials completed before any is pruned
    pruner_warmup_epochs: int = 1  # epochs of every trial before it may be pruned
    # the search space in Hydra's sweep syntax, one entry per key: choice(...), range(...),
    # interval(...), tag(log, interval(...)); a plain value is fixed for every trial
    params: Dict[str, Any] = field(default_factory=dict)


ConfigStore.instance().store(group="hydra/sweeper", name="optuna", node=OptunaSweeperConf, provider="forecast")


class OptunaSweeper(Sweeper):
    def __init__(self, **options: Any) -> None:
        self.options = options
        self.search = None

    def setup(self, *, hydra_context, task_function, config) -> None:
        from forecast_cli.search.sweeper import OptunaSearch

        self.search = OptunaSearch(self.options, hydra_context, task_function, config)

    def sweep(self, arguments: List[str]) -> None:
        self.search.run(arguments)
