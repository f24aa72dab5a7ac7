"""The long-horizon models (ci_linear, nlinear, dlinear, patchtst, itransformer, tsmixer, timemixer), RevIN
and the tslib recipe: shapes, exact save/load with safe_mode, learning, the papers' pieces against NumPy,
and every impossible combination refused with one line naming its key."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from omegaconf import OmegaConf

from forecast_cli.commands.train import validate_config
from forecast_cli.data.window import resolve_window
from forecast_cli.errors import ForecastError
from forecast_cli.models import build_model
from forecast_cli.models.layers import (
    MovingAverage,
    Patching,
    RevINDenormalization,
    RevINNormalization,
    TransformerEncoderLayer,
    patch_count,
)

from helpers import compose_train, make_frame, model_node, run_forecast, window_config

# tiny sizes that fit a 16-step window
TINY = {
    "ci_linear": {},
    "nlinear": {},
    "dlinear": {"moving_avg": 5},
    "patchtst": {"patch_len": 4, "stride": 2, "d_model": 8, "n_heads": 2, "d_ff": 16, "e_layers": 2},
    "itransformer": {"d_model": 8, "n_heads": 2, "d_ff": 16},
    "tsmixer": {"ff_dim": 8},
    "timemixer": {"d_model": 4, "d_ff": 8, "moving_avg": 5, "down_sampling_layers": 2},
}
NEW_MODELS = list(TINY)
# labels a reordered subset of the inputs; every input a label; one channel forecasting 2 steps ahead per label step
SPECS = {
    "subset": resolve_window(window_config(16, 4, 4, label_columns=["c", "a"]), ["a", "b", "c"], ["a"]),
    "all": resolve_window(window_config(24, 8, 8), ["a", "b"], ["a", "b"]),
    "steps_ahead": resolve_window(window_config(16, 6, 6, steps_ahead=2), ["a"], ["a"]),
}
SPEC = SPECS["subset"]


def model_config(name, **overrides):
    return OmegaConf.merge(model_node(name), {**TINY.get(name, {}), **overrides})


def series(batch, spec, seed=0):
    return np.random.default_rng(seed).standard_normal((batch, spec.input_width, spec.n_features)).astype("float32")


def numpy_moving_average(x, kernel):
    """The DLinear paper's trend: replicate-pad (k - 1) / 2 steps at both ends, average each k-step window."""
    half = (kernel - 1) // 2
    padded = np.concatenate([np.repeat(x[:, :1], half, axis=1), x, np.repeat(x[:, -1:], half, axis=1)], axis=1)
    return np.stack([padded[:, t : t + kernel].mean(axis=1) for t in range(x.shape[1])], axis=1)


@pytest.mark.parametrize("spec_name", list(SPECS))
@pytest.mark.parametrize("name", NEW_MODELS)
def test_output_shape(name, spec_name):
    spec = SPECS[spec_name]
    y = build_model(model_config(name), spec)(series(3, spec)).numpy()
    assert y.shape == (3, spec.label_width, spec.n_outputs) and y.dtype == np.float32
    assert np.isfinite(y).all()


@pytest.mark.parametrize("name", NEW_MODELS)
def test_save_and_load_with_safe_mode_gives_the_same_forecast(name, tmp_path):
    model = build_model(model_config(name, revin=True, revin_affine=True), SPEC)
    x = series(4, SPEC, seed=1)
    model.save(tmp_path / "x.keras")
    loaded = keras.saving.load_model(tmp_path / "x.keras", safe_mode=True)
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), atol=1e-6)


