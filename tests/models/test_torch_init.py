"""`model.init=torch`: every linear and convolution layer starts from PyTorch's U(-1/sqrt(fan_in), 1/sqrt(fan_in))
for kernel and bias, a kernel a model sets on purpose keeps its start, and a bad value is refused first."""

import math

import keras
import numpy as np
import pytest

from forecast_cli.commands.train import validate_config
from forecast_cli.data.window import resolve_window
from forecast_cli.errors import ForecastError
from forecast_cli.models import build_model
from forecast_cli.models._torch_init import torch_initialize
from forecast_cli.models.layers import PerChannelDense, TransformerEncoderLayer

from helpers import compose_train, window_config

SPEC = resolve_window(window_config(96, 96, 96), [f"c{i}" for i in range(7)], [f"c{i}" for i in range(7)])


def build(name, init, **overrides):
    keras.utils.set_random_seed(0)
    cfg = compose_train([f"model={name}", f"model.init={'null' if init is None else init}",
                         *(f"model.{key}={value}" for key, value in overrides.items())])
    return build_model(cfg.model, SPEC)


def assert_pytorch_uniform(values, fan_in):
    """Inside the bound, and spread as a uniform over it (std bound/sqrt(3)), not as Glorot's wider draw."""
    bound = 1.0 / math.sqrt(fan_in)
    values = np.asarray(values).ravel()
    assert np.abs(values).max() <= bound * (1 + 1e-6)
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.25 if values.size < 64 else 0.08)


def weights_by_path(model):
    return {w.path: w.numpy() for w in model.weights}


def test_itransformer_starts_from_pytorchs_draws_and_keras_init_from_glorots():
    torch = build("itransformer", "torch", d_model=64, n_heads=4, d_ff=128)
    embedding = next(l for l in torch._flatten_layers() if l.name == "variate_embedding")
    assert_pytorch_uniform(embedding.kernel.numpy(), 96)
    assert_pytorch_uniform(embedding.bias.numpy(), 96)
    encoder = next(l for l in torch._flatten_layers() if isinstance(l, TransformerEncoderLayer))
    for name in ("query", "key", "value", "output"):
        assert_pytorch_uniform(getattr(encoder, f"{name}_kernel").numpy(), 64)
        assert_pytorch_uniform(getattr(encoder, f"{name}_bias").numpy(), 64)
    assert_pytorch_uniform(encoder.feed_forward_out.kernel.numpy(), 128)  # d_ff -> d_model: fan in d_ff

    keras_built = build("itransformer", None, d_model=64, n_heads=4, d_ff=128)
    embedding = next(l for l in keras_built._flatten_layers() if l.name == "variate_embedding")
    assert embedding.kernel.numpy().std() == pytest.approx(math.sqrt(2 / (96 + 64)), rel=0.08)  # Glorot
    assert not embedding.bias.numpy().any()


def test_a_kernel_set_on_purpose_keeps_its_start_and_its_bias_follows_pytorch():
    model = build("dlinear", "torch")
    kernels = {w.path: w.numpy() for w in model.weights if w.path.endswith("kernel")}
    biases = {w.path: w.numpy() for w in model.weights if w.path.endswith("bias")}
    assert kernels and all(np.allclose(k, 1 / 96) for k in kernels.values())  # DLinear's 1/input average
    for bias in biases.values():
        assert bias.any() and np.abs(bias).max() <= 1 / math.sqrt(96)


def test_per_channel_and_convolution_layers_use_their_own_fan_in():
    inputs = keras.Input((7, 96))
    per_channel = PerChannelDense(24)
    conv = keras.layers.Conv1D(16, 5)
    model = keras.Model(inputs, [per_channel(inputs), conv(inputs)])
    torch_initialize(model)
    assert_pytorch_uniform(per_channel.kernel.numpy(), 96)  # each channel's 96 -> 24 map
    assert_pytorch_uniform(conv.kernel.numpy(), 5 * 96)  # taps x input channels
    assert_pytorch_uniform(conv.bias.numpy(), 5 * 96)


@pytest.mark.parametrize("name", ["timemixer", "patchtst", "tsmixer"])
def test_every_family_builds_with_it_and_round_trips(name, tmp_path):
    model = build(name, "torch")
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True, compile=False)
    x = np.random.default_rng(0).standard_normal((2, 96, 7)).astype("float32")
    np.testing.assert_allclose(loaded(x), model(x), atol=1e-6)
    glorot = build(name, None)
    assert not np.allclose(model(x), glorot(x), atol=1e-3)  # the draws differ, so the forecasts do


def test_an_unknown_init_is_refused_before_the_run():
    cfg = compose_train(["model=itransformer", "model.init=jax"])
    with pytest.raises(ForecastError, match="model.init must be keras, torch or null, got 'jax'"):
        validate_config(cfg)
