"""Every registered model: output shape, and an exact save/load round trip with safe_mode."""

import keras
import numpy as np
import pytest
from omegaconf import OmegaConf

from forecast_cli.artifacts import load_model
from forecast_cli.models import MODELS, build_model
from forecast_cli.window import WindowConfig, resolve_window

SPEC = resolve_window(WindowConfig(6, 3, 3, label_columns=["b", "a"]), ["a", "b", "c"], ["a"])


@pytest.mark.parametrize("name", MODELS.names())
def test_model_shapes_and_round_trip(name, tmp_path):
    cfg = OmegaConf.structured(MODELS.get(name).schema)
    model = build_model(cfg, SPEC)
    x = np.random.default_rng(0).standard_normal((5, 6, 3)).astype("float32")
    y = model(x).numpy()
    assert y.shape == (5, 3, 2)
    model.save(tmp_path / "m.keras")
    np.testing.assert_array_equal(load_model(tmp_path / "m.keras")(x).numpy(), y)


def test_last_value_baseline_repeats_the_last_input_of_each_label():
    model = build_model(OmegaConf.structured(MODELS.get("last").schema), SPEC)
    x = np.random.default_rng(1).standard_normal((4, 6, 3)).astype("float32")
    expected = np.repeat(x[:, -1:, [1, 0]], 3, axis=1)
    np.testing.assert_array_equal(model(x).numpy(), expected)


def test_linear_last_uses_only_the_last_step():
    cfg = OmegaConf.merge(OmegaConf.structured(MODELS.get("linear").schema), {"inputs": "last"})
    model = build_model(cfg, SPEC)
    assert model.get_layer("head").kernel.shape == (3, 6)  # 3 features -> 3 steps x 2 labels


def test_unregistered_code_is_refused_by_safe_mode(tmp_path):
    inputs = keras.Input((6, 3))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    model.save(tmp_path / "lambda.keras")
    from forecast_cli.errors import ForecastError

    with pytest.raises(ForecastError, match="cannot load model"):
        load_model(tmp_path / "lambda.keras")