@pytest.mark.parametrize("name", NEW_MODELS)
def test_a_few_training_steps_reduce_the_loss(name):
    keras.utils.set_random_seed(0)
    t = np.arange(200, dtype="float32")
    frame = np.stack([np.sin(2 * np.pi * t / 12), np.cos(2 * np.pi * t / 8), 0.5 * np.sin(2 * np.pi * t / 6)], axis=1)
    starts = np.arange(0, 200 - 20, 3)
    x = np.stack([frame[s : s + 16] for s in starts])  # 60 windows of a made-up 3-channel series
    y = np.stack([frame[s + 16 : s + 20][:, [2, 0]] for s in starts])
    model = build_model(model_config(name), SPEC)
    optimizer = keras.optimizers.Adam(1e-2)

    def loss():
        return float(np.mean((model(x).numpy() - y) ** 2))

    before = loss()
    for _ in range(6):  # eager steps: tracing a train function costs more than these few
        with tf.GradientTape() as tape:
            step_loss = keras.ops.mean((model(x, training=True) - y) ** 2)
        gradients = tape.gradient(step_loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    assert loss() < 0.7 * before


def test_moving_average_pads_with_the_first_and_last_values_as_the_paper_does():
    x = np.random.default_rng(2).standard_normal((2, 11, 3)).astype("float32")
    np.testing.assert_allclose(MovingAverage(5)(x).numpy(), numpy_moving_average(x, 5), atol=1e-6)
    # any leading axes: TimeMixer decomposes [batch, channels, time, d_model]
    x4 = np.random.default_rng(3).standard_normal((2, 3, 9, 4)).astype("float32")
    expected = numpy_moving_average(x4.reshape(6, 9, 4), 3).reshape(2, 3, 9, 4)
    np.testing.assert_allclose(MovingAverage(3)(x4).numpy(), expected, atol=1e-6)
    # a kernel longer than the series averages the padded copies (TimeMixer's 25 on a 12-step scale)
    short = np.random.default_rng(4).standard_normal((2, 5, 2)).astype("float32")
    np.testing.assert_allclose(MovingAverage(25)(short).numpy(), numpy_moving_average(short, 25), atol=1e-6)


@pytest.mark.parametrize("individual", [False, True])
def test_dlinear_is_seasonal_and_trend_linear_maps_of_the_decomposition(individual):
    model = build_model(model_config("dlinear", individual=individual), SPEC)
    rng = np.random.default_rng(4)
    for layer in (model.get_layer("seasonal_linear"), model.get_layer("trend_linear")):
        layer.set_weights([rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()])
    x = series(2, SPEC, seed=5)
    trend = numpy_moving_average(x, 5)
    channels = [np.swapaxes(part, 1, 2) for part in (x - trend, trend)]  # [batch, channels, time]
    forecast = 0
    for part, name in zip(channels, ("seasonal_linear", "trend_linear")):
        kernel, bias = model.get_layer(name).get_weights()
        equation = "bct,ctu->bcu" if individual else "bct,tu->bcu"
        forecast = forecast + np.einsum(equation, part, kernel) + bias
    expected = np.swapaxes(forecast, 1, 2)[:, :, [2, 0]]  # labels c, a
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_dlinear_starts_as_the_window_average_as_in_tslib():
    x = series(2, SPEC, seed=6)
    y = build_model(model_config("dlinear"), SPEC)(x).numpy()
    np.testing.assert_allclose(y, np.repeat(x.mean(axis=1, keepdims=True)[:, :, [2, 0]], 4, axis=1), atol=1e-5)


def test_nlinear_moves_its_forecast_with_a_level_shift_of_the_input():
    model = build_model(model_config("nlinear"), SPEC)
    x = series(2, SPEC, seed=7)
    np.testing.assert_allclose(model(x + 3.0).numpy(), model(x).numpy() + 3.0, atol=1e-5)


@pytest.mark.parametrize("name", ["ci_linear", "nlinear", "dlinear", "patchtst"])
def test_channel_independent_models_forecast_a_channel_from_its_own_series(name):
    model = build_model(model_config(name, individual=True) if "linear" in name else model_config(name), SPEC)
    x = series(2, SPEC, seed=8)
    other = x.copy()
    other[:, :, 1] += 5.0  # b, not a label
    other[:, :, 2] *= -1.0  # c, the first label
    a, changed = model(x).numpy(), model(other).numpy()
    np.testing.assert_allclose(changed[:, :, 1], a[:, :, 1], atol=1e-5)  # label a: untouched
    assert np.abs(changed[:, :, 0] - a[:, :, 0]).max() > 1e-3


def test_ci_linear_individual_keeps_one_kernel_per_channel():
    model = build_model(model_config("ci_linear", individual=True), SPEC)
    assert model.get_layer("linear").kernel.shape == (3, 16, 4)
    assert build_model(model_config("ci_linear"), SPEC).get_layer("linear").kernel.shape == (16, 4)


def test_revin_normalizes_each_window_and_channel_and_maps_back_exactly():
    x = (np.random.default_rng(9).standard_normal((3, 10, 4)) * [1, 5, 0.1, 20] + [0, 100, -3, 7]).astype("float32")
    mean, std = x.mean(axis=1, keepdims=True), np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
    layer = RevINNormalization(affine=True)
    normalized, scale, shift = (t.numpy() for t in layer(x))
    weight, bias = np.array([0.5, 2.0, -1.5, 1.0], "float32"), np.array([0.1, -0.2, 0.3, 0.0], "float32")
    layer.set_weights([weight, bias])
    normalized, scale, shift = (t.numpy() for t in layer(x))
    np.testing.assert_allclose(normalized, (x - mean) / std * weight + bias, rtol=1e-5, atol=1e-5)
    # the denormalization of a forecast that repeats the normalized window gives the window back,
    # for the channels asked for, in their order
    positions = [3, 1]
    back = RevINDenormalization(positions)([normalized[:, :, positions], scale, shift]).numpy()
    np.testing.assert_allclose(back, x[:, :, positions], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ["lstm", "ci_linear", "patchtst"])
def test_revin_makes_any_model_follow_the_scale_and_level_of_its_labels(name):
    """A model between RevIN's normalization and denormalization (non-affine) forecasts a * x + b as a times
    its forecast of x plus b: the level and scale of each label come from that label's own input channel."""
    size = {"units": 4} if name == "lstm" else {}
    model = build_model(model_config(name, revin=True, revin_affine=False, **size), SPEC)
    x = series(2, SPEC, seed=10)
    np.testing.assert_allclose(model(4.0 * x + 10.0).numpy(), 4.0 * model(x).numpy() + 10.0, rtol=1e-4, atol=1e-3)


def test_revin_is_off_by_default_for_the_older_models_and_on_for_the_papers_that_use_it():
    assert "revin_normalize" not in [layer.name for layer in build_model(model_config("lstm", units=4), SPEC).layers]
    defaults = {name: (model_config(name).revin, model_config(name).revin_affine) for name in NEW_MODELS}
    assert defaults == {
        "ci_linear": (False, False), "nlinear": (False, False), "dlinear": (False, False),
        "patchtst": (True, False), "itransformer": (True, False), "tsmixer": (True, True), "timemixer": (True, True),
    }


def test_patch_count_is_the_papers_with_end_padding_by_stride():
    assert patch_count(96, 16, 8) == 12
    assert patch_count(336, 16, 8) == 42  # PatchTST/42
    assert patch_count(512, 16, 8) == 64  # PatchTST/64
    assert patch_count(10, 4, 3) == 4  # 10 steps + 3 copies of the last: starts 0, 3, 6, 9
    x = np.arange(2 * 10, dtype="float32").reshape(2, 10)
    patches = Patching(4, 3)(x).numpy()
    assert patches.shape == (2, 4, 4)
    np.testing.assert_array_equal(patches[0, 0], [0, 1, 2, 3])
    np.testing.assert_array_equal(patches[1, 3], [19, 19, 19, 19])  # step 9 and three copies of it


def test_patchtst_with_tslibs_network_saves_and_loads_with_safe_mode(tmp_path):
    # TSLib's network since June 2024: its final BatchNorm carries moving statistics that must survive the round trip
    options = dict(
        norm="layer", encoder_norm="batch", residual_attention=False, position_embedding="sinusoidal", patch_bias=False
    )
    model = build_model(model_config("patchtst", **options), SPEC)
    layers = {layer.name: layer for layer in model._flatten_layers(include_self=False, recursive=True)}
    assert layers["patch_embedding"].bias is None and not layers["position_embedding"].weights
    assert isinstance(layers["encoder_norm"], keras.layers.BatchNormalization)
    model.save(tmp_path / "x.keras")
    x = series(4, SPEC, seed=2)
    loaded = keras.saving.load_model(tmp_path / "x.keras", safe_mode=True)
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), atol=1e-6)


