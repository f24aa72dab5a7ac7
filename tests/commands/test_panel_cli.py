"""Panels through the real `forecast` script: a .tsf trained with the seasonal naive and scored, predicted and
backtested with hand-computed figures; a long table with a global N-BEATS; bad input in one line, exit 2."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import ROOT, only_run, run_forecast

TSF = """# two quarterly series of different lengths, horizon 2
@relation Test
@attribute series_name string
@attribute start_timestamp date
@frequency quarterly
@horizon 2
@missing false
@equallength false
@data
S1:2000-01-01 00-00-00:1,2,3,4,5,6,7,8,9,10,11,12
S2:2001-04-01 00-00-00:10,20,30,40,50,60,70,80,90,100
"""


def error_line(result):
    lines = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
    assert result.returncode == 2 and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_tsf_seasonal_naive_train_evaluate_predict_backtest(tmp_path):
    (tmp_path / "q.tsf").write_text(TSF)
    result = run_forecast(["train", "data=tsf", "data.path=q.tsf", "model=seasonal_naive"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run(tmp_path)
    # test: S1 rows 10, 11 (11, 12) forecast from rows 6, 7 (7, 8); S2 rows 8, 9 (90, 100) from rows 4, 5 (50, 60);
    # in-sample (rows before the test) seasonal differences are 4 and 40: MASE 1 for both
    smape = ((200 * 4 / 18 + 200 * 4 / 20) / 2 + (200 * 40 / 140 + 200 * 40 / 160) / 2) / 2
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test/real_smape"] == pytest.approx(smape, rel=1e-6)
    assert metrics["test/mase"] == pytest.approx(1.0, rel=1e-6) and metrics["test/owa"] == pytest.approx(1.0, rel=1e-6)
    assert metrics["test/real_mae"] == pytest.approx((4 + 40) / 2, rel=1e-6) and metrics["test/series"] == 2
    by_series = pd.read_csv(run / "metrics_by_series.csv")
    assert list(by_series[by_series.split == "test"].id) == ["S1", "S2"]
    assert json.loads((run / "series_scaler.json").read_text())["ids"] == ["S1", "S2"]

    result = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert evaluation["metrics"]["test/real_smape"] == pytest.approx(smape, rel=1e-6)
    assert evaluation["max_abs_diff_vs_training"] < 1e-9
    assert pd.read_csv(run / "evaluation_by_series.csv").mase.tolist() == pytest.approx([1.0, 1.0])

    # 3 steps: 2 direct, the third from the window the first two extend (recursive)
    result = run_forecast(["predict", f"run={run}", "horizon=3", "output=pred"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    predictions = pd.read_csv(tmp_path / "pred" / "predictions.csv")
    assert list(predictions.columns) == ["id", "timestamp", "step", "value"]
    assert predictions.step.tolist() == [1, 2, 3] * 2
    assert predictions.id.tolist() == ["S1"] * 3 + ["S2"] * 3
    assert predictions.timestamp.tolist()[:3] == ["2003-01-01", "2003-04-01", "2003-07-01"]
    assert predictions.timestamp.tolist()[3:] == ["2003-10-01", "2004-01-01", "2004-04-01"]
    np.testing.assert_allclose(predictions.value, [9, 10, 11, 70, 80, 90], rtol=1e-6)

    result = run_forecast(["backtest", f"run={run}", "split=test", "output=bt"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    backtest = pd.read_csv(tmp_path / "bt" / "backtest.csv")
    assert list(backtest.columns) == ["id", "origin", "timestamp", "step", "column", "actual", "forecast"]
    assert len(backtest) == 2 * 2 and backtest.origin.tolist()[:2] == ["2002-04-01"] * 2  # S1's last observed row
    assert json.loads((tmp_path / "bt" / "metrics.json").read_text())["real_smape"] == pytest.approx(smape, rel=1e-6)


def test_long_table_global_nbeats_per_series_files(tmp_path):
    rows = []
    for name, length, level in (("a", 40, 10.0), ("b", 33, 1000.0), ("c", 26, -5.0)):
        t = np.arange(length)
        values = level + np.sin(2 * np.pi * t / 4) * abs(level) / 10
        rows += [(name, d, v) for d, v in zip(pd.date_range("2021-01-01", periods=length, freq="D").strftime("%Y-%m-%d"), values)]
    pd.DataFrame(rows, columns=["sid", "day", "y"]).sample(frac=1, random_state=0).to_csv(tmp_path / "long.csv", index=False)
    args = ["train", "data=panel", "data.path=long.csv", "data.id_column=sid", "data.date_column=day", "data.target=y",
            "data.horizon=4", "data.sort=true", "model=nbeats", "model.stacks=2", "model.units=8", "trainer.epochs=1",
            "trainer.verbose=silent"]
    result = run_forecast(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run(tmp_path)
    record = json.loads((run / "run.json").read_text())
    assert record["window"]["input_width"] == 8 and record["window"]["label_width"] == 4
    assert record["data"]["series"] == 3 and record["data"]["season"] == 7 and record["split"]["protocol"] == "competition"
    assert record["windows"] == {"train": 21 + 14 + 7, "val": 3, "test": 3}  # train: length - 2 * 4 - (8 + 4) + 1
    scaler = json.loads((run / "series_scaler.json").read_text())
    assert scaler["ids"] == ["a", "c", "b"] and scaler["kind"] == "meanabs"  # in the order the shuffled rows name them
    forecast = pd.read_csv(run / "forecast.csv")  # the last test window: series b, in its own units
    assert forecast.y_actual.between(900, 1100).all()
    assert pd.read_csv(run / "metrics_by_series.csv").query("split == 'test'").id.tolist() == ["a", "c", "b"]

    import tensorflow as tf  # the serving signature takes each window's series

    loaded = tf.saved_model.load(str(run / "saved_model"))
    window = np.full((1, 8, 1), 1000.0, dtype=np.float32)
    answer = loaded.signatures["serving_default"](inputs=tf.constant(window), series=tf.constant([2]))["forecast"].numpy()
    assert answer.shape == (1, 4, 1) and np.isfinite(answer).all()


def test_a_panel_forecasting_several_steps_per_label_step_trains_and_evaluates_alike(tmp_path):
    # every label step holds 3 values ahead: each is scored in real units against the row it forecasts
    rows = [(name, d, level + (i % 4)) for name, level in (("a", 10.0), ("b", 50.0))
            for i, d in enumerate(pd.date_range("2021-01-01", periods=60, freq="D").strftime("%Y-%m-%d"))]
    pd.DataFrame(rows, columns=["sid", "day", "y"]).to_csv(tmp_path / "two.csv", index=False)
    args = ["train", "data=panel", "data.path=two.csv", "data.id_column=sid", "data.date_column=day", "data.target=y",
            "data.horizon=null", "data.split.protocol=ltsf", "window.input_width=4", "window.horizon=2",
            "window.steps_ahead=3", "model=linear",
            "trainer.epochs=1", "trainer.verbose=silent"]
    result = run_forecast(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run(tmp_path)
    assert json.loads((run / "run.json").read_text())["window"]["steps_ahead"] == 3
    metrics = json.loads((run / "metrics.json").read_text())
    by_series = pd.read_csv(run / "metrics_by_series.csv").query("split == 'test'")
    assert by_series.id.tolist() == ["a", "b"] and (by_series.windows > 0).all()
    assert metrics["test/real_mae"] == pytest.approx(by_series.real_mae.mean(), rel=1e-9)  # the mean over series
    assert metrics["test/series"] == 2 and metrics["test/real_mae[y]"] == metrics["test/real_mae"]
    assert metrics["test/real_mae"] > 0 and math.isfinite(metrics["test/mase"])
    result = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert evaluation["series_metrics"] and evaluation["max_abs_diff_vs_training"] < 1e-9
    assert set(evaluation["metrics"]) == {k for k in json.loads((run / "metrics.json").read_text()) if k.startswith("test/")}


def test_bad_panel_input_is_one_line_and_exit_2(tmp_path):
    pd.DataFrame({"sid": ["a", "a", "b", "a"], "date": ["2020-01-01", "2020-01-02", "2020-01-01", "2020-01-02"], "y": [1, 2, 3, 4]}).to_csv(
        tmp_path / "dup.csv", index=False
    )
    result = run_forecast(["train", "data=panel", "data.path=dup.csv", "data.id_column=sid", "data.date_column=date", "data.target=y"], cwd=tmp_path)
    assert "1 duplicated (id, date) pairs" in error_line(result) and "id 'a' at 2020-01-02" in error_line(result)
    (tmp_path / "bad.tsf").write_text(TSF.replace("@horizon 2", "@horizon soon"))
    result = run_forecast(["train", "data=tsf", "data.path=bad.tsf"], cwd=tmp_path)
    assert "line 6: @horizon must be a positive integer, got 'soon'" in error_line(result)
    statuses = [json.loads(p.read_text())["status"] for p in Path(tmp_path).glob("outputs/train/**/run.json")]
    assert statuses == ["failed", "failed"]


# The Monash archive's files, where a checkout keeps them beside the repository (../shared/data); the
# seasonal naive's MASE on them is published in amazon-science/chronos-forecasting
# (scripts/evaluation/results/seasonal-naive-zero-shot.csv), computed on the same last-horizon protocol.
MONASH = ROOT.parent / "shared" / "data"
PUBLISHED_SEASONAL_NAIVE_MASE = {"tourism_quarterly_dataset.tsf": 1.6989892627474672, "m3_monthly_dataset.tsf": 1.1462045758327934}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PUBLISHED_SEASONAL_NAIVE_MASE))
def test_seasonal_naive_on_the_monash_files_matches_the_published_mase(tmp_path, name):
    if not (MONASH / name).is_file():
        pytest.skip(f"{MONASH / name} is not on this machine")
    result = run_forecast(["train", "data=tsf", f"data.path={MONASH / name}", "model=seasonal_naive"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((only_run(tmp_path) / "metrics.json").read_text())
    assert metrics["test/mase"] == pytest.approx(PUBLISHED_SEASONAL_NAIVE_MASE[name], rel=1e-6)
    assert metrics["test/owa"] == pytest.approx(1.0, rel=1e-6)
