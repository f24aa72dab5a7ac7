"""In-process training on tiny data through the composed config: artifacts and their contents."""

import csv

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import TENSORS, EventAccumulator

import forecast_cli.commands.train  # noqa: F401  (stores the schemas of the train config)
from forecast_cli.data.prepare import prepare_data
from forecast_cli.data.scaling import Scaler
from forecast_cli.evaluation.names import COLUMN_METRICS, METRICS
from forecast_cli.run.atomic import read_json
from forecast_cli.run.layout import RunDir
from forecast_cli.trainer.session import run_training

from helpers import compose_train, tiny_train_overrides


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from helpers import make_frame

    root = tmp_path_factory.mktemp("run")
    path = root / "series.csv"
    make_frame().to_csv(path, index=False)
    cfg = compose_train(tiny_train_overrides(path) + ["trainer.epochs=3", "trainer.callbacks.early_stopping=null"])
    run = RunDir(root / "run")
    run.start(task="train")
    metrics = run_training(cfg, run)
    return cfg, run, metrics


def test_metrics_cover_every_split(trained):
    _, run, metrics = trained
    scaled = {f"{s}/{m}" for s in ("train", "val", "test") for m in METRICS}
    real = {f"{s}/{m}{c}" for s in ("train", "val", "test") for m in COLUMN_METRICS for c in ("", "[target]")}
    series = {f"{s}/{m}" for s in ("train", "val", "test") for m in ("naive_smape", "naive_mase", "owa", "series")}
    assert set(metrics) == scaled | real | series
    assert metrics["test/series"] == 1
    assert metrics["test/rmse"] == pytest.approx(np.sqrt(metrics["test/mse"]))
    # single-step windows: the last time step is the only one
    assert metrics["test/last_time_step_mse"] == pytest.approx(metrics["test/mse"])
    assert read_json(run.metrics_json) == pytest.approx(metrics)


def test_window_counts_are_recorded_and_no_test_window_is_dropped(trained):
    _, run, _ = trained
    record = run.record()
    n = 400
    rows = {"train": int(n * 0.7), "val": int(n * 0.9) - int(n * 0.7), "test": n - int(n * 0.9)}
    assert record["rows"] == rows
    assert record["windows"] == {k: v - 13 + 1 for k, v in rows.items()}  # input 12 + shift 1
    assert len(record["data"]["sha256"]) == 64


def test_scaler_comes_from_the_training_rows_only(trained):
    cfg, run, _ = trained
    scaler = Scaler.load(run.scaler_json)
    from helpers import make_frame

    train = make_frame()[["target", "load", "temp"]].to_numpy()[: int(400 * 0.7)]
    np.testing.assert_allclose(scaler.offset, train.mean(axis=0))
    np.testing.assert_allclose(scaler.scale, train.std(axis=0, ddof=1))


def test_history_has_every_epoch_with_wall_time(trained):
    _, run, _ = trained
    with open(run.history_csv) as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert all(float(r["epoch_seconds"]) > 0 for r in rows)
    assert {"loss", "val_loss", "mae", "val_mae", "learning_rate"} <= set(rows[0])


def test_tensorboard_events_hold_the_epoch_losses(trained):
    _, run, _ = trained
    accumulator = EventAccumulator(str(run.tensorboard_dir / "train"), size_guidance={TENSORS: 0}).Reload()
    logged = [float(tf.make_ndarray(e.tensor_proto)) for e in accumulator.Tensors("epoch_loss")]
    with open(run.history_csv) as handle:
        history = [float(r["loss"]) for r in csv.DictReader(handle)]
    np.testing.assert_allclose(logged, history, rtol=1e-6)


def test_saved_model_serves_the_documented_signature_in_real_units(trained):
    cfg, run, metrics = trained
    loaded = tf.saved_model.load(str(run.saved_model_dir))
    scaler = Scaler.load(run.scaler_json)
    prepared = prepare_data(cfg.data, cfg.window, scaler=scaler, wanted=["test"])
    split = prepared.splits["test"]
    raw = scaler.inverse_transform(split.values.astype(np.float64))
    windows = np.stack([raw[s : s + 12] for s in split.starts])
    labels = np.stack([raw[s + 12 : s + 13, :1] for s in split.starts])
    serving = loaded.signatures["serving_default"]
    assert list(serving.structured_outputs) == ["forecast"]
    outputs = serving(inputs=tf.constant(windows, tf.float32))["forecast"].numpy()
    assert outputs.shape == (len(split.starts), 1, 1)
    # back in scaled units, the served forecasts score the run's own test MSE
    scaled_errors = (outputs - labels) / scaler.scale[0]
    assert np.mean(scaled_errors**2) == pytest.approx(metrics["test/mse"], rel=1e-5)