def test_patchtst_drops_the_attention_projection_at_its_dropout_unless_told_otherwise():
    def rates(**options):
        model = build_model(model_config("patchtst", dropout=0.2, **options), SPEC)
        layers = model._flatten_layers(recursive=True)
        return {layer.projection_dropout for layer in layers if isinstance(layer, TransformerEncoderLayer)}

    assert rates() == {0.2} and rates(projection_dropout=0.0) == {0.0} and rates(projection_dropout=0.4) == {0.4}


def test_an_encoder_layer_with_an_unknown_norm_is_refused():
    with pytest.raises(ValueError, match="norm must be 'batch' or 'layer', got 'group'"):
        TransformerEncoderLayer(2, 8, norm="group")


@pytest.mark.parametrize("rate", [0.0, 0.5])
def test_projection_dropout_drops_the_attention_output_in_training_only(rate):
    """The paper's code drops the attention's output projection before the residual dropout; with every other
    dropout off, training-mode outputs differ from inference exactly when the projection dropout is on."""
    layer = TransformerEncoderLayer(2, 8, dropout=0.0, attention_dropout=0.0, projection_dropout=rate)
    x = np.random.default_rng(0).standard_normal((64, 5, 8)).astype("float32")
    inference = layer(x, training=False).numpy()
    changed = np.abs(layer(x, training=True).numpy() - inference).max(axis=(1, 2)) > 1e-6
    assert changed.mean() == (0.0 if rate == 0.0 else 1.0)
    assert TransformerEncoderLayer.from_config(layer.get_config()).projection_dropout == rate


