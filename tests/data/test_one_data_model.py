"""One data model: one series is a panel of one. The same series given as `data=csv` and as `data=panel` with one
id trains to the same metrics, forecasts the same future and backtests alike; a `data=sine` run (10,000 series
split whole) forecasts every series, or the ones asked for; every run gets the same metric vocabulary."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from helpers import run_forecast

SAME = ["data.scaler=standard", "data.split.protocol=tutorial", "window.input_width=8", "window.label_width=4",
        "window.shift=4", "model=dense", "model.units=[8]", "trainer.epochs=2", "trainer.batch_size=8",
        "trainer.deterministic=true", "trainer.verbose=silent", "seed=3"]


def read_json(path):
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    """The runs of one daily series as a CSV file and as a panel of one series ("only"), and their outputs."""
    root = tmp_path_factory.mktemp("twins")
    t = np.arange(160)
    values = np.round(20 + 5 * np.sin(2 * np.pi * t / 7) + 0.1 * t + np.cos(t), 4)
    days = pd.date_range("2022-03-01", periods=len(t), freq="D").strftime("%Y-%m-%d")
    pd.DataFrame({"day": days, "y": values}).to_csv(root / "one.csv", index=False)
    pd.DataFrame({"sid": "only", "day": days, "y": values}).to_csv(root / "long.csv", index=False)
    kinds = {
        "csv": ["data=csv", f"data.path={root / 'one.csv'}", "data.date_column=day", "data.target=y"],
        "panel": ["data=panel", f"data.path={root / 'long.csv'}", "data.id_column=sid", "data.date_column=day",
                  "data.target=y", "data.horizon=null"],
    }
    runs = {}
    for kind, data in kinds.items():
        run = root / kind
        result = run_forecast(["train", *data, *SAME, f"hydra.run.dir={run}"], cwd=root)
        assert result.returncode == 0, result.stderr
        for command in ("predict", "backtest"):
            done = run_forecast([command, f"run={run}", f"output={root / f'{kind}_{command}'}"], cwd=root)
            assert done.returncode == 0, done.stderr
        runs[kind] = run
    return root, runs


def test_a_series_as_csv_and_as_a_panel_of_one_has_the_same_metrics(twins):
    root, runs = twins
    csv_metrics, panel_metrics = (read_json(runs[k] / "metrics.json") for k in ("csv", "panel"))
    assert read_json(runs["panel"] / "run.json")["scaler"]["per_series"] is True  # its own scaling: the same numbers
    # one scaler file each: the one group of the CSV's series, the panel's group per series id
    assert (runs["csv"] / "scaler.json").is_file() and not (runs["csv"] / "series_scaler.json").exists()
    assert (runs["panel"] / "series_scaler.json").is_file() and not (runs["panel"] / "scaler.json").exists()
    assert read_json(runs["panel"] / "series_scaler.json")["ids"] == ["only"]
    assert read_json(runs["panel"] / "series_scaler.json")["offset"] == [read_json(runs["csv"] / "scaler.json")["offset"]]
    assert set(csv_metrics) == set(panel_metrics)  # one vocabulary
    assert {"test/mase", "test/owa", "test/real_mape", "test/real_mae[y]", "test/series"} <= set(csv_metrics)
    for key, value in csv_metrics.items():
        assert panel_metrics[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    assert csv_metrics["test/series"] == 1 and math.isfinite(csv_metrics["test/mase"])
    by_series = [pd.read_csv(runs[k] / "metrics_by_series.csv") for k in ("csv", "panel")]
    assert by_series[0].id.tolist() == ["one"] * 3 and by_series[1].id.tolist() == ["only"] * 3
    columns = [c for c in by_series[0].columns if c != "id"]
    pd.testing.assert_frame_equal(by_series[0][columns], by_series[1][columns], rtol=1e-9)


def test_a_series_as_csv_and_as_a_panel_of_one_forecasts_and_backtests_alike(twins):
    root, _ = twins
    csv_future = pd.read_csv(root / "csv_predict" / "predictions.csv")
    panel_future = pd.read_csv(root / "panel_predict" / "predictions.csv")
    assert panel_future.id.unique().tolist() == ["only"] and csv_future.id.unique().tolist() == ["one"]
    assert csv_future.columns.tolist() == panel_future.columns.tolist() == ["id", "timestamp", "step", "y"]  # one layout
    assert csv_future.step.tolist() == [1, 2, 3, 4]
    after = pd.date_range("2022-03-01", periods=164, freq="D")[160:].strftime("%Y-%m-%d").tolist()  # the 4 days after
    assert csv_future.timestamp.tolist() == panel_future.timestamp.tolist() == after
    np.testing.assert_allclose(csv_future.y, panel_future.y, rtol=1e-6)
    csv_backtest = pd.read_csv(root / "csv_backtest" / "backtest.csv")
    panel_backtest = pd.read_csv(root / "panel_backtest" / "backtest.csv")
    assert len(csv_backtest) == len(panel_backtest) > 0
    for column in ("origin", "timestamp", "step", "column"):
        assert csv_backtest[column].tolist() == panel_backtest[column].tolist(), column
    np.testing.assert_allclose(csv_backtest.actual, panel_backtest.actual, rtol=1e-6)
    np.testing.assert_allclose(csv_backtest.forecast, panel_backtest.forecast, rtol=1e-6)
    csv_scores, panel_scores = (read_json(root / f"{k}_backtest" / "metrics.json") for k in ("csv", "panel"))
    assert csv_scores["origins"] == panel_scores["origins"] and csv_scores["season"] == panel_scores["season"] == 7
    assert csv_scores["real"]["mae"] == pytest.approx(panel_scores["real_mae"], rel=1e-6)
    assert csv_scores["real"]["smape"] == pytest.approx(panel_scores["real_smape"], rel=1e-6)


@pytest.fixture(scope="module")
def sine_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("sine")
    run = root / "run"
    result = run_forecast(["train", "data.n_series=60", "trainer.epochs=1", "trainer.verbose=silent", f"hydra.run.dir={run}"], cwd=root)
    assert result.returncode == 0, result.stderr
    return root, run


def test_a_sine_run_forecasts_every_series_or_the_ones_asked_for(sine_run):
    root, run = sine_run
    result = run_forecast(["predict", f"run={run}", "horizon=3", f"output={root / 'every'}"], cwd=root)
    assert result.returncode == 0, result.stderr
    every = pd.read_csv(root / "every" / "predictions.csv", dtype={"id": str})
    assert every.id.unique().tolist() == [str(i) for i in range(60)]  # "0".."59", in the data's order
    assert every.groupby("id").step.apply(list).map(tuple).unique().tolist() == [(1, 2, 3)]
    assert every.value.abs().max() < 2 and every.value.notna().all()
    result = run_forecast(["predict", f"run={run}", "horizon=3", "ids=[17,4]", f"output={root / 'two'}"], cwd=root)
    assert result.returncode == 0, result.stderr
    two = pd.read_csv(root / "two" / "predictions.csv", dtype={"id": str})
    assert two.id.unique().tolist() == ["17", "4"]
    pd.testing.assert_frame_equal(two.reset_index(drop=True), pd.concat([every[every.id == i] for i in ("17", "4")]).reset_index(drop=True))
    refused = run_forecast(["predict", f"run={run}", "ids=[17,x]", f"output={root / 'bad'}"], cwd=root)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].startswith("forecast: error: ids: 'x' is not a series of the data; its 60 series are 0, 1,")


def test_a_sine_run_is_scored_on_the_whole_series_of_each_split(sine_run):
    _, run = sine_run
    metrics = read_json(run / "metrics.json")
    by_series = pd.read_csv(run / "metrics_by_series.csv", dtype={"id": str})
    assert by_series.groupby("split").id.count().to_dict() == {"train": 42, "val": 12, "test": 6}  # 70/20/10 of 60
    assert by_series[by_series.split == "test"].id.tolist() == [str(i) for i in range(54, 60)]
    assert metrics["test/series"] == 6
    # whole series are the samples: the split's figures pool its windows (one per series here, so the mean
    # absolute error is also the mean over series; the root of the pooled squares is not)
    test = by_series[by_series.split == "test"]
    assert metrics["test/real_mae"] == pytest.approx(test.real_mae.mean(), rel=1e-9)
    assert metrics["test/real_rmse"] == pytest.approx(math.sqrt((test.real_rmse**2).mean()), rel=1e-9)
