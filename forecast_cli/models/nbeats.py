"""`nbeats`: N-BEATS (Oreshkin et al., ICLR 2020), the global model of the M3, M4 and tourism results.

Stacks of blocks; a block is `layers` fully connected ReLU layers of `units`, then linear projections to
expansion coefficients of its backcast (the input window) and its forecast (the horizon). Doubly residual
stacking: each block gets the input minus the backcasts of the blocks before it, and the model's forecast
is the sum of every block's. `kind=generic`: the bases are learned (linear projections straight to the
backcast and forecast), the paper's N-BEATS-G; `kind=interpretable`: a trend stack (polynomial basis of
degree `degree`) then a seasonality stack (Fourier basis, `harmonics`), by default 3 blocks each sharing
their weights, the paper's N-BEATS-I. Every input channel is forecast on its own with the same weights (the label columns
are kept), so the model fits any number of series of one kind: a panel's windows are its batches.
"""

from dataclasses import dataclass
from typing import ClassVar, Optional

from omegaconf import MISSING

from forecast_cli.errors import require
from forecast_cli.models import MODELS
from forecast_cli.models.base import (
    EMBEDDING_OWN,
    ModelConfig,
    check_dropout,
    check_positive,
    horizon_steps,
    label_forecast,
    label_positions,
    model_input,
)

KINDS = ("generic", "interpretable")


@dataclass
class NBeatsConfig(ModelConfig):
    series_embedding_use: ClassVar[Optional[str]] = EMBEDDING_OWN
    kind: str = MISSING  # generic | interpretable
    stacks: int = MISSING  # generic only (the paper's N-BEATS-G: 30 stacks of 1 block)
    blocks: Optional[int] = MISSING  # blocks per stack; null: the paper's (generic 1, interpretable 3)
    layers: int = MISSING  # fully connected layers per block
    units: int = MISSING  # generic blocks' width (the paper's: 512)
    trend_units: int = MISSING  # interpretable trend blocks' width
    seasonality_units: int = MISSING  # interpretable seasonality blocks' width
    degree: int = MISSING  # the trend basis' polynomial degree
    harmonics: int = MISSING  # the seasonality basis' frequency resolution
    # one set of weights for all the blocks of a stack; null: the paper's (generic false, interpretable true)
    share_weights: Optional[bool] = MISSING
    dropout: float = MISSING  # after every fully connected layer
    # each window normalized by its own mean and std: chosen on the validation splits of the Monash tourism
    # quarterly and M3 monthly sets (docs/benchmark.md), with stacks=10 and units=256
    revin: bool = MISSING
    revin_affine: bool = MISSING

    def __post_init__(self) -> None:
        require(self.kind in KINDS, "model.kind", f"must be one of {', '.join(KINDS)}, got '{self.kind}'")
        check_positive(self, "stacks", "layers", "units", "trend_units", "seasonality_units", "harmonics")
        require(self.blocks is None or self.blocks >= 1, "model.blocks", f"must be null or >= 1, got {self.blocks}")
        require(self.degree >= 0, "model.degree", f"must be >= 0, got {self.degree}")
        check_dropout(self, "dropout")


def _block_layers(prefix: str, cfg: NBeatsConfig, units: int, backcast_size: int, forecast_size: int, basis: str):
    """The layers of one block: fully connected, then theta and the basis (or generic projections)."""
    import keras

    from forecast_cli.models.layers import BasisExpansion
    from forecast_cli.models.layers.nbeats import theta_size

    hidden = [keras.layers.Dense(units, activation="relu", name=f"{prefix}_fc{i + 1}") for i in range(cfg.layers)]
    if basis == "generic":
        heads = (
            keras.layers.Dense(backcast_size, name=f"{prefix}_backcast"),
            keras.layers.Dense(forecast_size, name=f"{prefix}_forecast"),
        )
        return hidden, heads, None
    theta = keras.layers.Dense(
        theta_size(basis, cfg.degree, cfg.harmonics, forecast_size), use_bias=False, name=f"{prefix}_theta"
    )
    expansion = BasisExpansion(basis, backcast_size, forecast_size, cfg.degree, cfg.harmonics, name=f"{prefix}_{basis}_basis")
    return hidden, (theta,), expansion


def _apply_block(x, layers, dropout: float, prefix: str):
    import keras

    hidden, heads, expansion = layers
    h = x
    for index, dense in enumerate(hidden):
        h = dense(h)
        if dropout:
            h = keras.layers.Dropout(dropout, name=f"{prefix}_dropout{index + 1}")(h)
    if expansion is None:
        return heads[0](h), heads[1](h)
    return expansion(heads[0](h))


def stack_plan(cfg: NBeatsConfig):
    """(stack name, basis, width) of every stack, in order."""
    if cfg.kind == "interpretable":
        return [("trend", "trend", cfg.trend_units), ("seasonality", "seasonality", cfg.seasonality_units)]
    return [(f"stack{s + 1}", "generic", cfg.units) for s in range(cfg.stacks)]


@MODELS.register("nbeats", NBeatsConfig)
def build(cfg: NBeatsConfig, spec):
    import keras

    from forecast_cli.models.layers import SplitEmbeddingChannels

    positions = label_positions(spec, "model=nbeats")
    steps = horizon_steps(spec)
    interpretable = cfg.kind == "interpretable"
    blocks = cfg.blocks or (3 if interpretable else 1)
    share = cfg.share_weights if cfg.share_weights is not None else interpretable
    inputs = model_input(spec)  # [batch, time, channels (+ series embedding)]
    embedded = spec.embedded
    series = inputs
    if embedded:  # N-BEATSx-style: the series' vector appended to every block's input
        series, embedding = SplitEmbeddingChannels(embedded, name="series_and_embedding")(inputs)
        channels = spec.n_features - embedded
        context = keras.layers.RepeatVector(channels, name="embedding_per_channel")(embedding)  # [batch, channels, dim]
    residual = keras.layers.Permute((2, 1), name="channels_first")(series)  # [batch, channels, time]
    forecasts = []
    for stack, basis, units in stack_plan(cfg):
        shared = _block_layers(stack, cfg, units, spec.input_width, steps, basis) if share else None
        for b in range(blocks):
            prefix = f"{stack}_block{b + 1}"
            layers = shared or _block_layers(prefix, cfg, units, spec.input_width, steps, basis)
            block_input = keras.layers.Concatenate(name=f"{prefix}_input")([residual, context]) if embedded else residual
            backcast, forecast = _apply_block(block_input, layers, cfg.dropout, prefix)
            residual = keras.layers.Subtract(name=f"{prefix}_residual")([residual, backcast])
            forecasts.append(forecast)  # [batch, channels, steps]
    forecast = forecasts[0] if len(forecasts) == 1 else keras.layers.Add(name="forecast_sum")(forecasts)
    return keras.Model(inputs, label_forecast(forecast, spec, positions), name="nbeats")
