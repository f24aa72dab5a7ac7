"""trainer=fit and trainer=custom in-process on tiny data: parity, and the callbacks both loops drive."""

import csv
import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from hydra import compose, initialize_config_module
from tensorboard.backend.event_processing.event_accumulator import TENSORS, EventAccumulator

import forecast_cli.commands.train  # noqa: F401  (stores the schemas of the train config)
import forecast_cli.models.layers  # noqa: F401  (registers the custom layers for keras.models.load_model)
from forecast_cli.data.prepare import prepare_data
from forecast_cli.errors import TrainingDiverged
from forecast_cli.models import build_model
from forecast_cli.run.layout import RunDir
from forecast_cli.run.model_files import load_model
from forecast_cli.trainer.session import run_training

from helpers import make_frame, tiny_train_overrides

TRAIN_WINDOWS = int(400 * 0.7) - 13 + 1  # make_frame rows, input 12 + shift 1


@pytest.fixture(scope="module")
def series_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "series.csv"
    make_frame().to_csv(path, index=False)
    return path


def train(tmp_path, series_csv, name, overrides):
    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        cfg = compose("train", overrides=tiny_train_overrides(series_csv) + ["trainer.tensorboard.enabled=false", *overrides])
    run = RunDir(tmp_path / name)
    run.start(task="train")
    return cfg, run, run_training(cfg, run)


def history(run):
    with open(run.history_csv) as handle:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def test_fit_and_custom_give_the_same_epochs_and_test_metrics(tmp_path, series_csv):
    common = ["trainer.epochs=3", "trainer.deterministic=true", "trainer.callbacks.early_stopping=null",
              "trainer.tensorboard.enabled=true"]
    _, fit_run, fit_metrics = train(tmp_path, series_csv, "fit", ["trainer=fit", *common])
    _, custom_run, custom_metrics = train(tmp_path, series_csv, "custom", ["trainer=custom", *common])
    fit_rows, custom_rows = history(fit_run), history(custom_run)
    assert len(fit_rows) == len(custom_rows) == 3
    for fit_row, custom_row in zip(fit_rows, custom_rows):
        for key in ("loss", "mae", "val_loss", "val_mae", "learning_rate"):
            assert custom_row[key] == pytest.approx(fit_row[key], abs=1e-5), key
    assert fit_rows[0]["loss"] != pytest.approx(fit_rows[2]["loss"], abs=1e-3)  # it really trained
    for key, value in fit_metrics.items():
        assert custom_metrics[key] == pytest.approx(value, abs=1e-5), key
    events = EventAccumulator(str(custom_run.tensorboard_dir / "validation"), size_guidance={TENSORS: 0}).Reload()
    logged = [float(tf.make_ndarray(e.tensor_proto)) for e in events.Tensors("epoch_loss")]
    np.testing.assert_allclose(logged, [row["val_loss"] for row in custom_rows], rtol=1e-6)


@pytest.mark.slow
def test_custom_loop_with_xla_matches_the_plain_steps(tmp_path, series_csv):
    common = ["trainer=custom", "trainer.epochs=2", "trainer.callbacks.early_stopping=null"]
    _, plain, _ = train(tmp_path, series_csv, "plain", common)
    _, xla, _ = train(tmp_path, series_csv, "xla", [*common, "trainer.jit_compile=true"])
    for plain_row, xla_row in zip(history(plain), history(xla), strict=True):
        for key in ("loss", "mae", "val_loss", "val_mae"):
            assert xla_row[key] == pytest.approx(plain_row[key], abs=1e-4), key


def test_custom_loop_early_stopping_restores_the_best_weights(tmp_path, series_csv):
    # min_delta so large that only the first epoch counts as an improvement: stop after epoch 2, keep epoch 1
    stop = ["trainer.callbacks.early_stopping.patience=1", "+trainer.callbacks.early_stopping.min_delta=100"]
    _, run, metrics = train(tmp_path, series_csv, "stop", ["trainer=custom", "trainer.epochs=6", *stop])
    rows = history(run)
    assert len(rows) == 2
    assert metrics["val/loss"] == pytest.approx(rows[0]["val_loss"], rel=1e-5)
    assert metrics["val/loss"] != pytest.approx(rows[1]["val_loss"], rel=1e-5)


def test_custom_loop_stops_on_a_non_finite_loss(tmp_path, series_csv):
    explode = ["optimizer=sgd", "optimizer.learning_rate=1e12", "trainer.epochs=5", "trainer.callbacks.early_stopping=null"]
    with pytest.raises(TrainingDiverged, match=r"at epoch 1, batch \d+"):
        train(tmp_path, series_csv, "nan", ["trainer=custom", *explode])
    assert not (tmp_path / "nan" / "model.keras").exists()


def test_custom_loop_follows_a_learning_rate_schedule(tmp_path, series_csv):
    schedule = (
        "optimizer.learning_rate={_target_: keras.optimizers.schedules.ExponentialDecay,"
        "initial_learning_rate: 0.01, decay_steps: 10, decay_rate: 0.5}"
    )
    _, run, _ = train(tmp_path, series_csv, "schedule", ["trainer=custom", "trainer.epochs=2", schedule])
    steps = math.ceil(TRAIN_WINDOWS / 16)
    expected = [0.01 * 0.5 ** (steps * epoch / 10) for epoch in (1, 2)]
    np.testing.assert_allclose([row["learning_rate"] for row in history(run)], expected, rtol=1e-5)


def test_custom_loop_drives_reduce_lr_on_plateau(tmp_path, series_csv):
    plateau = (
        "+trainer.callbacks.plateau={_target_: keras.callbacks.ReduceLROnPlateau, monitor: loss,"
        "factor: 0.5, patience: 0, min_delta: 100}"
    )
    _, run, _ = train(tmp_path, series_csv, "plateau", ["trainer=custom", "trainer.epochs=3", "optimizer.learning_rate=1e-3", plateau])
    rates = [row["learning_rate"] for row in history(run)]  # recorded before the callback acts on that epoch
    np.testing.assert_allclose(rates, [1e-3, 1e-3, 5e-4], rtol=1e-6)
    assert float(keras.models.load_model(run.model_keras).optimizer.learning_rate) == pytest.approx(2.5e-4, rel=1e-6)


def test_custom_loop_clips_gradients(tmp_path, series_csv):
    # one step over the whole split with SGD(lr=1): every variable moves by exactly its clipped gradient
    clip = ["optimizer=sgd", "optimizer.learning_rate=1.0", "optimizer.clipnorm=1e-4", "trainer.epochs=1",
            f"trainer.batch_size={TRAIN_WINDOWS}"]
    cfg, run, _ = train(tmp_path, series_csv, "clip", ["trainer=custom", *clip])
    keras.backend.clear_session()
    keras.utils.set_random_seed(int(cfg.seed))
    initial = build_model(cfg.model, prepare_data(cfg.data, cfg.window).spec).get_weights()
    moved = [np.linalg.norm(after - before) for before, after in zip(initial, load_model(run.model_keras).get_weights())]
    np.testing.assert_allclose(moved, 1e-4, rtol=1e-3)


def test_mixed_float16_falls_back_on_a_cpu(tmp_path, series_csv):
    _, run, _ = train(tmp_path, series_csv, "fp16", ["trainer=custom", "trainer.epochs=0", "trainer.precision=mixed_float16"])
    assert run.record()["precision"] == "float32"
    assert keras.models.load_model(run.model_keras).get_layer("head").compute_dtype == "float32"


def test_custom_loop_scales_the_loss_under_mixed_float16(tmp_path, series_csv, monkeypatch):
    import forecast_cli.runtime.precision

    monkeypatch.setattr(forecast_cli.runtime.precision, "unsupported_reason", lambda policy: None)  # emulate on the CPU
    traced = []
    scale_loss = keras.optimizers.LossScaleOptimizer.scale_loss
    monkeypatch.setattr(keras.optimizers.LossScaleOptimizer, "scale_loss",
                        lambda self, loss: traced.append(loss) or scale_loss(self, loss))
    try:
        _, run, metrics = train(tmp_path, series_csv, "scaled", ["trainer=custom", "trainer.epochs=2", "trainer.precision=mixed_float16"])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert run.record()["precision"] == "mixed_float16"
    assert traced  # the train step scaled its loss
    model = keras.models.load_model(run.model_keras)
    assert model.get_layer("head").compute_dtype == "float16" and model.output.dtype == "float32"
    rows = history(run)
    assert rows[1]["loss"] < rows[0]["loss"] and all(math.isfinite(v) for v in metrics.values())
