"""Calendar columns (`data.calendar=timef`): Time-Series-Library's timeF encoding computed from the
timestamps, appended to the inputs, passed through by the scaler and by RevIN, and derived again for
future steps, so that a recursive forecast knows which day comes next."""

import dataclasses
import json

import keras
import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from forecast_cli.data.calendar import timef_columns, timef_features, with_calendar
from forecast_cli.data.scaling import fit_scaler
from forecast_cli.data.series import SPLIT_BY_TIME, SeriesData
from forecast_cli.data.window import resolve_window
from forecast_cli.errors import ForecastError
from forecast_cli.models import build_model
from forecast_cli.models.layers import RevINNormalization

from helpers import model_node, run_forecast, window_config


def test_the_fields_follow_the_step_as_in_time_series_library():
    assert timef_columns("h") == ("hour_of_day", "day_of_week", "day_of_month", "day_of_year")
    assert timef_columns("15min") == ("minute_of_hour", "hour_of_day", "day_of_week", "day_of_month", "day_of_year")
    assert timef_columns("D") == ("day_of_week", "day_of_month", "day_of_year")
    assert timef_columns("W-SUN") == ("day_of_month", "week_of_year")
    assert timef_columns("MS") == timef_columns("QS-DEC") == ("month_of_year",)
    assert timef_columns("YS") == ()


def test_timef_values_on_known_dates():
    # 2016-07-01 00:00 is a Friday (4), the 183rd day; 2016-12-31 23:00 a Saturday (5), the 366th (leap year)
    features = timef_features(timef_columns("h"))(pd.DatetimeIndex(["2016-07-01 00:00", "2016-12-31 23:00"]))
    np.testing.assert_allclose(features["hour_of_day"], [-0.5, 0.5])
    np.testing.assert_allclose(features["day_of_week"], [4 / 6 - 0.5, 5 / 6 - 0.5])
    np.testing.assert_allclose(features["day_of_month"], [-0.5, 0.5])
    np.testing.assert_allclose(features["day_of_year"], [182 / 365 - 0.5, 0.5])
    months = timef_features(("month_of_year",))(pd.DatetimeIndex(["2020-01-01", "2020-12-01"]))
    np.testing.assert_allclose(months["month_of_year"], [-0.5, 0.5])


def hourly_series(rows=48):
    dates = pd.date_range("2021-03-01", periods=rows, freq="h").to_numpy(dtype="datetime64[ns]")
    values = np.arange(rows, dtype=np.float64)[:, None] * [1.0, 2.0]
    return SeriesData([values], ["a", "b"], ["b"], SPLIT_BY_TIME, "made-up", "0", timestamps=[dates])


def test_calendar_columns_are_appended_derivable_and_left_unscaled():
    series = with_calendar(hourly_series(), "timef", None)
    assert series.columns == ["a", "b", "hour_of_day", "day_of_week", "day_of_month", "day_of_year"]
    assert series.targets == ["b"] and series.unscaled == series.columns[2:]
    assert series.derived_columns() == series.columns[2:]  # a recursive forecast computes them for future steps
    np.testing.assert_allclose(series.segments[0][:24, 2], np.arange(24) / 23 - 0.5)
    np.testing.assert_allclose(series.segments[0][:24, 3], 0 / 6 - 0.5)  # 2021-03-01 is a Monday, 02 a Tuesday
    assert series.segments[0][30, 3] == pytest.approx(1 / 6 - 0.5)
    scaler = fit_scaler("standard", series.segments[0], series.columns, [0, 1], unscaled=series.unscaled)
    np.testing.assert_array_equal(scaler.offset[2:], 0.0)
    np.testing.assert_array_equal(scaler.scale[2:], 1.0)
    assert scaler.scale[0] == pytest.approx(series.segments[0][:, 0].std(ddof=1))
    assert with_calendar(hourly_series(), None, None).columns == ["a", "b"]
    assert with_calendar(hourly_series(), "timef", "D").columns[2:] == ["day_of_week", "day_of_month", "day_of_year"]


