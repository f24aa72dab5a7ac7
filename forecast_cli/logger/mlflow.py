"""`logger=mlflow`: one MLflow run per job, through MlflowClient (no global MLflow state, so the jobs of
a sweep in one process never share a run):

- at the start: the resolved config, flattened, as params; the run directory and overrides as tags;
- after every epoch: the Keras logs (loss, mae, val_loss, val_mae, learning_rate) at step = epoch;
- at the end: the final metrics of metrics.json (`val/loss`, `test/mae`, ...), the run's config,
  record, metrics, history, scaler and model files as artifacts, and the run's status.

The experiment (`logger.experiment_name`) is created on first use; with a sqlite:/// tracking URI and
no `logger.artifact_location`, its artifacts go to mlartifacts/ beside the database. The start (the
experiment, the run, its params) either succeeds within `logger.connect_timeout_s` or is a ForecastError.
"""

import contextlib
import logging
import math
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from omegaconf import OmegaConf

from forecast_cli.errors import ForecastError
from forecast_cli.run.layout import COMPLETED, INTERRUPTED, RunDir

log = logging.getLogger("forecast.logger")

BATCH = 100  # MLflow takes at most 100 params and 1000 metrics per call
MAX_PARAM_LENGTH = 6000
_NAME = re.compile(r"[^\w\-. :/]")
HTTP_TIMEOUT, HTTP_RETRIES = "MLFLOW_HTTP_REQUEST_TIMEOUT", "MLFLOW_HTTP_REQUEST_MAX_RETRIES"


def mlflow_name(name: str) -> str:
    """A metric or param name MLflow accepts (letters, digits, _ - . space : /)."""
    return _NAME.sub("_", name)


def flat_params(node: Any, prefix: str = "") -> Dict[str, str]:
    if isinstance(node, dict):
        flat: Dict[str, str] = {}
        for key, value in node.items():
            flat.update(flat_params(value, f"{prefix}{key}."))
        return flat
    return {prefix[:-1]: str(node)[:MAX_PARAM_LENGTH]}


class MlflowRunLogger:
    def __init__(self, logger_cfg, config):
        self.cfg = logger_cfg
        self.run = RunDir(config.hydra.runtime.output_dir)
        self.client, experiment_id = open_experiment(logger_cfg)
        tags = {"forecast.run_dir": str(self.run.root.resolve()), "forecast.overrides": " ".join(config.hydra.overrides.task)}
        # the job's own config: resolving Hydra's node would need keys that only a sweep has (hydra.job.num)
        task = OmegaConf.masked_copy(config, [key for key in config if key != "hydra"])
        with start_budget(logger_cfg):
            try:
                self.run_id = self.client.create_run(experiment_id, run_name=self.run.root.name, tags=tags).info.run_id
            except Exception as exc:
                raise unreachable(logger_cfg, exc) from exc
            try:
                self.log_params(flat_params(OmegaConf.to_container(task, resolve=True)))
            except Exception as exc:
                self.client.set_terminated(self.run_id, status="FAILED")
                raise unreachable(logger_cfg, exc) from exc
        log.info("MLflow run %s in experiment %s (%s)", self.run_id, logger_cfg.experiment_name, logger_cfg.tracking_uri)

    def log_params(self, params: Dict[str, str]) -> None:
        from mlflow.entities import Param

        items = [Param(mlflow_name(k), v) for k, v in params.items()]
        for start in range(0, len(items), BATCH):
            self.client.log_batch(self.run_id, params=items[start : start + BATCH])

    def log_metrics(self, metrics: Dict[str, Any], step: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = [
            Metric(mlflow_name(k), float(v), now, step)
            for k, v in metrics.items()
            if isinstance(v, (int, float)) and math.isfinite(float(v))
        ]
        for start in range(0, len(items), BATCH):
            self.client.log_batch(self.run_id, metrics=items[start : start + BATCH])

    def epoch_callbacks(self) -> List[Any]:
        from forecast_cli.logger.keras_epochs import EpochMetrics

        return [EpochMetrics(self.log_metrics)]

    def finish(self, job_return) -> None:
        record = self.run.record() if self.run.is_run() else {}
        status = record.get("status")
        if self.run.metrics_json.is_file():
            self.log_metrics(self.run.metrics(), step=int(record.get("epochs_completed") or 0))
        files = [self.run.config_yaml, self.run.metrics_json, self.run.history_csv, self.run.saved_scaler_file()]
        if self.cfg.log_model:
            files.append(self.run.model_keras)
        for path in files:
            if path.is_file():
                self.client.log_artifact(self.run_id, str(path))
        mlflow_status = {COMPLETED: "FINISHED", INTERRUPTED: "KILLED"}.get(status, "FAILED")
        self.client.set_terminated(self.run_id, status=mlflow_status)


def open_experiment(cfg) -> Tuple[Any, str]:
    """A client of `logger.tracking_uri` and the id of `logger.experiment_name` (created on first use);
    a ForecastError naming the URI and the fix when the store does not answer in time."""
    from mlflow import MlflowClient

    with start_budget(cfg):
        try:
            client = MlflowClient(tracking_uri=tracking_uri(str(cfg.tracking_uri)))
            return client, experiment_id(client, cfg)
        except Exception as exc:
            raise unreachable(cfg, exc) from exc


def experiment_id(client, cfg) -> str:
    name = str(cfg.experiment_name)
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    try:
        return client.create_experiment(name, artifact_location=artifact_location(cfg))
    except Exception:  # created meanwhile by another job of the sweep (a parallel launcher)
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return found.experiment_id


def artifact_location(cfg) -> Optional[str]:
    if cfg.artifact_location:
        return str(cfg.artifact_location)
    uri = tracking_uri(str(cfg.tracking_uri))
    if uri.startswith("sqlite:///"):
        return (Path(uri[len("sqlite:///") :]).parent / "mlartifacts" / mlflow_name(str(cfg.experiment_name))).as_uri()
    return None


@contextlib.contextmanager
def start_budget(cfg) -> Iterator[None]:
    """MLflow's HTTP requests while a run starts: one try of at most `logger.connect_timeout_s`. Its
    defaults (7 retries with backoff, ~4.5 minutes on a closed port) suit a rate-limited server in
    mid-run, not a mistyped URI that should stop the command before it trains."""
    budget = {HTTP_TIMEOUT: str(int(cfg.connect_timeout_s)), HTTP_RETRIES: "0"}
    before = {name: os.environ.get(name) for name in budget}
    os.environ.update(budget)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def unreachable(cfg, exc: Exception) -> ForecastError:
    detail = " ".join(str(exc).split())[:200]
    return ForecastError(
        f"logger=mlflow cannot reach logger.tracking_uri={cfg.tracking_uri} within logger.connect_timeout_s="
        f"{cfg.connect_timeout_s} ({type(exc).__name__}: {detail}): start that tracking server or give a URI "
        "it can open, e.g. logger.tracking_uri=sqlite:///outputs/mlflow.db (or logger=none)"
    )


def tracking_uri(uri: str) -> str:
    """A relative sqlite:/// path made absolute (jobs of a parallel launcher share the working
    directory, not necessarily MLflow's idea of it), its folder created."""
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        path = Path(uri[len("sqlite:///") :]).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if uri.startswith("sqlite:////"):
        Path(uri[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    return uri
