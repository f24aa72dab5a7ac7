"""Metrics and losses against independent NumPy formulas and hand-computed values; the Keras MSPE loss
agrees with the metric."""

import math

import numpy as np
import pytest

from forecast_cli.data.real_units import LabelUnscaler
from forecast_cli.data.scaling import Scaler
from forecast_cli.data.window import WindowSpec
from forecast_cli.losses import keras_loss
from forecast_cli.metrics import MetricAccumulator, RealUnitAccumulator, mase, parse_metric, point_metrics


def batches(seed=0):
    rng = np.random.default_rng(seed)
    y_true = rng.standard_normal((10, 4, 3))
    y_true[0, 0, 0] = 0.0  # a zero target must not make percentage errors infinite
    y_pred = y_true + 0.3 * rng.standard_normal(y_true.shape)
    return y_true, y_pred


def test_metrics_match_numpy_over_uneven_batches():
    y_true, y_pred = batches()
    accumulator = MetricAccumulator("mspe")
    for lo, hi in ((0, 3), (3, 4), (4, 10)):
        accumulator.update(y_true[lo:hi], y_pred[lo:hi])
    metrics = accumulator.result()
    error = y_pred - y_true
    denominator = np.where(np.abs(y_true) > 1e-7, np.abs(y_true), 1e-7)
    assert metrics["mae"] == pytest.approx(np.mean(np.abs(error)))
    assert metrics["mse"] == pytest.approx(np.mean(error**2))
    assert metrics["rmse"] == pytest.approx(np.sqrt(np.mean(error**2)))
    assert metrics["mape"] == pytest.approx(100 * np.mean(np.abs(error) / denominator))
    assert metrics["mspe"] == pytest.approx(np.mean(error**2 / np.maximum(y_true**2, 1e-7)))
    assert metrics["last_time_step_mse"] == pytest.approx(np.mean((y_pred[:, -1] - y_true[:, -1]) ** 2))
    assert metrics["loss"] == metrics["mspe"]


def test_last_time_step_mse_ignores_earlier_steps():
    y_true = np.zeros((2, 5, 1))
    y_pred = np.zeros((2, 5, 1))
    y_pred[:, :4] = 7.0
    accumulator = MetricAccumulator("mse")
    accumulator.update(y_true, y_pred)
    assert accumulator.result()["last_time_step_mse"] == 0.0


def test_keras_mspe_loss_equals_the_metric_and_round_trips():
    import keras

    y_true, y_pred = batches(1)
    loss = keras_loss("mspe")
    value = float(loss(y_true.astype("float32"), y_pred.astype("float32")))
    accumulator = MetricAccumulator("mspe")
    accumulator.update(y_true, y_pred)
    assert value == pytest.approx(accumulator.result()["mspe"], rel=1e-4)
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is type(loss)


def test_point_metrics_by_hand_with_a_zero_over_zero_smape_term():
    actual = np.array([[0.0, 2.0], [4.0, -1.0]])
    forecast = np.array([[0.0, 3.0], [2.0, 1.0]])
    metrics = point_metrics(actual, forecast)
    # errors 0, 1, 2, 2
    assert metrics["mae"] == pytest.approx(5 / 4)
    assert metrics["rmse"] == pytest.approx(math.sqrt(9 / 4))
    # |e| / max(|A|, 1e-7): 0/1e-7 = 0, 1/2, 2/4, 2/1
    assert metrics["mape"] == pytest.approx(100 * (0 + 0.5 + 0.5 + 2) / 4)
    # 200 |e| / (|A| + |F|): 0/0 counts 0, 200/5, 400/6, 400/2
    assert metrics["smape"] == pytest.approx((0 + 40 + 400 / 6 + 200) / 4)
    assert set(metrics) == {"mae", "rmse", "mape", "smape"}
    assert all(type(v) is float for v in metrics.values())


def test_point_metrics_refuse_mismatched_shapes():
    with pytest.raises(ValueError, match="differ in shape"):
        point_metrics(np.zeros((2, 3)), np.zeros((3, 2)))


def test_mase_with_season_1_and_12():
    # season 1: naive errors |3-1|, |6-3|, |7-6| -> mean 2; forecast MAE (1 + 3) / 2 = 2
    assert mase([10.0, 12.0], [11.0, 9.0], [1.0, 3.0, 6.0, 7.0], season=1) == pytest.approx(1.0)
    # season 12: two years of a monthly series, each month 5 higher the second year -> naive MAE 5
    first_year = np.arange(12.0) * 3
    insample = np.concatenate([first_year, first_year + 5])
    assert mase([40.0, 50.0], [42.0, 51.0], insample, season=12) == pytest.approx(1.5 / 5)
    # the same series with season 1 scales by its 23 month-to-month steps: 22 of 3, and |5 - 33| once
    assert mase([40.0, 50.0], [42.0, 51.0], insample, season=1) == pytest.approx(1.5 / ((22 * 3 + 28) / 23))


def test_mase_is_nan_without_a_naive_error_to_scale_by():
    assert math.isnan(mase([1.0], [2.0], [5.0, 5.0, 5.0], season=1))  # constant in-sample
    assert math.isnan(mase([1.0], [2.0], [1.0, 2.0], season=12))  # shorter than a season
    with pytest.raises(ValueError, match="season"):
        mase([1.0], [2.0], [1.0, 2.0], season=0)


def test_real_unit_accumulator_pools_batches_and_names_every_column():
    columns = ["T (degC)", "rho (g/m**3)"]
    rng = np.random.default_rng(3)
    actual = rng.standard_normal((7, 3, 2)) * [1.0, 1000.0]
    forecast = actual + rng.standard_normal(actual.shape) * [0.1, 50.0]
    accumulator = RealUnitAccumulator(columns)
    accumulator.update(actual[:4], forecast[:4])
    accumulator.update(actual[4:], forecast[4:])
    metrics = accumulator.result()
    for name, value in point_metrics(actual, forecast).items():
        assert metrics[f"real_{name}"] == pytest.approx(value)
    for j, column in enumerate(columns):
        for name, value in point_metrics(actual[..., j], forecast[..., j]).items():
            assert metrics[f"real_{name}[{column}]"] == pytest.approx(value)
    assert len(metrics) == 4 * 3


def test_per_column_metric_names_parse_back_whatever_the_column_holds():
    assert parse_metric("real_mae[rho (g/m**3)]") == ("real_mae", "rho (g/m**3)")
    assert parse_metric("real_smape[a[1]]") == ("real_smape", "a[1]")
    assert parse_metric("real_mae") == ("real_mae", None)
    assert parse_metric("last_time_step_mse") == ("last_time_step_mse", None)


def test_label_unscaler_maps_output_j_to_label_column_j_mod_n_labels():
    columns = ("a", "b", "c")
    spec = WindowSpec(4, 2, 1, columns, columns, ("c", "a"), steps_ahead=3)
    scaler = Scaler("standard", list(columns), np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0]))
    scaled = np.zeros((5, 2, spec.n_outputs))
    scaled[..., 0::2] = 1.0  # column c at every step ahead
    scaled[..., 1::2] = -1.0  # column a
    real = LabelUnscaler(scaler, spec)(scaled)
    assert real.shape == (5, 2, 3, 2)
    np.testing.assert_allclose(real[..., 0], 1.0 * 30.0 + 3.0)
    np.testing.assert_allclose(real[..., 1], -1.0 * 10.0 + 1.0)
