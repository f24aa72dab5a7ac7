"""Parameter-free baselines through the real training path, against an independent NumPy computation
on the same data, and the real-unit forecast file (seed 003's airline year)."""

import csv

import numpy as np
import pytest
from hydra import compose, initialize_config_module

import forecast_cli.commands.train  # noqa: F401  (stores the schemas of the train config)
from forecast_cli.data.loaders.airline import PASSENGERS
from forecast_cli.run.layout import COMPLETED, RunDir
from forecast_cli.trainer.session import run_training

from helpers import make_frame


def train(tmp_path, overrides):
    """A completed run directory, as `forecast train` leaves it, trained in this process."""
    from omegaconf import OmegaConf

    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        cfg = compose("train", overrides=overrides + ["trainer.verbose=silent", "trainer.tensorboard.enabled=false"])
    run = RunDir(tmp_path / "run")
    run.start(task="train")
    run.config_yaml.write_text(OmegaConf.to_yaml(cfg, resolve=True))
    metrics = run_training(cfg, run)
    run.finish(COMPLETED)
    return run, metrics


def standardized_test_rows(values):
    """The tutorial's protocol by hand: 70/20/10 cut, train mean and sample std, the test rows."""
    n = len(values)
    train = values[: int(n * 0.7)]
    scaled = (values - train.mean(axis=0)) / train.std(axis=0, ddof=1)
    return scaled[int(n * 0.9) :]


@pytest.fixture(scope="module")
def frame_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "series.csv"
    make_frame(rows=600).to_csv(path, index=False)
    return path


def csv_overrides(path):
    return ["data=csv", f"data.path={path}", "data.date_column=date", "data.target=target"]


def test_last_baseline_equals_numpy(tmp_path, frame_path):
    _, metrics = train(tmp_path, csv_overrides(frame_path) + ["model=last", "window=single_step"])
    frame = make_frame(rows=600)
    test = standardized_test_rows(frame[["target", "load", "temp"]].to_numpy())[:, 0]
    width = 24
    errors = np.array([test[s + width] - test[s + width - 1] for s in range(len(test) - width)])
    assert metrics["test/mae"] == pytest.approx(np.abs(errors).mean(), rel=1e-5)
    assert metrics["test/mse"] == pytest.approx(np.square(errors).mean(), rel=1e-5)


def test_evaluate_drop_last_scores_the_windows_a_drop_last_loader_keeps(tmp_path, frame_path):
    from omegaconf import OmegaConf

    from forecast_cli.commands.evaluate import EvaluateConfig, evaluate_run

    run, _ = train(tmp_path, csv_overrides(frame_path) + ["model=last", "window=single_step"])
    frame = make_frame(rows=600)
    test = standardized_test_rows(frame[["target", "load", "temp"]].to_numpy())[:, 0]
    errors = np.array([test[s + 24] - test[s + 23] for s in range(len(test) - 24)])  # 36 windows
    result = evaluate_run(run, OmegaConf.structured(EvaluateConfig(run=str(run.root), split="test", allow_incomplete=False, drop_last=8)))
    assert (result["windows"], result["windows_dropped"], result["drop_last"]) == (32, 4, 8)
    assert result["metrics"]["test/mae"] == pytest.approx(np.abs(errors[:32]).mean(), rel=1e-5)
    assert result["metrics"]["test/mae"] != pytest.approx(np.abs(errors).mean(), rel=1e-5)
    assert result["max_abs_diff_vs_training"] is None  # training scored all 36: not comparable


def test_repeat_baseline_equals_numpy(tmp_path, frame_path):
    _, metrics = train(tmp_path, csv_overrides(frame_path) + ["model=repeat", "window=multi_step", "window.label_columns=[target,load]"])
    frame = make_frame(rows=600)
    test = standardized_test_rows(frame[["target", "load", "temp"]].to_numpy())[:, :2]
    errors = np.stack([test[s + 24 : s + 48] - test[s : s + 24] for s in range(len(test) - 48 + 1)])
    assert metrics["test/mae"] == pytest.approx(np.abs(errors).mean(), rel=1e-5)
    assert metrics["test/last_time_step_mse"] == pytest.approx(np.square(errors[:, -1]).mean(), rel=1e-5)


def test_airline_forecast_is_written_back_in_passengers(tmp_path):
    run, _ = train(tmp_path, ["data=airline", "model=repeat", "window.input_width=12", "window.label_width=12", "window.shift=12"])
    assert run.record()["split"] == {
        "protocol": "ltsf",
        "ranges": {"train": [0, 120], "val": [108, 132], "test": [120, 144]},
    }
    text = run.forecast_csv.read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert [r["timestamp"] for r in rows] == [f"1960-{month:02d}-01" for month in range(1, 13)]
    # exactly the passengers, without the float32 noise of the scaling (417.0000014901161)
    assert [float(r["passengers_actual"]) for r in rows] == [float(p) for p in PASSENGERS[132:]]
    assert [float(r["passengers_forecast"]) for r in rows] == [float(p) for p in PASSENGERS[120:132]]
    assert "0000" not in text and "9999" not in text
    assert run.forecast_png.stat().st_size > 10_000
