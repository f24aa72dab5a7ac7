"""`logger=mlflow` against a real sqlite:/// tracking store, read back with the MLflow client: a single
run and the jobs of a sweep record the same params, per-epoch and final metrics and artifacts and end
FINISHED (a failed run FAILED); an unreachable tracking server stops the command in one line within
seconds, before anything trains or is marked."""

import csv
import io
import math
import socket
import time
from contextlib import redirect_stdout

import pytest
from omegaconf import OmegaConf

from forecast_cli.cli import main
from forecast_cli.logger.mlflow import mlflow_name
from forecast_cli.run.layout import RunDir

from helpers import run_forecast

mlflow = pytest.importorskip("mlflow", reason="logger=mlflow needs the mlflow extra")

TINY = [
    "data=sine", "data.n_series=60", "model=linear", "trainer.epochs=2", "trainer.batch_size=16",
    "trainer.verbose=silent", "trainer.tensorboard.enabled=false",
]
ARTIFACTS = {"config.yaml", "metrics.json", "history.csv", "scaler.json", "model.keras"}


def forecast_in_process(*args) -> int:
    try:
        return main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)


def closed_port() -> int:
    """A port of 127.0.0.1 that was bound and closed: nothing listens there."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """One single run and a 2-job sweep, logged to one SQLite store under two experiments."""
    root = tmp_path_factory.mktemp("mlflow")
    store = f"sqlite:///{root / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as monkeypatch, redirect_stdout(io.StringIO()):
        monkeypatch.chdir(root)
        single = ["train", *TINY, "logger=mlflow", f"logger.tracking_uri={store}", "logger.experiment_name=single"]
        assert forecast_in_process(*single, f"hydra.run.dir={root / 'run'}") == 0
        sweep = ["train", "-m", *TINY, "window.input_width=4,8", "logger=mlflow", f"logger.tracking_uri={store}"]
        assert forecast_in_process(*sweep, "logger.experiment_name=sweep", f"hydra.sweep.dir={root / 'sweep'}") == 0
    return root, mlflow.MlflowClient(tracking_uri=store)


def logged_runs(client, experiment: str):
    return {r.info.run_name: r for r in client.search_runs([client.get_experiment_by_name(experiment).experiment_id])}


def assert_recorded_as_its_run(client, entry, run: RunDir):
    """What an MLflow run holds is what the run directory holds."""
    assert entry.info.status == "FINISHED" and entry.data.tags["forecast.run_dir"] == str(run.root)
    config = OmegaConf.load(run.config_yaml)
    assert entry.data.params["model.name"] == "linear" and entry.data.params["seed"] == "42"
    assert entry.data.params["window.input_width"] == str(config.window.input_width)
    assert entry.data.params["trainer.epochs"] == "2" and entry.data.params["logger.name"] == "mlflow"
    final = {mlflow_name(k): v for k, v in run.metrics().items() if isinstance(v, float) and math.isfinite(v)}
    assert "val/loss" in final and "test/mae" in final
    assert {name: entry.data.metrics[name] for name in final} == final
    with open(run.history_csv) as handle:
        history = list(csv.DictReader(handle))
    epochs = client.get_metric_history(entry.info.run_id, "val_loss")
    assert [m.step for m in epochs] == [1, 2]
    assert [m.value for m in epochs] == pytest.approx([float(row["val_loss"]) for row in history], rel=1e-6)
    assert {a.path for a in client.list_artifacts(entry.info.run_id)} == ARTIFACTS


def test_a_single_run_records_params_metrics_and_artifacts(tracked):
    root, client = tracked
    (entry,) = logged_runs(client, "single").values()
    assert_recorded_as_its_run(client, entry, RunDir(root / "run"))


def test_every_job_of_a_sweep_records_the_same(tracked):
    root, client = tracked
    logged = logged_runs(client, "sweep")
    assert sorted(logged) == ["0_linear", "1_linear"]
    for name, entry in logged.items():
        assert_recorded_as_its_run(client, entry, RunDir(root / "sweep" / name))


def test_a_failed_single_run_ends_failed(tmp_path):
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    args = ["train", *TINY, "optimizer.learning_rate=1e30", "trainer.callbacks.early_stopping=null", "logger=mlflow"]
    result = run_forecast([*args, f"logger.tracking_uri={store}", f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # diverged
    assert RunDir(tmp_path / "run").record()["status"] == "failed"
    (entry,) = logged_runs(mlflow.MlflowClient(tracking_uri=store), "forecast").values()
    assert entry.info.status == "FAILED" and entry.data.params["optimizer.learning_rate"] == "1e+30"


def test_an_unreachable_tracking_server_stops_the_run_in_one_line_within_seconds(tmp_path):
    uri = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    result = run_forecast(["train", *TINY, "logger=mlflow", f"logger.tracking_uri={uri}"], cwd=tmp_path)
    elapsed = time.monotonic() - started
    assert result.returncode == 2 and elapsed < 30  # MLflow's own retries take about 4.5 minutes
    errors = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert f"cannot reach logger.tracking_uri={uri}" in errors[0] and "logger.tracking_uri=sqlite:///" in errors[0]
    assert not (tmp_path / "outputs" / "train").exists()  # before Hydra made the run's directory


def test_an_unreachable_tracking_server_stops_a_sweep_before_its_first_job(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    uri = f"http://127.0.0.1:{closed_port()}"
    args = ["train", "-m", *TINY, "window.input_width=4,8", "logger=mlflow", f"logger.tracking_uri={uri}"]
    assert forecast_in_process(*args, "logger.connect_timeout_s=2", f"hydra.sweep.dir={tmp_path / 'sweep'}") == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("forecast: error:")]
    assert len(errors) == 1 and f"logger.tracking_uri={uri} within logger.connect_timeout_s=2" in errors[0]
    assert not (tmp_path / "sweep").exists()
