"""`tsmixer`: TSMixer (Chen et al., TMLR 2023; google-research/tsmixer): residual blocks that mix along time
(one Dense over each channel's window, shared by the channels) and then along features (a two-layer MLP
over the channels of each step), then one Dense over time to the horizon, with RevIN around it."""

from dataclasses import dataclass

from omegaconf import MISSING

from forecast_cli.errors import require
from forecast_cli.models import MODELS
from forecast_cli.models.base import (
    ModelConfig,
    check_dropout,
    check_positive,
    horizon_steps,
    label_forecast,
    label_positions,
    model_input,
)

NORMS = ("batch", "layer")  # batch: per (time, channel) over the batch; layer: over the whole window of a sample
ACTIVATIONS = ("relu", "gelu")


@dataclass
class TSMixerConfig(ModelConfig):
    n_block: int = MISSING
    ff_dim: int = MISSING  # hidden units of the feature-mixing MLP
    dropout: float = MISSING
    norm: str = MISSING
    activation: str = MISSING
    revin: bool = MISSING
    revin_affine: bool = MISSING

    def __post_init__(self) -> None:
        check_positive(self, "n_block", "ff_dim")
        check_dropout(self, "dropout")
        require(self.norm in NORMS, "model.norm", f"must be one of {', '.join(NORMS)}, got '{self.norm}'")
        require(self.activation in ACTIVATIONS, "model.activation", f"must be one of {', '.join(ACTIVATIONS)}, got '{self.activation}'")


def normalize(x, norm: str, name: str):
    """[batch, time, channels] normalized over both axes: LayerNorm per sample, or BatchNorm with its own
    statistics for every (time, channel) cell (the paper's BatchNormalization(axis=[-2, -1]))."""
    import keras

    if norm == "layer":
        return keras.layers.LayerNormalization(axis=[-2, -1], name=name)(x)
    shape = tuple(x.shape[1:])
    x = keras.layers.Flatten(name=f"{name}_flatten")(x)
    x = keras.layers.BatchNormalization(name=name)(x)
    return keras.layers.Reshape(shape, name=f"{name}_unflatten")(x)


def mixer_block(x, cfg: TSMixerConfig, spec, name: str):
    """[batch, time, channels] -> the same shape."""
    import keras

    layers = keras.layers
    y = normalize(x, cfg.norm, f"{name}_time_norm")
    y = layers.Permute((2, 1), name=f"{name}_channels_first")(y)  # [batch, channels, time]
    y = layers.Dense(spec.input_width, activation=cfg.activation, name=f"{name}_time_mixing")(y)
    y = layers.Permute((2, 1), name=f"{name}_time_first")(y)
    y = layers.Dropout(cfg.dropout, name=f"{name}_time_dropout")(y)
    x = layers.Add(name=f"{name}_time_residual")([x, y])
    y = normalize(x, cfg.norm, f"{name}_feature_norm")
    y = layers.Dense(cfg.ff_dim, activation=cfg.activation, name=f"{name}_feature_hidden")(y)
    y = layers.Dropout(cfg.dropout, name=f"{name}_feature_hidden_dropout")(y)
    y = layers.Dense(spec.n_features, name=f"{name}_feature_mixing")(y)
    y = layers.Dropout(cfg.dropout, name=f"{name}_feature_dropout")(y)
    return layers.Add(name=f"{name}_feature_residual")([x, y])


@MODELS.register("tsmixer", TSMixerConfig)
def build(cfg: TSMixerConfig, spec):
    import keras

    positions = label_positions(spec, "model=tsmixer")
    inputs = model_input(spec)
    x = inputs  # [batch, time, channels]
    for i in range(cfg.n_block):
        x = mixer_block(x, cfg, spec, f"block_{i}")
    x = keras.layers.Permute((2, 1), name="channels_first")(x)  # [batch, channels, time]
    x = keras.layers.Dense(horizon_steps(spec), name="temporal_projection")(x)  # [batch, channels, horizon]
    return keras.Model(inputs, label_forecast(x, spec, positions), name="tsmixer")
