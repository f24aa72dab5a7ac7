"""How a real `forecast train` process ends when training itself goes wrong: a diverging loss, a Ctrl-C."""

import json
import signal
import subprocess
import time

from forecast_cli.run.checkpoint import load_checkpoint

from helpers import FORECAST, run_forecast, tiny_train_overrides


def test_a_nan_loss_fails_the_run_with_epoch_and_batch(tmp_path, csv_file):
    args = [a for a in tiny_train_overrides(csv_file) if not a.startswith("model.")]
    args += ["model=linear", "optimizer=sgd", "optimizer.learning_rate=1e12"]
    result = run_forecast(["train", *args], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
    assert len(lines) == 1 and "the training loss became" in lines[0] and "at epoch 1, batch " in lines[0], result.stderr
    assert "lower optimizer.learning_rate" in lines[0] and "Traceback" not in result.stderr
    (run,) = [p.parent for p in tmp_path.glob("outputs/train/*/*/run.json")]
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "failed" and record["error_kind"] == "diverged"
    assert record["error"] in lines[0]
    assert not (run / "metrics.json").exists() and not (run / "model.keras").exists()


def test_ctrl_c_stops_after_the_epoch_with_a_checkpoint(tmp_path, csv_file):
    args = [a for a in tiny_train_overrides(csv_file) if not a.startswith("trainer.epochs")] + ["trainer.epochs=50"]
    process = subprocess.Popen([FORECAST, "train", *args], cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list(tmp_path.glob("outputs/train/*/*/history.csv")):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    assert "SIGINT received: stopping after the current epoch" in stderr
    (run,) = [p.parent for p in tmp_path.glob("outputs/train/*/*/run.json")]
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "interrupted" and "stopped by SIGINT after epoch" in record["error"]
    epochs = len((run / "history.csv").read_text().splitlines()) - 1
    assert load_checkpoint(run / "checkpoint.npz").epochs_completed == epochs == record["epochs_completed"] < 50
