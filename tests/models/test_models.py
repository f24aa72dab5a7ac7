"""Every registered model: output shape, and an exact save/load round trip with safe_mode."""

import keras
import numpy as np
import pytest
from omegaconf import OmegaConf

from forecast_cli.data.window import resolve_window
from forecast_cli.errors import ForecastError
from forecast_cli.models import MODELS, build_model
from forecast_cli.run.model_files import load_model

from helpers import model_node, window_config

SPEC = resolve_window(window_config(6, 3, 3, label_columns=["b", "a"]), ["a", "b", "c"], ["a"])
# ar_lstm feeds predictions back as inputs: its labels are every input column
SPEC_ALL_LABELS = resolve_window(window_config(6, 3, 3), ["a", "b", "c"], ["a", "b", "c"])
# Hands-On ML seq-to-seq: a forecast of the next 2 steps at each of the 6 input steps
SPEC_SEQUENCE = resolve_window(window_config(6, 6, 1, label_columns=["b", "a"], steps_ahead=2), ["a", "b", "c"], ["a"])
RECURRENT = ["simple_rnn", "lstm", "gru", "layernorm_rnn", "deep_rnn"]
# sizes that fit SPEC's 6-step window (tests/models/test_models_long_horizon.py tests these models further)
FITS_SIX_STEPS = {
    "dlinear": {"moving_avg": 5},
    "patchtst": {"patch_len": 4, "stride": 2, "d_model": 16, "d_ff": 16},
    "itransformer": {"d_model": 16, "d_ff": 16},
    "tsmixer": {"ff_dim": 16},
    "timemixer": {"moving_avg": 5, "down_sampling_layers": 1},
}


def model_config(name, **overrides):
    return OmegaConf.merge(model_node(name), overrides)


def inputs(seed=0, steps=6):
    return np.random.default_rng(seed).standard_normal((5, steps, 3)).astype("float32")


def assert_round_trip(model, x, tmp_path):
    y = model(x).numpy()
    model.save(tmp_path / "m.keras")
    np.testing.assert_array_equal(load_model(tmp_path / "m.keras")(x).numpy(), y)
    return y


@pytest.mark.parametrize("name", MODELS.names())
def test_model_shapes_and_round_trip(name, tmp_path):
    spec = SPEC_ALL_LABELS if name == "ar_lstm" else SPEC
    y = assert_round_trip(build_model(model_config(name, **FITS_SIX_STEPS.get(name, {})), spec), inputs(), tmp_path)
    assert y.shape == (5, 3, spec.n_labels)


@pytest.mark.parametrize("name", RECURRENT)
def test_sequence_head_forecasts_at_every_step(name, tmp_path):
    model = build_model(model_config(name, head="sequence", units=4), SPEC_SEQUENCE)
    head = model.get_layer("head")
    assert isinstance(head, keras.layers.Dense)
    assert tuple(head.output.shape) == (None, SPEC_SEQUENCE.input_width, 2 * 2)  # one forecast per input step
    y = assert_round_trip(model, inputs(), tmp_path)
    assert y.shape == (5, 6, 2 * 2)


def test_sequence_head_needs_label_width_equal_to_input_width():
    with pytest.raises(ForecastError, match="window.label_width equal to"):
        build_model(model_config("gru", head="sequence"), SPEC)


def test_last_value_baseline_repeats_the_last_input_of_each_label():
    model = build_model(model_config("last"), SPEC)
    x = inputs(1)
    np.testing.assert_array_equal(model(x).numpy(), np.repeat(x[:, -1:, [1, 0]], 3, axis=1))


def test_repeat_baseline_copies_the_previous_label_width_steps():
    model = build_model(model_config("repeat"), SPEC)
    x = inputs(2)
    np.testing.assert_array_equal(model(x).numpy(), x[:, 3:, :][:, :, [1, 0]])


def test_residual_with_zero_initialized_head_starts_at_the_last_value(tmp_path):
    model = build_model(model_config("lstm", output="residual", zero_init=True, units=4), SPEC)
    x = inputs(3)
    y = assert_round_trip(model, x, tmp_path)
    np.testing.assert_allclose(y, np.repeat(x[:, -1:, [1, 0]], 3, axis=1), atol=1e-6)


def test_nonneg_growth_never_goes_below_zero(tmp_path):
    model = build_model(model_config("lstm", output="nonneg_growth", units=4), SPEC)
    x = inputs(4)
    y = assert_round_trip(model, x, tmp_path)
    assert (y >= 0).all() and (y > 0).any()
    zero_growth = build_model(model_config("lstm", output="nonneg_growth", units=4, zero_init=True), SPEC)
    np.testing.assert_allclose(zero_growth(x).numpy(), np.maximum(np.repeat(x[:, -1:, [1, 0]], 3, axis=1), 0), atol=1e-6)


def test_ar_lstm_needs_every_input_as_label():
    with pytest.raises(ForecastError, match="feeds its predictions back"):
        build_model(model_config("ar_lstm"), SPEC)


def test_ar_lstm_feeds_its_first_prediction_back():
    model = build_model(model_config("ar_lstm", units=4), SPEC_ALL_LABELS)
    x = inputs(5)
    layer = model.get_layer("feedback")
    first = layer.dense(layer.lstm_rnn(x)[0]).numpy()
    np.testing.assert_allclose(model(x).numpy()[:, 0], first, atol=1e-6)


def test_linear_last_uses_only_the_last_step():
    model = build_model(model_config("linear", inputs="last"), SPEC)
    assert model.get_layer("head").kernel.shape == (3, 6)  # 3 features -> 3 steps x 2 labels


def test_unregistered_code_is_refused_by_safe_mode(tmp_path):
    x = keras.Input((6, 3))
    model = keras.Model(x, keras.layers.Lambda(lambda t: t * 2)(x))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ForecastError, match="cannot load model"):
        load_model(tmp_path / "lambda.keras")
