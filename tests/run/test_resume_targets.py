"""A run directory does not decide where its reader connects: `forecast train resume=RUN` leaves out the
logger (and TPU / worker addresses) that the run's .hydra/overrides.yaml and config.yaml name, and
logs only where its own command line says."""

import io
import shutil
import socket
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from forecast_cli.cli import main
from forecast_cli.commands.rewrite import resume_args
from forecast_cli.run.layout import RunDir

from helpers import OLD_RUNS, compose_train

INTERRUPTED = OLD_RUNS / "interrupted"  # 1 of 40 epochs, airline LSTM


def planted_run(root: Path, *overrides: str, **config) -> RunDir:
    """A copy of an interrupted run whose overrides.yaml and config.yaml were given `overrides` / `config`."""
    run = RunDir(root / "run")
    shutil.copytree(INTERRUPTED, run.root)
    saved = OmegaConf.load(run.overrides_yaml)
    OmegaConf.save(OmegaConf.create([*saved, *overrides]), run.overrides_yaml)
    OmegaConf.save(OmegaConf.merge(OmegaConf.load(run.config_yaml), config), run.config_yaml)
    return run


def resume(run: RunDir, *args) -> int:
    try:
        with redirect_stdout(io.StringIO()):
            return main(["train", f"resume={run.root}", "trainer.epochs=1", *args])  # ends at its checkpoint
    except SystemExit as exc:
        return int(exc.code or 0)


def files_under(folder: Path):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def listening():
    """A socket listening on 127.0.0.1: whatever connects to it waits in its backlog."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.setblocking(False)
        yield sock


def assert_nothing_connected(sock) -> None:
    with pytest.raises(BlockingIOError):
        sock.accept()


def test_a_planted_sqlite_logger_creates_no_database_outside_the_run(tmp_path, monkeypatch, capsys):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    uri = f"sqlite:///{outside / 'planted.db'}"
    run = planted_run(tmp_path, "logger=mlflow", f"logger.tracking_uri={uri}", logger={"name": "mlflow", "tracking_uri": uri})
    monkeypatch.chdir(tmp_path)
    assert resume(run) == 0
    assert run.record()["status"] == "completed" and run.record()["epochs_completed"] == 1
    assert files_under(outside) == [] and not (tmp_path / "outputs").exists()  # no database, no mlartifacts/
    assert not OmegaConf.load(run.config_yaml).logger  # the resumed run's config names no logger (logger=none)
    err = capsys.readouterr().err
    assert "forecast: warning: not using the run's saved logger, logger.tracking_uri: a resume connects" in err
    assert "forecast: error" not in err


def test_a_planted_http_logger_is_never_contacted_and_a_typed_one_is_used(tmp_path, monkeypatch, listening):
    mlflow = pytest.importorskip("mlflow", reason="logger=mlflow needs the mlflow extra")
    planted = f"http://127.0.0.1:{listening.getsockname()[1]}"
    run = planted_run(
        tmp_path, "logger=mlflow", f"logger.tracking_uri={planted}", logger={"name": "mlflow", "tracking_uri": planted}
    )
    store = f"sqlite:///{tmp_path / 'mine.db'}"
    monkeypatch.chdir(tmp_path)
    assert resume(run, "logger=mlflow", f"logger.tracking_uri={store}") == 0
    assert_nothing_connected(listening)
    client = mlflow.MlflowClient(tracking_uri=store)
    (entry,) = client.search_runs([client.get_experiment_by_name("forecast").experiment_id])
    assert entry.info.status == "FINISHED" and entry.data.tags["forecast.run_dir"] == str(run.root)
    assert entry.data.metrics["val/loss"] == run.metrics()["val/loss"]


def test_saved_tpu_and_worker_addresses_are_left_out_of_a_resume(tmp_path):
    run = planted_run(tmp_path, "strategy.tpu=grpc://203.0.113.9:8470", "+logger.artifact_location=s3://bucket")
    args = resume_args([f"resume={run.root}"])
    assert not [a for a in args if a.startswith(("strategy.tpu", "+logger"))]
    assert compose_train(args).strategy.tpu == "local"
    typed = resume_args([f"resume={run.root}", "strategy.tpu=my-tpu"])
    assert compose_train(typed).strategy.tpu == "my-tpu"
