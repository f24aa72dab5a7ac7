"""The panel models: N-BEATS (generic and interpretable) shapes, bases, weight sharing, doubly residual sum and
exact save/load with safe_mode; the seasonal naive model against NumPy."""

import keras
import numpy as np
import pytest
from omegaconf import OmegaConf

from forecast_cli.data.window import resolve_window
from forecast_cli.errors import ForecastError
from forecast_cli.evaluation.seasonal import seasonal_naive
from forecast_cli.models import build_model
from forecast_cli.models.layers import BasisExpansion
from forecast_cli.models.layers.nbeats import harmonic_frequencies, trend_basis

from helpers import model_node, window_config

SPEC = resolve_window(window_config(16, 4, 4, label_columns=["b"]), ["a", "b"], ["b"])  # 2 channels, label b
TINY = {"stacks": 3, "units": 16, "trend_units": 8, "seasonality_units": 16, "layers": 2, "revin": False}


def config(name="nbeats", **overrides):
    base = TINY if name == "nbeats" else {}
    return OmegaConf.merge(model_node(name), {**base, **overrides})


def inputs(batch=5, spec=SPEC, seed=0):
    return np.random.default_rng(seed).standard_normal((batch, spec.input_width, spec.n_features)).astype("float32")


@pytest.mark.parametrize("kind", ["generic", "interpretable"])
def test_nbeats_shapes_and_exact_save_load(tmp_path, kind):
    model = build_model(config(kind=kind, blocks=2, share_weights=kind == "interpretable", revin=kind == "generic"), SPEC)
    x = inputs()
    assert model.output_shape == (None, 4, 1)
    before = np.asarray(model(x))
    assert before.shape == (5, 4, 1)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True, compile=False)
    np.testing.assert_array_equal(loaded(x), before)


def test_nbeats_forecasts_each_channel_with_the_same_weights():
    model = build_model(config(), SPEC)
    x = inputs()
    only_b = resolve_window(window_config(16, 4, 4), ["b"], ["b"])
    reference = build_model(config(), only_b)
    reference.set_weights(model.get_weights())  # same layers, one channel: same forecast of b
    np.testing.assert_allclose(reference(x[:, :, 1:]), model(x), rtol=1e-5, atol=1e-6)


def test_nbeats_doubly_residual_sum_of_block_forecasts():
    model = build_model(config(stacks=2), resolve_window(window_config(8, 3, 3), ["a"], ["a"]))
    x = np.random.default_rng(1).standard_normal((4, 8, 1)).astype("float32")
    parts = keras.Model(model.inputs, [model.get_layer(f"stack{s}_block1_forecast").output for s in (1, 2)]
                        + [model.get_layer("stack1_block1_residual").output, model.get_layer("stack1_block1_backcast").output])
    first, second, residual, backcast = (np.asarray(t) for t in parts(x))
    np.testing.assert_allclose(np.asarray(model(x))[:, :, 0], (first + second)[:, 0, :], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(residual, np.transpose(x, (0, 2, 1)) - backcast, rtol=1e-5, atol=1e-6)


def test_interpretable_stacks_share_weights_and_use_the_papers_bases():
    model = build_model(config(kind="interpretable"), SPEC)  # the paper's: 3 blocks per stack, shared weights
    dense = [w for w in model.trainable_weights if "kernel" in w.path]
    assert len(dense) == 2 * (2 + 1)  # per stack: 2 hidden layers + theta, shared by its 3 blocks
    np.testing.assert_allclose(trend_basis(2, 4), [[1, 1, 1, 1], [0, 0.25, 0.5, 0.75], [0, 0.0625, 0.25, 0.5625]])
    np.testing.assert_array_equal(harmonic_frequencies(1, 8), [0, 1, 2, 3])
    # seasonality: the forecast cosine of frequency 1 alone gives cos(2 pi t / H)
    layer = BasisExpansion("seasonality", backcast_size=6, forecast_size=8)
    theta = np.zeros((1, 16), dtype="float32")
    theta[0, 1] = 1.0
    backcast, forecast = layer(theta)
    np.testing.assert_allclose(np.asarray(forecast)[0], np.cos(2 * np.pi * np.arange(8) / 8), atol=1e-6)
    np.testing.assert_allclose(np.asarray(backcast)[0], 0.0)
    trend = BasisExpansion("trend", backcast_size=4, forecast_size=2, degree=1)
    backcast, forecast = trend(np.array([[1.0, 2.0, 3.0, 4.0]], dtype="float32"))  # forecast 1 + 2t, backcast 3 + 4t
    np.testing.assert_allclose(np.asarray(forecast)[0], [1.0, 2.0])
    np.testing.assert_allclose(np.asarray(backcast)[0], [3.0, 4.0, 5.0, 6.0])


def test_nbeats_config_is_checked():
    with pytest.raises(ForecastError, match="model.kind must be one of generic, interpretable"):
        OmegaConf.to_object(config(kind="fancy"))
    with pytest.raises(ForecastError, match="model.stacks must be >= 1"):
        OmegaConf.to_object(config(stacks=0))


def test_seasonal_naive_model_matches_numpy_and_takes_the_datas_season(tmp_path):
    spec = resolve_window(window_config(8, 6, 6), ["value"], ["value"])
    model = build_model(config("seasonal_naive"), spec, season=4)
    x = np.arange(2 * 8, dtype="float32").reshape(2, 8, 1)
    expected = np.stack([seasonal_naive(row[:, 0], 6, 4) for row in x])[:, :, None]
    np.testing.assert_array_equal(model(x), expected)
    model.save(tmp_path / "naive.keras")
    loaded = keras.models.load_model(tmp_path / "naive.keras", safe_mode=True, compile=False)
    np.testing.assert_array_equal(loaded(x), expected)
    with pytest.raises(ForecastError, match=r"window.input_width \(8\) < season \(12\)"):
        build_model(config("seasonal_naive", season=12), spec)
