"""Forecasting past the data, in-process: direct steps, the recursion (checked against a hand
computation with an exactly linear model), calendar columns for future steps, and future timestamps."""

import numpy as np
import pandas as pd
import pytest

from forecast_cli.data.loaders.jena import calendar_features
from forecast_cli.data.scaling import fit_scaler
from forecast_cli.data.timestamps import future_timestamps, infer_frequency
from forecast_cli.data.window import resolve_window
from forecast_cli.errors import ForecastError
from forecast_cli.forecaster.engine import forecast_windows
from forecast_cli.data.series import SPLIT_BY_TIME, SeriesData
from forecast_cli.forecaster.future import forecast_origins, predict_series
from forecast_cli.forecaster.plan import ForecastPlan
from forecast_cli.models import build_model

from helpers import model_node, window_config


def linear_model(spec, seed=0):
    """A `model=linear` with random weights: its forecast is x . kernel + bias, computable by hand."""
    import keras

    keras.utils.set_random_seed(seed)
    model = build_model(model_node("linear"), spec)
    kernel, bias = model.get_layer("head").get_weights()
    return model, kernel, bias


def forward_of(model):
    return lambda x: np.asarray(model(x, training=False))


def hourly_history(columns, rows=40, seed=1):
    """One hourly series (a panel of one)."""
    rng = np.random.default_rng(seed)
    values = rng.normal(10.0, 3.0, (rows, len(columns)))
    dates = pd.date_range("2021-03-01 00:00", periods=rows, freq="h").to_numpy()
    return SeriesData([values], list(columns), list(columns[:1]), SPLIT_BY_TIME, "test", "", timestamps=[dates], ids=["s"])


def predict_future(forward, scaler, plan, history, horizon, time_features=None):
    """The forecast of the one series of `history`: values [horizon, n_labels] and its timestamps."""
    origins = forecast_origins(history, scaler, plan.spec.input_width, horizon, "h")
    prediction = predict_series(forward, scaler, plan, origins, horizon, time_features)
    prediction.timestamps = origins.future[0]
    prediction.values = prediction.values[0]
    return prediction


def test_a_recursive_forecast_of_a_linear_model_is_the_hand_computed_recursion():
    spec = resolve_window(window_config(input_width=4, label_width=1, shift=1), ["y"], ["y"])
    model, kernel, bias = linear_model(spec)
    history = hourly_history(["y"])
    scaler = fit_scaler("standard", history.segments[0], ["y"], [0.0, 1.0])
    prediction = predict_future(forward_of(model), scaler, ForecastPlan(spec), history, horizon=6)
    scale, offset = float(scaler.scale[0]), float(scaler.offset[0])

    window = list(scaler.transform(history.segments[0][-4:])[:, 0])
    expected = []
    for _ in range(6):
        step = float(np.asarray(window[-4:], dtype=np.float32) @ kernel[:, 0] + bias[0])
        expected.append(step)
        window.append(step)
    expected_real = np.asarray(expected) * scale + offset
    assert prediction.method == "recursive" and prediction.direct_steps == 1
    np.testing.assert_allclose(prediction.values[:, 0], expected_real, rtol=1e-5)
    assert list(prediction.timestamps) == list(pd.date_range("2021-03-02 16:00", periods=6, freq="h"))


def test_a_horizon_within_the_direct_steps_is_the_first_steps_of_one_call():
    spec = resolve_window(window_config(input_width=6, label_width=4, shift=4), ["a", "b"], ["a", "b"])
    model, _, _ = linear_model(spec)
    history = hourly_history(["a", "b"])
    scaler = fit_scaler("standard", history.segments[0], ["a", "b"], [0.0, 1.0])
    prediction = predict_future(forward_of(model), scaler, ForecastPlan(spec), history, horizon=3)
    one_call = np.asarray(model(scaler.transform(history.segments[0][-6:])[None].astype(np.float32)))[0]
    assert prediction.method == "direct" and prediction.direct_steps == 4
    np.testing.assert_allclose(prediction.values, scaler.inverse_transform(one_call[:3], ["a", "b"]), rtol=1e-6)


def test_calendar_columns_are_computed_for_the_future_timestamps_of_a_recursion():
    columns = ["T", "Day sin", "Day cos"]
    spec = resolve_window(window_config(input_width=3, label_width=1, shift=1), columns, ["T"])
    model, kernel, bias = linear_model(spec, seed=3)
    history = hourly_history(columns)
    day = calendar_features(history.timestamps[0])
    history.segments[0][:, 1], history.segments[0][:, 2] = day["Day sin"], day["Day cos"]
    scaler = fit_scaler("standard", history.segments[0], columns, [0.0, 1.0])
    plan = ForecastPlan(spec, derived_columns=["Day sin", "Day cos"])
    prediction = predict_future(forward_of(model), scaler, plan, history, horizon=4, time_features=calendar_features)

    future = pd.date_range(pd.Timestamp(history.timestamps[0][-1]) + pd.Timedelta(hours=1), periods=4, freq="h")
    future_day = calendar_features(future)
    rows = list(scaler.transform(history.segments[0][-3:]))
    expected = []
    for k in range(4):
        step = float(np.asarray(rows[-3:], dtype=np.float32).reshape(-1) @ kernel[:, 0] + bias[0])
        expected.append(step)
        raw_calendar = np.array([0.0, future_day["Day sin"][k], future_day["Day cos"][k]])
        scaled_calendar = scaler.transform(raw_calendar)
        rows.append(np.array([step, scaled_calendar[1], scaled_calendar[2]]))
    np.testing.assert_allclose(prediction.values[:, 0], scaler.inverse_transform(np.asarray(expected)[:, None], ["T"])[:, 0], rtol=1e-5)


def test_a_recursion_that_needs_an_unknown_future_input_is_refused_naming_it():
    spec = resolve_window(window_config(input_width=4, label_width=1, shift=1), ["y", "price"], ["y"])
    plan = ForecastPlan(spec)
    assert plan.check_horizon(1) is False
    with pytest.raises(ForecastError, match="horizon=3 needs a recursive forecast .* 'price' are neither forecast"):
        plan.check_horizon(3)


def test_steps_ahead_forecasts_read_the_last_label_steps_values():
    """Hands-On ML's sequence-to-sequence target: every label step holds the next N values."""
    spec = resolve_window(window_config(input_width=5, label_width=5, shift=1, steps_ahead=3), ["y"], ["y"])
    plan = ForecastPlan(spec)
    outputs = np.arange(2 * 5 * 3, dtype=np.float32).reshape(2, 5, 3)  # [batch, label_width, 3 steps x 1 label]
    assert plan.direct_steps == 3
    np.testing.assert_array_equal(plan.future_block(outputs)[:, :, 0], outputs[:, -1, :])
    windows = np.zeros((2, 5, 1), dtype=np.float32)
    forecast = forecast_windows(lambda x: outputs, plan, windows, horizon=2)
    np.testing.assert_array_equal(forecast[:, :, 0], outputs[:, -1, :2])


@pytest.mark.parametrize(
    "window, message",
    [
        (window_config(input_width=20, label_width=20, shift=0), "window.shift=0"),
        (window_config(input_width=24, label_width=1, shift=5), r"window.shift \(5\) > window.label_width \(1\)"),
        (window_config(input_width=5, label_width=5, shift=2, steps_ahead=3), "needs window.shift=1"),
    ],
)
def test_windows_without_a_next_step_forecast_are_refused(window, message):
    spec = resolve_window(window, ["y"], ["y"])
    with pytest.raises(ForecastError, match=message):
        ForecastPlan(spec).direct_steps


@pytest.mark.parametrize(
    "dates, frequency, after",
    [
        (pd.date_range("2020-01-01", periods=50, freq="h"), "h", ["2020-01-03 02:00", "2020-01-03 03:00"]),
        (pd.date_range("2020-01-01", periods=30, freq="D"), "D", ["2020-01-31", "2020-02-01"]),
        (pd.date_range("1949-01-01", periods=144, freq="MS"), "MS", ["1961-01-01", "1961-02-01"]),
        (pd.date_range("2019-01-31", periods=13, freq="ME"), "ME", ["2020-02-29", "2020-03-31"]),
        (pd.date_range("2020-01-01", periods=100, freq="10min"), "10min", ["2020-01-01 16:40", "2020-01-01 16:50"]),
    ],
)
def test_future_timestamps_continue_the_frequency_of_the_data(dates, frequency, after):
    assert infer_frequency(dates.to_numpy()) == frequency
    assert list(future_timestamps(dates[-1], frequency, 2)) == [pd.Timestamp(t) for t in after]


@pytest.mark.parametrize(
    "dates, frequency",
    [
        (pd.date_range("2020-01-01", periods=200, freq="h").delete([17, 18, 90]), "h"),
        (pd.date_range("2020-01-01", periods=60, freq="D").delete([10]), "D"),
        (pd.date_range("2015-01-01", periods=40, freq="MS").delete([7]), "MS"),
        (pd.date_range("2015-01-31", periods=40, freq="ME").delete([7]), "ME"),
        (pd.date_range("2000-01-01", periods=40, freq="QS").delete([7]), "3MS"),
    ],
)
def test_a_few_missing_rows_keep_the_frequency(dates, frequency):
    """Jena's hourly file misses hours; monthly steps are 28 to 31 days long."""
    assert infer_frequency(dates.to_numpy()) == frequency
    assert future_timestamps(dates[-1], frequency, 1)[0] > dates[-1]


@pytest.mark.parametrize("frequency, season", [("h", 24), ("D", 7), ("MS", 12), ("3MS", 4), ("QS", 4), ("10min", 144), (None, 1)])
def test_the_season_of_a_frequency(frequency, season):
    from forecast_cli.data.timestamps import seasonal_period

    assert seasonal_period(frequency) == season


def test_a_forecast_refuses_timestamps_that_do_not_increase():
    dates = pd.date_range("2020-01-01", periods=10, freq="h").to_numpy().copy()
    dates[8], dates[9] = dates[9], dates[8]
    series = SeriesData([np.zeros((10, 1))], ["y"], ["y"], SPLIT_BY_TIME, "test", "", timestamps=[dates], ids=["s"])
    scaler = fit_scaler("standard", series.segments[0], ["y"], [0.0, 1.0])
    with pytest.raises(ForecastError, match="series 's': the timestamps of the last 4 rows, which the forecast starts from, do not increase"):
        forecast_origins(series, scaler, 4, 1, "h")
    assert forecast_origins(series, scaler, 1, 1, "h").frequency == "h"


def test_a_missing_value_in_the_rows_a_forecast_starts_from_is_refused():
    spec = resolve_window(window_config(input_width=4, label_width=1, shift=1), ["y"], ["y"])
    model, _, _ = linear_model(spec)
    history = hourly_history(["y"])
    scaler = fit_scaler("standard", history.segments[0], ["y"], [0.0, 1.0])
    history.segments[0][-2, 0] = np.nan
    with pytest.raises(ForecastError, match="series 's': the last 4 rows, which the forecast starts from, hold a missing or infinite value \\(row 38, column 'y'\\)"):
        predict_future(forward_of(model), scaler, ForecastPlan(spec), history, horizon=1)
