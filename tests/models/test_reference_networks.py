"""Our networks against the PyTorch code behind the figures we compare with: a small model of each reference,
its weights drawn by PyTorch and copied into ours, gives the reference's forecast. The fixtures
(tests/fixtures/reference/, written by make_fixtures.py there) hold the reference's weights, an input batch
and its forecast in eval mode.

- patchtst_tslib_2023.npz: Time-Series-Library's models/PatchTST.py as it was until June 2024 (77f11ea), which
  produced the input-96 tables that later papers compare against (our conf/experiment/ltsf/etth1/patchtst.yaml):
  LayerNorm after the last layer;
- patchtst_tslib.npz: the same file since 4b919c9 (June 2024), a BatchNorm after the last layer;
- patchtst_paper.npz: the paper's code (yuqinie98/PatchTST, PatchTST_supervised), the defaults of model=patchtst:
  BatchNorm in every layer, residual attention, a learned position table, RevIN;
- timemixer_tslib.npz: Time-Series-Library's models/TimeMixer.py (channel-independent, average pooling, moving
  average decomposition, RevIN with affine weights at every scale), without calendar features."""

import numpy as np
import pytest
from omegaconf import OmegaConf

from forecast_cli.data.window import resolve_window
from forecast_cli.models import build_model
from forecast_cli.models.layers import RevINNormalization, TransformerEncoderLayer, patch_count
from forecast_cli.models.layers.transformer import sinusoidal_table

from helpers import FIXTURES, model_node, window_config

REFERENCE = FIXTURES / "reference"
TSLIB = {  # TSLib's network, as the ETT experiments set it
    "norm": "layer", "encoder_norm": "layer", "residual_attention": False, "position_embedding": "sinusoidal",
    "patch_bias": False, "projection_dropout": 0.0, "attention_dropout": 0.1, "head_dropout": 0.1,
}
TSLIB_FIXTURES = {  # fixture: its final norm, and that norm's name in the reference's weights
    "patchtst_tslib_2023": ("layer", "encoder.norm"),
    "patchtst_tslib": ("batch", "encoder.norm.1"),  # nn.Sequential(Transpose, BatchNorm1d, Transpose)
}


def load(name):
    with np.load(REFERENCE / f"{name}.npz") as data:
        weights = {k.split(":", 1)[1]: data[k] for k in data.files if k.startswith("weight:")}
        settings = {k.split(":", 1)[1]: data[k].item() for k in data.files if k.startswith("setting:")}
        return data["x"], data["y"], weights, settings


def our_model(x, y, settings, name="patchtst", **options):
    columns = [f"c{i}" for i in range(x.shape[2])]
    spec = resolve_window(window_config(x.shape[1], y.shape[1], y.shape[1]), columns, columns)
    schema = model_node(name)
    model = build_model(OmegaConf.merge(schema, {**settings, **options}), spec)
    layers = {layer.name: layer for layer in model._flatten_layers(include_self=False, recursive=True)}
    return model, layers


def assign(variable, value):
    assert tuple(variable.shape) == value.shape, (variable.path, variable.shape, value.shape)
    variable.assign(value)


def assign_linear(dense, weights, prefix):
    """A PyTorch nn.Linear ([out, in] weight) into a Dense ([in, out] kernel)."""
    assign(dense.kernel, weights[f"{prefix}.weight"].T)
    assign(dense.bias, weights[f"{prefix}.bias"])


def assign_norm(norm, weights, prefix):
    assign(norm.gamma, weights[f"{prefix}.weight"])
    assign(norm.beta, weights[f"{prefix}.bias"])
    if f"{prefix}.running_mean" in weights:
        assign(norm.moving_mean, weights[f"{prefix}.running_mean"])
        assign(norm.moving_variance, weights[f"{prefix}.running_var"])


def assign_attention(layer: TransformerEncoderLayer, weights, prefix, names):
    for ours, theirs in zip(("query", "key", "value", "output"), names):
        assign(getattr(layer, f"{ours}_kernel"), weights[f"{prefix}.{theirs}.weight"].T)
        assign(getattr(layer, f"{ours}_bias"), weights[f"{prefix}.{theirs}.bias"])


def assign_head(head, weights, prefix, patches, d_model):
    """Both codes flatten each channel's [d_model, patches] (d_model-major); we flatten [patches, d_model]."""
    kernel = weights[f"{prefix}.weight"].T  # [d_model * patches, horizon]
    assign(head.kernel, kernel.reshape(d_model, patches, -1).transpose(1, 0, 2).reshape(patches * d_model, -1))
    assign(head.bias, weights[f"{prefix}.bias"])


def forecast_matches(model, x, y):
    ours = model(x, training=False).numpy()
    assert ours.shape == y.shape
    # float32 through a few layers: a wrong piece (norm, head order, scale) is off by the size of the forecast
    np.testing.assert_allclose(ours, y, rtol=0, atol=1e-5 * np.abs(y).max())


