"""Interrupting a real `forecast train` subprocess (SIGKILL, SIGTERM) and resuming it: the resumed
run must end with the same history and metrics as an uninterrupted one (deterministic mode)."""

import csv
import json
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import TENSORS, EventAccumulator

from helpers import FORECAST, make_frame, run_forecast

EPOCHS = 4


def overrides(csv_path: Path):
    return [
        "data=csv",
        f"data.path={csv_path}",
        "data.date_column=date",
        "data.target=target",
        "window.input_width=12",
        "model=dense",
        "model.units=[8]",
        f"trainer.epochs={EPOCHS}",
        "trainer.batch_size=16",
        "trainer.verbose=silent",
        "trainer.deterministic=true",
        "trainer.callbacks.early_stopping.patience=100",
    ]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("resume")
    path = root / "series.csv"
    make_frame(600).to_csv(path, index=False)
    return root, path


@pytest.fixture(scope="module")
def reference(data):
    """An uninterrupted run of the same config."""
    root, path = data
    cwd = root / "reference"
    cwd.mkdir()
    result = run_forecast(["train", *overrides(path)], cwd=cwd)
    assert result.returncode == 0, result.stderr
    (run,) = [p.parent for p in cwd.glob("outputs/train/*/*/run.json")]
    return run


def history(run: Path):
    with open(run / "history.csv") as handle:
        return list(csv.DictReader(handle))


def start_and_signal(cwd: Path, csv_path: Path, signum: int, after_epochs: int):
    """Start training, send `signum` once history.csv shows `after_epochs` epochs; return (process, run dir)."""
    process = subprocess.Popen(
        [FORECAST, "train", *overrides(csv_path)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 300
    run = None
    while time.monotonic() < deadline and process.poll() is None:
        found = list(cwd.glob("outputs/train/*/*/history.csv"))
        if found and len(history(found[0].parent)) >= after_epochs:
            run = found[0].parent
            break
        time.sleep(0.02)
    assert run is not None, process.communicate()[1]
    process.send_signal(signum)
    process.communicate(timeout=300)
    return process, run


def assert_same_training(run: Path, reference: Path):
    resumed, expected = history(run), history(reference)
    assert [int(r["epoch"]) for r in resumed] == list(range(1, EPOCHS + 1))
    for got, want in zip(resumed, expected):
        for key in ("loss", "val_loss", "mae", "val_mae"):
            assert float(got[key]) == pytest.approx(float(want[key]), abs=1e-6), (got["epoch"], key)
    got_metrics = json.loads((run / "metrics.json").read_text())
    want_metrics = json.loads((reference / "metrics.json").read_text())
    assert set(got_metrics) == set(want_metrics)
    for key, value in want_metrics.items():
        assert got_metrics[key] == pytest.approx(value, abs=1e-6), key


def test_resume_after_sigkill_matches_an_uninterrupted_run(data, reference):
    root, path = data
    cwd = root / "killed"
    cwd.mkdir()
    process, run = start_and_signal(cwd, path, signal.SIGKILL, after_epochs=2)
    assert process.returncode == -signal.SIGKILL
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "running" and not (run / "metrics.json").exists()

    result = run_forecast(["train", f"resume={run}"], cwd=cwd)
    assert result.returncode == 0, result.stderr
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "completed" and record["epochs_completed"] == EPOCHS
    assert 1 <= record["resumes"][0]["from_epoch"] < EPOCHS  # the checkpoint may lag history.csv by one epoch
    assert not list(run.glob(".*.tmp"))
    assert_same_training(run, reference)


@pytest.mark.slow  # 25-55 s on 2 shared cores; the SIGINT path of the same handler runs by default
def test_resume_after_sigterm_matches_and_appends_to_tensorboard(data, reference):
    root, path = data
    cwd = root / "terminated"
    cwd.mkdir()
    process, run = start_and_signal(cwd, path, signal.SIGTERM, after_epochs=1)
    assert process.returncode == 143
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "interrupted" and "SIGTERM" in record["error"]
    stopped_after = len(history(run))
    assert 1 <= stopped_after < EPOCHS and record["epochs_completed"] == stopped_after
    assert f"forecast train resume={run}" in record["error"]

    result = run_forecast(["train", f"resume={run}"], cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert json.loads((run / "run.json").read_text())["status"] == "completed"
    assert_same_training(run, reference)
    events = EventAccumulator(str(run / "tensorboard" / "train"), size_guidance={TENSORS: 0}).Reload()
    logged = {e.step: float(tf.make_ndarray(e.tensor_proto)) for e in events.Tensors("epoch_loss")}
    assert sorted(logged) == list(range(EPOCHS))
    np.testing.assert_allclose([logged[s] for s in range(EPOCHS)], [float(r["loss"]) for r in history(run)], rtol=1e-6)


def test_resume_refuses_completed_runs_and_changed_experiments(data, reference):
    root, _ = data
    before = (reference / "run.json").read_text()
    result = run_forecast(["train", f"resume={reference}"], cwd=root)
    assert result.returncode == 2 and "is already completed: nothing to resume" in result.stderr
    result = run_forecast(["train", f"resume={reference}", "model.units=4"], cwd=root)
    assert result.returncode == 2
    assert (
        "'model.units' cannot be changed (only trainer.epochs, trainer.verbose and where the run connects, "
        "logger, strategy.tpu, strategy.workers, can)"
    ) in result.stderr
    result = run_forecast(["train", f"resume={root}"], cwd=root)
    assert result.returncode == 2 and "not a run directory (no run.json)" in result.stderr
    assert (reference / "run.json").read_text() == before
