"""Nothing non-finite is written as a result, by any command (README "Nothing non-finite is completed"):
a model whose outputs overflow float32 makes predict, backtest, export and evaluate say so in one line and
exit 1 (`diverged`, as train does) with no completed output; a data value beyond float32 is a user mistake
(exit 2) naming its column, row and timestamp; sMAPE of a NaN forecast is NaN, not a perfect 0; and JSON
the project writes never holds a bare NaN."""

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest
from helpers import finished_outputs, make_frame, run_forecast, train_target_only_run

from forecast_cli.errors import TrainingDiverged
from forecast_cli.forecaster.finite import (
    require_finite_forecast,
    require_finite_metrics,
)
from forecast_cli.evaluation.point import point_metrics
from forecast_cli.evaluation.by_series import aggregate
from forecast_cli.evaluation.point import smape_terms
from forecast_cli.run.atomic import undefined_as_null, write_json_atomic

OVERFLOWING_KERNEL = 3e38  # float32 holds it; any sum of two such products does not


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A completed target-only linear run, and a copy whose weights make every output overflow float32 (as a
    2000-step recursion that feeds growing values back ends: inf, then inf - inf = NaN)."""
    import keras

    root = tmp_path_factory.mktemp("nonfinite")
    run = train_target_only_run(root, 200)
    overflowing = root / "overflowing"
    shutil.copytree(run, overflowing)
    model = keras.models.load_model(overflowing / "model.keras")
    for layer in model.layers:
        if getattr(layer, "kernel", None) is not None:
            layer.kernel.assign(np.full(layer.kernel.shape, OVERFLOWING_KERNEL, dtype="float32"))
    model.save(overflowing / "model.keras")
    return root, run, overflowing


def one_diverged_line(result) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("forecast: error: ")
    assert "is not finite" in line or "are not finite" in line
    assert "the model's outputs overflow float32" in line
    return line


@pytest.mark.parametrize("horizon", [1, pytest.param(2000, marks=pytest.mark.slow)])  # the recursion: 20 s more
def test_predict_refuses_a_forecast_that_overflows(runs, tmp_path, horizon):
    root, _, overflowing = runs
    result = run_forecast(["predict", f"run={overflowing}", f"horizon={horizon}", f"output={tmp_path / 'p'}"], cwd=root)

    line = one_diverged_line(result)
    assert f"the {horizon}-step forecast is not finite (" in line
    assert "at step 1, column 'target'" in line
    assert not finished_outputs(tmp_path, "p/run.json")
    assert not (tmp_path / "p" / "predictions.csv").exists()


def test_backtest_refuses_forecasts_that_overflow(runs, tmp_path):
    root, _, overflowing = runs
    result = run_forecast(["backtest", f"run={overflowing}", "horizon=3", f"output={tmp_path / 'b'}"], cwd=root)

    assert "the backtest's forecast of the test split is not finite" in one_diverged_line(result)
    assert not finished_outputs(tmp_path, "b/run.json")
    assert not [p.name for p in (tmp_path / "b").glob("*") if p.name in ("metrics.json", "backtest.csv")]


def test_export_refuses_a_model_whose_answer_overflows_and_leaves_no_version(runs, tmp_path):
    root, _, overflowing = runs
    result = run_forecast(["export", f"run={overflowing}", "name=m", f"dir={tmp_path / 'serving'}"], cwd=root)

    assert "the exported model's answer to its example is not finite" in one_diverged_line(result)
    assert list((tmp_path / "serving" / "m").iterdir()) == []  # no version, no staging directory left


def test_evaluate_refuses_metrics_that_overflow(runs):
    root, _, overflowing = runs
    result = run_forecast(["evaluate", f"run={overflowing}"], cwd=root)

    assert f"the metrics of {overflowing} are not finite (test/" in one_diverged_line(result)
    assert not (overflowing / "evaluation.json").exists()


def test_a_newer_file_with_a_value_beyond_float32_is_a_user_mistake_naming_it(runs, tmp_path):
    root, run, _ = runs
    frame = make_frame(100)[["date", "target"]]
    frame.loc[90, "target"] = 1e39
    frame.to_csv(tmp_path / "newer.csv", index=False)

    result = run_forecast(["predict", f"run={run}", f"data.path={tmp_path / 'newer.csv'}", f"output={tmp_path / 'p'}"], cwd=root)

    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "forecast: error: column 'target' at row 91 (2020-01-04 18:00) overflows float32 once scaled (1e+39): "
        "use data.scaler=standard or minmax, or rescale the column"
    ]
    assert not finished_outputs(tmp_path, "p/run.json")


def test_smape_of_a_nan_or_infinite_forecast_is_nan_and_of_finite_ones_the_hand_computed_mean():
    actual, forecast = np.array([1.0, 2.0, 0.0, 4.0]), np.array([1.5, 2.0, 0.0, 3.0])
    by_hand = (200 * 0.5 / 2.5 + 0 + 0 + 200 * 1 / 7) / 4  # 0/0 counts 0: a perfect forecast of 0

    assert point_metrics(actual, forecast)["smape"] == pytest.approx(by_hand)
    assert smape_terms(actual, forecast).mean() == pytest.approx(by_hand)
    for bad in (np.nan, np.inf):
        broken = np.array([bad, 2.0, 0.0, 3.0])
        assert math.isnan(point_metrics(actual, broken)["smape"])
        assert math.isnan(smape_terms(actual, broken)[0]) and smape_terms(actual, broken)[2] == 0.0


def test_averages_over_series_skip_only_undefined_mases():
    scores = {
        "windows": np.array([1, 1, 0]),
        "real_mae": np.array([1.0, 3.0, np.nan]),
        "real_rmse": np.array([1.0, 3.0, np.nan]),
        "real_smape": np.array([10.0, np.nan, np.nan]),
        "mase": np.array([0.5, np.nan, np.nan]),
        "naive_smape": np.array([20.0, 30.0, np.nan]),
        "naive_mase": np.array([1.0, np.nan, np.nan]),
    }
    result = aggregate(scores)

    assert result["real_mae"] == 2.0 and result["series"] == 2
    assert math.isnan(result["real_smape"])  # a NaN sMAPE is not skipped into a better average
    assert result["mase"] == 0.5 and result["mase_undefined_series"] == 1


def test_the_checks_name_the_first_non_finite_value():
    values = np.zeros((3, 4, 2))
    values[1, 2, 1] = np.inf
    values[2, 0, 0] = np.nan
    with pytest.raises(TrainingDiverged, match=r"^the forecast is not finite \(inf at step 3, column 'b'; 2 values in all\)"):
        require_finite_forecast(values, ["a", "b"], "the forecast")
    require_finite_forecast(np.ones((2, 2)), ["a", "b"], "the forecast")
    with pytest.raises(TrainingDiverged, match=r"^the metrics are not finite \(test/mae=nan, 1 in all\)"):
        require_finite_metrics({"test/mae": float("nan"), "test/mse": 1.0, "windows": 3}, "the metrics")


def test_json_is_written_without_bare_nan_and_undefined_figures_as_null(tmp_path):
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        write_json_atomic(tmp_path / "bad.json", {"mase": float("nan")})
    assert not (tmp_path / "bad.json").exists()
    assert list(tmp_path.iterdir()) == []

    write_json_atomic(tmp_path / "ok.json", undefined_as_null({"mase": float("nan"), "by_step": [{"owa": float("nan"), "mae": 1.5}]}))

    assert json.loads((tmp_path / "ok.json").read_text()) == {"mase": None, "by_step": [{"owa": None, "mae": 1.5}]}


def test_a_finite_run_still_predicts(runs, tmp_path):
    root, run, _ = runs
    result = run_forecast(["predict", f"run={run}", "horizon=30", f"output={tmp_path / 'p'}"], cwd=root)

    assert result.returncode == 0, result.stderr
    assert np.isfinite(pd.read_csv(tmp_path / "p" / "predictions.csv")["target"]).all()
    assert json.loads((tmp_path / "p" / "run.json").read_text())["horizon"] == 30