@pytest.mark.parametrize(
    "name, overrides, key",
    [
        ("patchtst", {"d_model": 10, "n_heads": 3}, "model.d_model (10) must be divisible by model.n_heads (3)"),
        ("itransformer", {"d_model": 8, "n_heads": 3}, "model.d_model (8) must be divisible by model.n_heads (3)"),
        ("patchtst", {"patch_len": 0}, "model.patch_len must be >= 1"),
        ("patchtst", {"stride": -1}, "model.stride must be >= 1"),
        ("patchtst", {"head_dropout": 1.0}, "model.head_dropout must be in [0, 1)"),
        ("patchtst", {"norm": "group"}, "model.norm must be one of batch, layer"),
        ("patchtst", {"encoder_norm": "group"}, "model.encoder_norm must be null or one of batch, layer, got 'group'"),
        ("patchtst", {"position_embedding": "rotary"}, "model.position_embedding must be one of learned, sinusoidal"),
        ("patchtst", {"projection_dropout": 1.0}, "model.projection_dropout must be in [0, 1)"),
        ("itransformer", {"e_layers": 0}, "model.e_layers must be >= 1"),
        ("dlinear", {"moving_avg": 24}, "model.moving_avg must be odd and >= 1"),
        ("tsmixer", {"ff_dim": 0}, "model.ff_dim must be >= 1"),
        ("tsmixer", {"n_block": 0}, "model.n_block must be >= 1"),
        ("timemixer", {"down_sampling_window": 0}, "model.down_sampling_window must be >= 1"),
        ("timemixer", {"down_sampling_layers": -1}, "model.down_sampling_layers must be >= 0"),
    ],
)
def test_impossible_settings_are_refused_by_the_schema(name, overrides, key):
    with pytest.raises(ForecastError) as info:
        OmegaConf.to_object(model_config(name, **overrides))
    assert key in str(info.value)


@pytest.mark.parametrize(
    "name, overrides, message",
    [
        ("patchtst", {"patch_len": 17}, "model.patch_len (17) exceeds window.input_width (16)"),
        ("timemixer", {"down_sampling_layers": 5}, "model.down_sampling_layers (5) with model.down_sampling_window (2)"),
    ],
)
def test_settings_that_do_not_fit_the_window_are_refused_when_the_model_is_built(name, overrides, message):
    with pytest.raises(ForecastError) as info:
        build_model(model_config(name, **overrides), SPEC)
    assert message in str(info.value)


