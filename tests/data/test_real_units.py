"""Real-unit metrics of a run with two label columns of very different scales: training writes them
next to the scaled ones, and `forecast evaluate` reproduces them from disk."""

import json

import numpy as np
import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

import forecast_cli.commands.train  # noqa: F401  (stores the schemas of the train config)
from forecast_cli.data.prepare import prepare_data
from forecast_cli.data.scaling import Scaler
from forecast_cli.evaluation.names import METRICS
from forecast_cli.run.layout import COMPLETED, RunDir
from forecast_cli.run.model_files import load_model
from forecast_cli.trainer.session import run_training

from helpers import make_frame, run_forecast, tiny_train_overrides

LABELS = ["target", "load"]
REAL = ("real_mae", "real_rmse", "real_mape", "real_smape")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("real_units")
    frame = make_frame()
    frame["load"] = 1000.0 * frame["load"] + 5000.0  # thousands, next to a target of about 1
    path = root / "series.csv"
    frame.to_csv(path, index=False)
    overrides = [o for o in tiny_train_overrides(path) if not o.startswith("data.target=")]
    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        cfg = compose("train", overrides=[*overrides, f"data.target=[{','.join(LABELS)}]"])
    run = RunDir(root / "run")
    run.start(task="train")
    run.config_yaml.write_text(OmegaConf.to_yaml(cfg, resolve=True))  # what evaluate rebuilds the data from
    metrics = run_training(cfg, run)
    run.finish(COMPLETED)
    return cfg, run, metrics, frame


def test_scaled_keys_are_unchanged_and_real_keys_cover_every_label_column(trained):
    _, run, metrics, _ = trained
    scaled = {f"{s}/{m}" for s in ("train", "val", "test") for m in METRICS}
    real = {f"{s}/{m}" for s in ("train", "val", "test") for m in REAL}
    per_column = {f"{s}/{m}[{c}]" for s in ("train", "val", "test") for m in (*REAL, "mase") for c in LABELS}
    # a series' MASE and OWA against its seasonal naive, as a panel's (evaluation/by_series.py)
    by_series = {f"{s}/{m}" for s in ("train", "val", "test") for m in ("mase", "naive_smape", "naive_mase", "owa", "series")}
    assert set(metrics) == scaled | real | per_column | by_series
    assert run.metrics() == pytest.approx(metrics)


def test_real_mae_is_the_mae_of_the_inverse_transformed_predictions(trained):
    cfg, run, metrics, frame = trained
    scaler = Scaler.load(run.scaler_json)
    prepared = prepare_data(cfg.data, cfg.window, scaler=scaler, wanted=["test"])
    spec, split = prepared.spec, prepared.splits["test"]
    windows = np.stack([split.values[s : s + spec.total_width] for s in split.starts])
    inputs = windows[:, : spec.input_width][..., spec.input_indices]
    labels = windows[:, spec.label_start : spec.label_start + spec.label_width][..., spec.label_indices]  # scaled
    predicted = np.asarray(load_model(run.model_keras)(inputs, training=False), dtype=np.float64)
    forecast = scaler.inverse_transform(predicted, LABELS)
    actual = scaler.inverse_transform(labels.astype(np.float64), LABELS)
    # real units are the file's own: the last len(windows) rows of the label columns
    np.testing.assert_allclose(actual[:, 0], frame[LABELS].to_numpy()[-len(windows) :], rtol=1e-5)

    errors = np.abs(forecast - actual)
    assert metrics["test/real_mae"] == pytest.approx(errors.mean(), rel=1e-6)
    for j, column in enumerate(LABELS):
        assert metrics[f"test/real_mae[{column}]"] == pytest.approx(errors[..., j].mean(), rel=1e-6)
        assert metrics[f"test/real_rmse[{column}]"] == pytest.approx(np.sqrt((errors[..., j] ** 2).mean()), rel=1e-6)
    assert metrics["test/real_mae[load]"] > 100 * metrics["test/real_mae[target]"]
    assert metrics["test/mae"] == pytest.approx(np.abs(predicted - labels).mean(), rel=1e-5)


def test_history_png_is_written_after_training(trained):
    _, run, _, _ = trained
    png = run.history_png.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    assert run.record()["epochs_completed"] == 2


def test_evaluate_reproduces_the_real_unit_metrics_and_shows_each_column(trained, tmp_path):
    _, run, metrics, _ = trained
    result = run_forecast(["evaluate", f"run={run.root}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    evaluation = json.loads(run.evaluation_json.read_text())["metrics"]
    test_keys = {k for k in metrics if k.startswith("test/")}
    assert set(evaluation) == test_keys
    for key in test_keys:
        assert evaluation[key] == pytest.approx(metrics[key], rel=1e-6), key
    assert "real_mae" in result.stdout and "real_mape" not in result.stdout
    assert "per label column" in result.stdout and "load" in result.stdout
