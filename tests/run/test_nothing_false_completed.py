"""Nothing non-finite is marked completed (issue 13): weights blown up by the last update, data that
overflow float32 once scaled; the run is `failed` with a line naming the cause, and no metrics.json."""

import json

import pandas as pd

from helpers import data_config, run_forecast, tiny_train_overrides, window_config


def record(run):
    return json.loads((run / "run.json").read_text())


def error_lines(stderr: str):
    return [line for line in stderr.splitlines() if line.startswith("forecast:")]


def test_an_infinite_learning_rate_fails_as_diverged_naming_it(tmp_path, csv_file):
    run = tmp_path / "run"
    # one batch per epoch: the loss the guard sees is computed before the update that blows up the weights
    args = [*tiny_train_overrides(csv_file), "trainer.epochs=1", "trainer.batch_size=1024", "optimizer.learning_rate=inf"]
    result = run_forecast(["train", *args, f"hydra.run.dir={run}"], tmp_path)
    assert result.returncode == 1, result.stderr
    (line,) = error_lines(result.stderr)
    assert "weights" in line and "not finite after the last update" in line and "learning_rate=inf" in line
    assert record(run)["status"] == "failed" and record(run)["error_kind"] == "diverged"
    assert not (run / "metrics.json").exists() and not (run / "forecast.csv").exists()


def test_data_beyond_float32_fail_naming_the_column_and_the_overflow(tmp_path, csv_file):
    frame = pd.read_csv(csv_file)
    frame.loc[57, "temp"] = 1e39
    frame.to_csv(csv_file, index=False)
    run = tmp_path / "run"
    result = run_forecast(["train", *tiny_train_overrides(csv_file), "data.scaler=none", f"hydra.run.dir={run}"], tmp_path)
    assert result.returncode == 2
    (line,) = error_lines(result.stderr)
    assert "column 'temp' at row 58" in line and "overflows float32" in line and "Warning" not in result.stderr
    assert record(run)["status"] == "failed" and "overflows float32" in record(run)["error"]
    assert not (run / "metrics.json").exists()


def test_a_column_that_data_missing_cannot_fill_is_named_not_called_an_overflow(tmp_path):
    import pytest

    from forecast_cli.data.prepare import prepare_data
    from forecast_cli.errors import ForecastError

    frame = pd.DataFrame({"y": range(60), "empty": [float("nan")] * 60})
    frame.to_csv(tmp_path / "empty.csv", index=False)
    cfg = data_config("csv", path=str(tmp_path / "empty.csv"), target="y", missing="interpolate")
    with pytest.raises(ForecastError, match="column 'empty' at row 1 is nan after data.missing"):
        prepare_data(cfg, window_config(input_width=4))