def tslib_model(fixture="patchtst_tslib_2023", **changes):
    """Our model with TSLib's options (the fixture's final norm), but for `changes`, and the fixture's weights;
    its input; TSLib's forecast."""
    x, y, weights, settings = load(fixture)
    encoder_norm, norm_weights = TSLIB_FIXTURES[fixture]
    options = {**TSLIB, "encoder_norm": encoder_norm, **changes}
    model, layers = our_model(x, y, settings, patch_len=16, stride=8, **options)
    assign(layers["patch_embedding"].kernel, weights["patch_embedding.value_embedding.weight"].T)
    for i in range(settings["e_layers"]):
        theirs, ours = f"encoder.attn_layers.{i}", layers[f"encoder_{i}"]
        projections = [f"{n}_projection" for n in ("query", "key", "value", "out")]
        assign_attention(ours, weights, f"{theirs}.attention", projections)
        assign(ours.feed_forward_in.kernel, weights[f"{theirs}.conv1.weight"][:, :, 0].T)  # a kernel-1 Conv1d
        assign(ours.feed_forward_in.bias, weights[f"{theirs}.conv1.bias"])
        assign(ours.feed_forward_out.kernel, weights[f"{theirs}.conv2.weight"][:, :, 0].T)
        assign(ours.feed_forward_out.bias, weights[f"{theirs}.conv2.bias"])
        assign_norm(ours.attention_norm, weights, f"{theirs}.norm1")
        assign_norm(ours.feed_forward_norm, weights, f"{theirs}.norm2")
    if "encoder_norm" in layers and options["encoder_norm"] == encoder_norm:
        assign_norm(layers["encoder_norm"], weights, norm_weights)
    patches = patch_count(x.shape[1], 16, 8)
    assign_head(layers["head"], weights, "head.linear", patches=patches, d_model=settings["d_model"])
    return model, x, y


@pytest.mark.parametrize("fixture", TSLIB_FIXTURES)
def test_tslib_patchtst_forecasts_as_time_series_library(fixture):
    forecast_matches(*tslib_model(fixture))


@pytest.mark.parametrize(
    "change", [{"encoder_norm": None}, {"position_embedding": "learned"}, {"residual_attention": True}]
)
def test_each_tslib_option_shows_in_the_forecast(change):
    """The same weights with one option of the paper's code in place of TSLib's: a different forecast, so the
    test above holds each option to TSLib's network (its final norm: the two fixtures)."""
    model, x, y = tslib_model(**change)
    assert np.abs(model(x, training=False).numpy() - y).max() > 0.01 * np.abs(y).max()


def test_sinusoidal_position_table_is_tslibs():
    _, _, weights, settings = load("patchtst_tslib")
    pe = weights["patch_embedding.position_embedding.pe"][0]
    np.testing.assert_allclose(sinusoidal_table(pe.shape[0], settings["d_model"]), pe, atol=1e-6)


def test_paper_patchtst_forecasts_as_the_papers_code():
    x, y, weights, settings = load("patchtst_paper")
    model, layers = our_model(x, y, settings, patch_len=24, stride=2, projection_dropout=settings["dropout"])
    backbone = "model.backbone"
    assign_linear(layers["patch_embedding"], weights, f"{backbone}.W_P")
    assign(layers["position_embedding"].embedding, weights[f"{backbone}.W_pos"])
    for i in range(settings["e_layers"]):
        theirs, ours = f"{backbone}.encoder.layers.{i}", layers[f"encoder_{i}"]
        assign_attention(ours, weights, f"{theirs}.self_attn", ["W_Q", "W_K", "W_V", "to_out.0"])
        assign_linear(ours.feed_forward_in, weights, f"{theirs}.ff.0")
        assign_linear(ours.feed_forward_out, weights, f"{theirs}.ff.3")
        assign_norm(ours.attention_norm, weights, f"{theirs}.norm_attn.1")
        assign_norm(ours.feed_forward_norm, weights, f"{theirs}.norm_ffn.1")
    patches = patch_count(x.shape[1], 24, 2)
    assign_head(layers["head"], weights, "model.head.linear", patches=patches, d_model=settings["d_model"])
    forecast_matches(model, x, y)


def test_timemixer_forecasts_as_time_series_library():
    x, y, weights, settings = load("timemixer_tslib")
    model, layers = our_model(x, y, settings, name="timemixer")
    scales = settings["down_sampling_layers"] + 1
    for i in range(scales):
        revin = layers["revin_normalize" if i == 0 else f"scale_{i}_revin"]
        assign(revin.affine_weight, weights[f"normalize_layers.{i}.affine_weight"])
        assign(revin.affine_bias, weights[f"normalize_layers.{i}.affine_bias"])
        assign_linear(layers[f"predict_from_scale_{i}"], weights, f"predict_layers.{i}")
    # a circular Conv1d of 3 taps on one channel: out[t] = sum_k w[:, 0, k] x[t - 1 + k]
    assign(layers["token_embedding"].kernel, weights["enc_embedding.value_embedding.tokenConv.weight"][:, 0, :].T)
    for b in range(settings["e_layers"]):
        theirs = f"pdm_blocks.{b}"
        for i in range(1, scales):
            season = f"{theirs}.mixing_multi_scale_season.down_sampling_layers.{i - 1}"
            assign_linear(layers[f"pdm_{b}_season_down_{i}_1"], weights, f"{season}.0")
            assign_linear(layers[f"pdm_{b}_season_down_{i}_2"], weights, f"{season}.2")
        for i in range(scales - 1):  # theirs run coarse to fine: their first map makes our coarsest-but-one trend
            trend = f"{theirs}.mixing_multi_scale_trend.up_sampling_layers.{scales - 2 - i}"
            assign_linear(layers[f"pdm_{b}_trend_up_{i}_1"], weights, f"{trend}.0")
            assign_linear(layers[f"pdm_{b}_trend_up_{i}_2"], weights, f"{trend}.2")
        assign_linear(layers[f"pdm_{b}_out_cross_1"], weights, f"{theirs}.out_cross_layer.0")
        assign_linear(layers[f"pdm_{b}_out_cross_2"], weights, f"{theirs}.out_cross_layer.2")
    assign_linear(layers["predict_projection"], weights, "projection_layer")
    # the fixture's RevIN runs with epsilon 0 (make_fixtures.py says why); so does ours here
    for layer in layers.values():
        if isinstance(layer, RevINNormalization):
            layer.epsilon = 0.0
    forecast_matches(model, x, y)