def test_calendar_refusals_name_the_fix():
    undated = SeriesData([np.zeros((5, 1))], ["a"], ["a"], SPLIT_BY_TIME, "made-up", "0")
    with pytest.raises(ForecastError, match="has none: give the data a date column"):
        with_calendar(undated, "timef", None)
    with pytest.raises(ForecastError, match="'fortnightly' is not a pandas frequency"):
        with_calendar(hourly_series(), "timef", "fortnightly")
    with pytest.raises(ForecastError, match="no calendar field finer than a year"):
        with_calendar(hourly_series(), "timef", "YS")
    clash = hourly_series()
    clash.columns = ["a", "hour_of_day"]
    with pytest.raises(ForecastError, match="already has"):
        with_calendar(clash, "timef", None)


@pytest.mark.parametrize("affine", [False, True])
def test_revin_normalizes_the_data_channels_and_passes_the_calendar_through(affine, tmp_path):
    x = np.random.default_rng(0).normal(3.0, 2.0, (4, 10, 3)).astype("float32")
    layer = RevINNormalization(affine, passthrough=[2])
    normalized, scale, shift = (np.asarray(t) for t in layer(x))
    mean, std = x.mean(axis=1, keepdims=True), np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(normalized[..., :2], ((x - mean) / std)[..., :2], rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(normalized[..., 2], x[..., 2])
    np.testing.assert_allclose(scale[..., 2], 1.0, rtol=1e-6)
    np.testing.assert_array_equal(shift[..., 2], 0.0)
    np.testing.assert_allclose(normalized * scale + shift, x, rtol=1e-4, atol=1e-4)  # the pair inverts
    model = keras.Sequential([keras.Input((10, 3)), layer])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True, compile=False)
    assert loaded.layers[0].passthrough == [2]
    np.testing.assert_array_equal(np.asarray(loaded(x)[0]), normalized)


CALENDAR_SPEC = resolve_window(window_config(16, 4, 4), ["a", "b", "day_of_year"], ["a", "b"])
CALENDAR_SPEC = dataclasses.replace(CALENDAR_SPEC, calendar_columns=("day_of_year",))


def small(name, **overrides):
    schema = model_node(name)
    sizes = {"d_model": 8, "d_ff": 8, "n_heads": 2, "e_layers": 1, "down_sampling_layers": 2, "moving_avg": 3}
    return OmegaConf.merge(schema, {k: v for k, v in sizes.items() if k in schema}, overrides)


def day_of_year_windows(days):
    """The same data window for each value of a day-of-year channel, constant along the window (as it
    nearly is within any short window)."""
    data = np.random.default_rng(1).standard_normal((1, 16, 2)).astype("float32").repeat(len(days), axis=0)
    day = np.broadcast_to(np.asarray(days, "float32")[:, None, None], (len(days), 16, 1))
    return np.concatenate([data, day], axis=2)


@pytest.mark.parametrize("name", ["itransformer", "timemixer", "dense"])
def test_revin_leaves_the_day_of_the_year_for_the_model_to_see(name, tmp_path):
    x = day_of_year_windows([-0.4, 0.3])
    model = build_model(small(name, revin=True), CALENDAR_SPEC)
    y = np.asarray(model(x))
    assert y.shape == (2, 4, 2) and np.abs(y[0] - y[1]).max() > 1e-2
    # the same channel normalized by the window's own statistics is 0 whatever the day (up to rounding):
    # the model is blind to it
    blind = build_model(small(name, revin=True), dataclasses.replace(CALENDAR_SPEC, calendar_columns=()))
    y_blind = np.asarray(blind(x))
    assert np.abs(y_blind[0] - y_blind[1]).max() < 1e-4
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True, compile=False)
    np.testing.assert_array_equal(np.asarray(loaded(x)), y)


