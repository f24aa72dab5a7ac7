"""Metrics and losses against independent NumPy formulas; the Keras MSPE loss agrees with the metric."""

import numpy as np
import pytest

from forecast_cli.losses import keras_loss
from forecast_cli.metrics import MetricAccumulator


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