def test_a_label_that_is_not_an_input_is_refused_with_one_line():
    spec = resolve_window(window_config(16, 4, 4, label_columns=["c"], input_columns=["a", "b"]), ["a", "b", "c"], ["c"])
    with pytest.raises(ForecastError, match=r"model=tsmixer needs the label columns among the inputs, but \['c'\]"):
        build_model(model_config("tsmixer"), spec)
    with pytest.raises(ForecastError, match=r"model.revin=true .* \['c'\] are not in window.input_columns") as info:
        build_model(model_config("gru", revin=True, units=4), spec)
    assert "\n" not in str(info.value)


def test_the_models_run_under_mixed_bfloat16_with_a_float32_forecast():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        for name in NEW_MODELS:
            y = build_model(model_config(name), SPEC)(series(2, SPEC)).numpy()
            assert y.dtype == np.float32 and np.isfinite(y).all(), name
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("name", NEW_MODELS)
def test_each_model_yaml_composes_and_validates(name):
    cfg = compose_train([f"model={name}"])
    validate_config(cfg)
    assert cfg.model.name == name and cfg.run_name == name


def test_the_tslib_recipe_composes_adam_1e4_batch_32_ten_epochs_patience_3_and_halving():
    cfg = compose_train(["recipe=tslib", "model=patchtst"])
    validate_config(cfg)
    assert (cfg.optimizer.learning_rate, cfg.trainer.batch_size, cfg.trainer.epochs) == (1e-4, 32, 10)
    assert (cfg.trainer.callbacks.early_stopping.patience, cfg.trainer.callbacks.early_stopping.min_delta_ratio) == (3, 0.0)
    schedule = OmegaConf.to_container(
        compose_train(["recipe=tslib", "optimizer.learning_rate=0.01"]).trainer.callbacks.learning_rate, resolve=True
    )
    assert schedule["initial_learning_rate"] == 0.01  # a model's own rate carries into the schedule


def test_epoch_decay_follows_tslib_type1_during_training():
    from forecast_cli.trainer.callbacks import EpochDecay

    decay = EpochDecay(1e-3)
    assert [decay.learning_rate(epoch) for epoch in range(5)] == [1e-3, 1e-3, 5e-4, 2.5e-4, 1.25e-4]
    seen = []
    record = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(float(model.optimizer.learning_rate)))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(1.0), "mse")
    model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=4, verbose=0, callbacks=[decay, record])
    np.testing.assert_allclose(seen, [1e-3, 1e-3, 5e-4, 2.5e-4])


def test_epoch_decay_scales_the_first_epoch_alone_and_refuses_a_factor_outside_0_1():
    from forecast_cli.trainer.callbacks import EpochDecay

    decay = EpochDecay(1e-3, factor=0.5, first_decayed_epoch=3, first_epoch_factor=0.04)
    assert [decay.learning_rate(epoch) for epoch in range(4)] == [4e-5, 1e-3, 5e-4, 2.5e-4]
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match=f"first_epoch_factor must be in \\(0, 1\\], got {bad}"):
            EpochDecay(1e-3, first_epoch_factor=bad)


@pytest.mark.parametrize(
    "override, message",
    [
        ("model.n_heads=3", "model.d_model (8) must be divisible by model.n_heads (3)"),  # the schema, before training
        ("model.patch_len=64", "model.patch_len (64) exceeds window.input_width (12)"),  # when the model is built
    ],
)
def test_the_cli_prints_one_line_and_exits_2(tmp_path, override, message):
    make_frame(200).to_csv(tmp_path / "series.csv", index=False)
    args = [
        "train", "data=csv", f"data.path={tmp_path / 'series.csv'}", "data.date_column=date", "data.target=target",
        "window.input_width=12", "model=patchtst", "model.d_model=8", "model.d_ff=8", override, "trainer.epochs=1",
        "trainer.verbose=silent",
    ]
    result = run_forecast(args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr
