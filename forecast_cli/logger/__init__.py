"""Experiment loggers, chosen with `logger=` (conf/logger/): `none` (the default: nothing is sent
anywhere) or `mlflow` (mlflow.py: params, per-epoch and final metrics, the run's files as artifacts).

A logger follows one job: LoggerCallback (a Hydra callback of conf/train.yaml) first checks, before
Hydra writes anything, that the tracking store answers; it starts the logger when the job starts and
finishes it when the job ends; in between, the run's Keras callbacks include its per-epoch callback
(trainer/run_callbacks/tracking.py asks `epoch_callbacks`). A logger that cannot start stops the
command in one line (exit 2) before the job trains: a run is never left untracked by surprise.
"""

import atexit
import importlib.util
from dataclasses import dataclass
from typing import Any, List, Optional

from hydra.experimental.callback import Callback
from omegaconf import MISSING

from forecast_cli.errors import ForecastError, stop_on_user_error

_active: Optional[Any] = None  # the logger of the job running in this process
_finish_at_exit = False  # whether the process will finish a logger its job left open


@dataclass
class MlflowLoggerConfig:
    name: str = MISSING
    # where runs go: a sqlite:/// database needs no server (a relative path is from the working directory)
    tracking_uri: str = MISSING
    experiment_name: str = MISSING
    # where artifacts go when the experiment is created; null: mlartifacts/ beside a SQLite database
    artifact_location: Optional[str] = MISSING
    log_model: bool = MISSING  # model.keras among the artifacts
    # how long the start waits for a tracking server, without retries; then the command stops (exit 2)
    connect_timeout_s: int = MISSING

    def __post_init__(self):
        if importlib.util.find_spec("mlflow") is None:
            raise ForecastError('logger=mlflow needs MLflow: pip install "forecast-cli[mlflow]"')
        if not self.experiment_name:
            raise ForecastError("logger.experiment_name must not be empty")
        if self.connect_timeout_s < 1:
            raise ForecastError(f"logger.connect_timeout_s must be at least 1 (seconds), got {self.connect_timeout_s}")


def store_schemas(cs) -> None:
    cs.store(group="schema/logger", name="mlflow", node=MlflowLoggerConfig)


def epoch_callbacks(run) -> List[Any]:
    """The Keras callbacks of the logger of the job training `run` now (none without a logger)."""
    if _active is None or _active.run.root.resolve() != run.root.resolve():
        return []
    return _active.epoch_callbacks()


def chosen_logger(config) -> Optional[Any]:
    """The `logger` node of a composed config, None for `logger=none`."""
    node = config.get("logger")
    return None if not node or node.get("name") in (None, "none") else node


class LoggerCallback(Callback):
    """Checks the tracking store before a run or sweep starts, starts the job's logger (`logger=`) when a
    job starts and finishes it when the job ends; a job that exits early (a user error in a single run)
    is finished when the process exits. A logger that cannot start stops the command (errors.stop_on_user_error)."""

    def on_run_start(self, config, **kwargs) -> None:
        stop_on_user_error(_check_reachable, config)

    def on_multirun_start(self, config, **kwargs) -> None:
        stop_on_user_error(_check_reachable, config)

    def on_job_start(self, config, **kwargs) -> None:
        stop_on_user_error(_start, config)

    def on_job_end(self, config, job_return, **kwargs) -> None:
        _finish_active(job_return)


def _check_reachable(config) -> None:
    node = chosen_logger(config)
    if node is not None:
        from forecast_cli.logger.mlflow import open_experiment

        open_experiment(node)


def _start(config) -> None:
    global _active, _finish_at_exit
    node = chosen_logger(config)
    if node is None:
        return
    from forecast_cli.logger.mlflow import MlflowRunLogger

    _active = MlflowRunLogger(node, config)
    if not _finish_at_exit:
        atexit.register(_finish_active, None)
        _finish_at_exit = True


def _finish_active(job_return) -> None:
    global _active
    logger, _active = _active, None
    if logger is not None:
        logger.finish(job_return)