def test_timemixer_adds_the_calendar_to_every_channel_instead_of_forecasting_it():
    model = build_model(small("timemixer"), CALENDAR_SPEC)
    (kernel,) = model.get_layer("timemixer_normalized").get_layer("temporal_embedding").get_weights()
    assert kernel.shape == (1, 8)  # one calendar column -> d_model, no bias (TSLib's TimeFeatureEmbedding)
    per_channel = model.get_layer("timemixer_normalized").get_layer("predict_per_channel")
    assert per_channel.output.shape[1:] == (2, 4)  # the two data channels only
    plain = build_model(small("timemixer"), dataclasses.replace(CALENDAR_SPEC, calendar_columns=()))
    assert plain.get_layer("timemixer_normalized").get_layer("predict_per_channel").output.shape[1:] == (3, 4)


def monday_peaks(path):
    """Daily rows, 3 on Mondays and 0 otherwise (plus noise): a window of 3 days cannot tell whether the
    next day is a Monday (Tue-Thu and Fri-Sun look the same); the day of the week can."""
    days = pd.date_range("2019-01-01", periods=3 * 365, freq="D")
    noise = 0.05 * np.random.default_rng(0).standard_normal(len(days))
    pd.DataFrame({"day": days.strftime("%Y-%m-%d"), "y": 3.0 * (days.dayofweek == 0) + noise}).to_csv(path, index=False)


TRAIN = ["train", "data=csv", "data.path=days.csv", "data.date_column=day", "data.target=y", "model=dense",
         "model.units=[32]", "window.input_width=3", "window.horizon=1", "optimizer.learning_rate=0.01",
         "trainer.epochs=40", "trainer.callbacks.early_stopping=null", "trainer.callbacks.reduce_lr=null",
         "trainer.verbose=silent"]


def val_mse(run):
    return json.loads((run / "metrics.json").read_text())["val/mse"]


@pytest.mark.slow  # 40 s: two trainings compared on accuracy
def test_the_day_of_week_tells_the_model_which_day_comes_next(tmp_path):
    monday_peaks(tmp_path / "days.csv")
    result = run_forecast([*TRAIN, "hydra.run.dir=plain"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = run_forecast([*TRAIN, "data.calendar=timef", "hydra.run.dir=cal"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = tmp_path / "cal"
    assert val_mse(run) < 0.2 * val_mse(tmp_path / "plain"), (val_mse(run), val_mse(tmp_path / "plain"))
    record = json.loads((run / "run.json").read_text())
    assert record["window"]["input_columns"] == ["y", "day_of_week", "day_of_month", "day_of_year"]
    assert record["window"]["label_columns"] == ["y"]
    scaler = json.loads((run / "scaler.json").read_text())
    assert scaler["offset"][1:] == [0.0, 0.0, 0.0] and scaler["scale"][1:] == [1.0, 1.0, 1.0]

    # 7 days past the data, one step at a time: each step's day of the week is computed from its date
    result = run_forecast(["predict", "run=cal", "horizon=7", "output=pred"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    predictions = pd.read_csv(tmp_path / "pred" / "predictions.csv")
    mondays = pd.DatetimeIndex(predictions.timestamp).dayofweek == 0
    assert mondays.sum() == 1 and predictions.y[mondays].item() > 2.0
    assert (predictions.y[~mondays].abs() < 1.0).all(), predictions
    result = run_forecast(["evaluate", "run=cal"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads((run / "evaluation.json").read_text())["max_abs_diff_vs_training"] < 1e-9


def test_a_calendar_without_dates_is_one_line_and_exit_2(tmp_path):
    for extra, expected, runs in (
        (["data.calendar=holidays"], "data.calendar must be null or one of timef", 0),  # before any run directory
        (["data=sine", "data.calendar=timef"], "has none: give the data a date column", 1),
    ):
        result = run_forecast(["train", "model=linear", "trainer.epochs=1", *extra], cwd=tmp_path)
        lines = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
        assert result.returncode == 2 and len(lines) == 1 and expected in lines[0], result.stderr
        assert "Traceback" not in result.stderr
        statuses = [json.loads(p.read_text())["status"] for p in tmp_path.glob("outputs/train/**/run.json")]
        assert len(statuses) == runs and "completed" not in statuses
