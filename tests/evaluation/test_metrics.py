"""Metrics and losses against independent NumPy formulas and hand-computed values; the Keras MSPE loss
agrees with the metric."""

import math

import numpy as np
import pandas as pd
import pytest

from helpers import compose_train
from forecast_cli.trainer.losses import keras_loss
from forecast_cli.evaluation.by_series import SeriesScores, summarize
from forecast_cli.evaluation.names import parse_metric
from forecast_cli.evaluation.point import point_metrics
from forecast_cli.evaluation.scaled import MetricAccumulator
from forecast_cli.evaluation.seasonal import mase, mase_scale


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
    assert math.isnan(mase([1.0], [2.0], [7.0], season=1))  # nothing to difference
    with pytest.raises(ValueError, match="season"):
        mase([1.0], [2.0], [1.0, 2.0], season=0)


def test_a_history_no_longer_than_a_season_is_scaled_by_its_lag_1_naive_error():
    """M4's fallback, one definition: 4 quarters of history with season 4 scale by |3-1|, |2-3|, |6-2| (mean 7/3)."""
    history = [1.0, 3.0, 2.0, 6.0]
    assert mase_scale(history, 4) == pytest.approx(7 / 3)
    assert mase([5.0, 8.0], [4.0, 8.5], history, season=4) == pytest.approx(0.75 / (7 / 3))
    assert mase([5.0, 8.0], [4.0, 8.5], history, season=4) == mase([5.0, 8.0], [4.0, 8.5], history, season=1)


def test_the_scores_of_one_series_pool_its_batches_and_name_every_column():
    columns = ["T (degC)", "rho (g/m**3)"]
    rng = np.random.default_rng(3)
    actual = rng.standard_normal((7, 3, 2)) * [1.0, 1000.0]
    forecast = actual + rng.standard_normal(actual.shape) * [0.1, 50.0]
    naive = actual + 1.0
    scales = np.array([[2.0, 4.0]])
    scores = SeriesScores(1, 2)
    for part in (slice(0, 4), slice(4, 7)):
        scores.update(actual[part], forecast[part], naive[part], np.zeros(len(actual[part]), np.int64), scales)
    metrics = summarize(scores, columns)
    for name, value in point_metrics(actual, forecast).items():
        assert metrics[f"real_{name}"] == pytest.approx(value)
    for j, column in enumerate(columns):
        for name, value in point_metrics(actual[..., j], forecast[..., j]).items():
            assert metrics[f"real_{name}[{column}]"] == pytest.approx(value)
        assert metrics[f"mase[{column}]"] == pytest.approx(np.abs(forecast - actual)[..., j].mean() / scales[0, j])
    # MASE pools the values of both columns, each scaled by its own in-sample naive error
    assert metrics["mase"] == pytest.approx((np.abs(forecast - actual) / scales[0]).mean())
    assert metrics["naive_mase"] == pytest.approx((1.0 / scales[0]).mean())
    assert metrics["series"] == 1 and "mase_undefined_series" not in metrics


def test_per_column_metric_names_parse_back_whatever_the_column_holds():
    assert parse_metric("real_mae[rho (g/m**3)]") == ("real_mae", "rho (g/m**3)")
    assert parse_metric("real_smape[a[1]]") == ("real_smape", "a[1]")
    assert parse_metric("real_mae") == ("real_mae", None)
    assert parse_metric("last_time_step_mse") == ("last_time_step_mse", None)


def test_the_scorer_maps_output_j_to_label_column_j_mod_n_labels_and_the_row_it_forecasts(tmp_path):
    """window.steps_ahead=3 over label columns (c, a): output j of label step t forecasts column j % 2 at row
    t + j // 2 after the step; scored in real units against those rows of the data, by hand."""
    import forecast_cli.commands.train  # noqa: F401  (stores the schemas)
    from forecast_cli.data.pipeline import make_dataset
    from forecast_cli.data.prepare import prepare_data
    from forecast_cli.evaluation.score import score_split

    rows = 120
    t = np.arange(rows, dtype=np.float64)
    frame = pd.DataFrame({"a": 100 + t, "b": np.sin(t), "c": -3 * t})
    frame.to_csv(tmp_path / "abc.csv", index=False)
    cfg = compose_train(["data=csv", f"data.path={tmp_path / 'abc.csv'}", "data.target=[c,a]", "window.input_width=4",
                         "window.label_width=2", "window.shift=1", "window.steps_ahead=3"])
    prepared = prepare_data(cfg.data, cfg.window)
    spec, part, scaler = prepared.spec, prepared.splits["test"], prepared.scaler
    assert spec.label_columns == ("c", "a") and spec.n_outputs == 6
    dataset = make_dataset(part.values, part.starts, spec, 3, shuffle=False, seed=0)
    zero = score_split(lambda x: np.zeros((len(x), 2, 6), np.float32), dataset, prepared, "test", "mse")[0]
    # a zero scaled forecast is each column's training mean; the actuals are rows 1..2 (+0..2 ahead) after the input
    first = prepared.split_ranges["test"][0]
    starts = first + part.starts  # rows of the series where the test windows start
    label_rows = starts[:, None, None] + 3 + np.arange(2)[:, None] + np.arange(3)[None, :]  # label_start 3
    for column, raw in (("c", frame.c.to_numpy()), ("a", frame.a.to_numpy())):
        mean = scaler.offset[list(scaler.columns).index(column)]
        assert zero[f"real_mae[{column}]"] == pytest.approx(np.abs(raw[label_rows] - mean).mean(), rel=1e-6)
