"""`forecast backtest` end to end: historical forecasts from every origin of a split, with the run's
own test metrics as the check of the direct case, and the recursive case beyond the direct steps."""

import csv
import json

import numpy as np
import pandas as pd
import pytest
from helpers import finished_outputs, make_frame, run_forecast, train_target_only_run


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A multi-step linear run (12 hours in, the next 4 out) on an hourly target-only CSV."""
    root = tmp_path_factory.mktemp("backtest")
    return root, train_target_only_run(root, 400, "window.label_width=4", "window.shift=4")


def read_json(path):
    return json.loads(path.read_text())


def test_every_origin_of_the_test_split_reproduces_the_runs_test_mae(trained, tmp_path):
    root, run = trained
    result = run_forecast(["backtest", f"run={run}", f"output={tmp_path / 'bt'}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    metrics = read_json(tmp_path / "bt" / "metrics.json")
    record = read_json(run / "run.json")
    assert metrics["horizon"] == 4 and metrics["stride"] == 1 and metrics["season"] == 24
    assert metrics["origins"] == record["windows"]["test"]
    assert metrics["scaled"]["mae"] == pytest.approx(read_json(run / "metrics.json")["test/mae"], abs=1e-6)
    assert len(metrics["by_step"]) == 4 and metrics["by_step"][0]["step"] == 1
    assert set(metrics["real"]) >= {"mae", "rmse", "mape", "smape", "mase"}
    # the same windows, the same rule for MASE's in-sample part (the rows before the test split): training's figure
    trained_metrics = read_json(run / "metrics.json")
    assert metrics["real"]["mase"] == pytest.approx(trained_metrics["test/mase"], rel=1e-5)
    assert metrics["mase"] == pytest.approx(metrics["real"]["mase"], rel=1e-12) and metrics["series"] == 1  # one series: its mean is its own

    with open(tmp_path / "bt" / "backtest.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == metrics["origins"] * 4
    assert list(rows[0]) == ["id", "origin", "timestamp", "step", "column", "actual", "forecast"]
    assert {row["id"] for row in rows} == {"series"}  # the file's stem
    frame = make_frame(400)
    actual = dict(zip(pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d %H:%M"), frame["target"]))
    for row in rows[:: max(1, len(rows) // 25)]:  # the actual values are the file's own, at their timestamps
        assert float(row["actual"]) == pytest.approx(actual[row["timestamp"]], rel=1e-6, abs=1e-6)
        origin = pd.Timestamp(row["origin"]) + pd.Timedelta(hours=int(row["step"]))
        assert origin.strftime("%Y-%m-%d %H:%M") == row["timestamp"]
    real_mae = np.mean([abs(float(r["forecast"]) - float(r["actual"])) for r in rows])
    assert metrics["real"]["mae"] == pytest.approx(real_mae, rel=1e-5)
    for picture in ("error_by_step.png", "forecasts.png"):
        assert (tmp_path / "bt" / picture).stat().st_size > 10_000
    assert read_json(tmp_path / "bt" / "run.json")["method"] == "direct"


def test_a_horizon_beyond_the_direct_steps_is_backtested_recursively(trained, tmp_path):
    _, run = trained
    args = ["backtest", f"run={run}", "split=val", "stride=5", "season=1"]
    for horizon, name in ((10, "recursive"), (4, "direct")):
        result = run_forecast([*args, f"horizon={horizon}", f"output={tmp_path / name}"], cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    metrics = read_json(tmp_path / "recursive" / "metrics.json")
    record = read_json(tmp_path / "recursive" / "run.json")
    assert record["method"] == "recursive" and record["direct_steps"] == 4 and record["split"] == "val"
    val_rows = read_json(run / "run.json")["rows"]["val"]
    assert metrics["origins"] == len(range(12, val_rows - 10 + 1, 5)) and len(metrics["by_step"]) == 10
    assert metrics["season"] == 1
    # the recursion changes nothing within the direct steps: steps 1-4 are the direct forecasts
    recursive = pd.read_csv(tmp_path / "recursive" / "backtest.csv").set_index(["origin", "step"])["forecast"]
    direct = pd.read_csv(tmp_path / "direct" / "backtest.csv").set_index(["origin", "step"])["forecast"]
    shared = recursive.index.intersection(direct.index)
    assert len(shared) == metrics["origins"] * 4
    np.testing.assert_allclose(recursive.loc[shared].to_numpy(), direct.loc[shared].to_numpy(), rtol=1e-6)
    assert recursive.xs(5, level="step").notna().all()


@pytest.mark.parametrize(
    "args, message",
    [
        (["stride=0"], "stride must be >= 1, got 0"),
        (["split=all"], "split must be one of test, val, train"),
        (["horizon=5000"], "no series of the test split has 12 rows before an origin and 5000 after it"),
    ],
)
def test_bad_backtests_are_one_line_and_exit_2(trained, tmp_path, args, message):
    _, run = trained
    result = run_forecast(["backtest", f"run={run}", *args], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in result.stderr
    assert not finished_outputs(tmp_path, "outputs/backtest/*/*/run.json")
