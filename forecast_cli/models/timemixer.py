"""`timemixer`: TimeMixer (Wang et al., ICLR 2024), channel-independent as TSLib runs it: the window
average-pooled into several scales, each scale's channels embedded step by step; Past-Decomposable-Mixing
blocks split every scale into season and trend, mix the seasons bottom-up (fine to coarse) and the trends
top-down (coarse to fine); Future-Multipredictor-Mixing forecasts from every scale and sums the forecasts."""

from dataclasses import dataclass
from typing import ClassVar, List, Optional

from omegaconf import MISSING

from forecast_cli.errors import require
from forecast_cli.models import MODELS
from forecast_cli.models.base import (
    ModelConfig,
    calendar_positions,
    check_dropout,
    check_moving_average_kernel,
    check_positive,
    horizon_steps,
    label_forecast,
    label_positions,
    model_input,
)


@dataclass
class TimeMixerConfig(ModelConfig):
    series_embedding_use: ClassVar[Optional[str]] = None  # every channel forecast on its own
    d_model: int = MISSING
    d_ff: int = MISSING
    e_layers: int = MISSING  # Past-Decomposable-Mixing blocks
    down_sampling_layers: int = MISSING  # scales besides the input's own
    down_sampling_window: int = MISSING  # each scale average-pools the previous one by this factor
    moving_avg: int = MISSING  # the season/trend decomposition's moving-average kernel, odd
    dropout: float = MISSING
    revin: bool = MISSING  # also normalizes every coarser scale by its own statistics, as TSLib does
    revin_affine: bool = MISSING

    def __post_init__(self) -> None:
        check_positive(self, "d_model", "d_ff", "e_layers", "down_sampling_window")
        require(
            self.down_sampling_layers >= 0, "model.down_sampling_layers", f"must be >= 0, got {self.down_sampling_layers}"
        )
        check_moving_average_kernel(self.moving_avg)
        check_dropout(self, "dropout")

    def check_window(self, window) -> None:
        # no bound on moving_avg: the replicate padding averages any kernel, and TSLib's kernel 25 runs on
        # the 12-step coarsest scale of a 96-step window
        coarsest = self.down_sampling_window**self.down_sampling_layers
        require(
            coarsest <= window.input_width,
            "model.down_sampling_layers",
            f"({self.down_sampling_layers}) with model.down_sampling_window ({self.down_sampling_window}) pools the "
            f"window by {coarsest}, more than window.input_width ({window.input_width}): use fewer or smaller "
            "down-sampling steps",
        )


def scale_lengths(cfg: TimeMixerConfig, input_width: int) -> List[int]:
    return [input_width // cfg.down_sampling_window**i for i in range(cfg.down_sampling_layers + 1)]


def multiscale_inputs(inputs, cfg: TimeMixerConfig):
    """[batch, time, channels] -> one [batch, time_i, channels] per scale, finest first."""
    import keras

    from forecast_cli.models.layers import RevINNormalization

    scales = [inputs]
    for i in range(1, cfg.down_sampling_layers + 1):
        pooled = keras.layers.AveragePooling1D(cfg.down_sampling_window, name=f"down_sampling_{i}")(scales[-1])
        scales.append(pooled)
    if cfg.revin:  # the finest scale is normalized by build_model's RevIN already
        scales[1:] = [
            RevINNormalization(cfg.revin_affine, dtype="float32", name=f"scale_{i}_revin")(s)[0]
            for i, s in enumerate(scales[1:], start=1)
        ]
    return scales


def multiscale_calendar(calendar, cfg: TimeMixerConfig, lengths: List[int]):
    """[batch, time, calendar columns] -> one [batch, 1, time_i, d_model] per scale: every scale's steps
    sampled one in `down_sampling_window` (TimeMixer's `x_mark[:, ::window]`), then embedded by one
    bias-free linear map shared by the scales (TSLib's TimeFeatureEmbedding), the same for every channel."""
    import keras

    layers = keras.layers
    embed = layers.Dense(cfg.d_model, use_bias=False, name="temporal_embedding")
    marks = [calendar]
    for i in range(1, len(lengths)):
        sampled = layers.MaxPooling1D(1, strides=cfg.down_sampling_window, name=f"calendar_sampling_{i}")(marks[-1])
        extra = sampled.shape[1] - lengths[i]  # an odd length keeps one more step than the average pooling
        marks.append(layers.Cropping1D((0, extra), name=f"calendar_crop_{i}")(sampled) if extra else sampled)
    return [layers.Reshape((1, length, cfg.d_model), name=f"temporal_{i}")(embed(mark)) for i, (mark, length) in enumerate(zip(marks, lengths))]


def mlp_over_time(x, steps: int, name: str):
    """[..., time] -> [..., steps]: Dense(steps), GELU, Dense(steps)."""
    import keras

    x = keras.layers.Dense(steps, activation="gelu", name=f"{name}_1")(x)
    return keras.layers.Dense(steps, name=f"{name}_2")(x)


def past_decomposable_mixing(scales, cfg: TimeMixerConfig, lengths: List[int], name: str):
    """A PDM block: every scale [batch, channels, time_i, d_model] -> the same shape."""
    import keras

    from forecast_cli.models.layers import MovingAverage

    layers = keras.layers
    trend_of = MovingAverage(cfg.moving_avg, name=f"{name}_trend")
    time_last = layers.Permute((1, 3, 2), name=f"{name}_time_last")  # [batch, channels, d_model, time_i]
    seasons, trends = [], []
    for i, x in enumerate(scales):
        trend = trend_of(x)
        seasons.append(time_last(layers.Subtract(name=f"{name}_season_{i}")([x, trend])))
        trends.append(time_last(trend))
    mixed_seasons = [seasons[0]]  # bottom-up: each coarser season gains what the finer one says about it
    for i in range(1, len(scales)):
        finer = mlp_over_time(mixed_seasons[-1], lengths[i], f"{name}_season_down_{i}")
        mixed_seasons.append(layers.Add(name=f"{name}_season_mixed_{i}")([seasons[i], finer]))
    mixed_trends = [trends[-1]]  # top-down: each finer trend gains what the coarser one says about it
    for i in reversed(range(len(scales) - 1)):
        coarser = mlp_over_time(mixed_trends[0], lengths[i], f"{name}_trend_up_{i}")
        mixed_trends.insert(0, layers.Add(name=f"{name}_trend_mixed_{i}")([trends[i], coarser]))
    time_first = layers.Permute((1, 3, 2), name=f"{name}_time_first")
    cross_hidden = layers.Dense(cfg.d_ff, activation="gelu", name=f"{name}_out_cross_1")
    cross_out = layers.Dense(cfg.d_model, name=f"{name}_out_cross_2")
    outputs = []
    for i, (x, season, trend) in enumerate(zip(scales, mixed_seasons, mixed_trends)):
        mixed = time_first(layers.Add(name=f"{name}_season_plus_trend_{i}")([season, trend]))
        outputs.append(layers.Add(name=f"{name}_residual_{i}")([x, cross_out(cross_hidden(mixed))]))
    return outputs


def future_multipredictor_mixing(scales, spec, channels: int, name: str = "predict"):
    """Every scale [batch, channels, time_i, d_model] forecasts [batch, channels, horizon]; the forecasts add up."""
    import keras

    layers = keras.layers
    steps = horizon_steps(spec)
    time_last = layers.Permute((1, 3, 2), name=f"{name}_time_last")
    time_first = layers.Permute((1, 3, 2), name=f"{name}_time_first")
    projection = layers.Dense(1, name=f"{name}_projection")  # d_model -> one value per step, shared by the scales
    per_channel = layers.Reshape((channels, steps), name=f"{name}_per_channel")
    forecasts = []
    for i, x in enumerate(scales):
        x = layers.Dense(steps, name=f"{name}_from_scale_{i}")(time_last(x))  # [batch, channels, d_model, horizon]
        forecasts.append(per_channel(projection(time_first(x))))
    return forecasts[0] if len(forecasts) == 1 else layers.Add(name=f"{name}_sum")(forecasts)


@MODELS.register("timemixer", TimeMixerConfig)
def build(cfg: TimeMixerConfig, spec):
    import keras

    from forecast_cli.models.layers import CircularTokenEmbedding, TakeChannels

    positions = label_positions(spec, "model=timemixer")
    inputs = model_input(spec)
    lengths = scale_lengths(cfg, spec.input_width)
    # calendar columns (that are not labels) are not channels of their own: their embedding is added to
    # every channel's steps, as TimeMixer's DataEmbedding_wo_pos adds x_mark's
    labels = set(positions)
    calendar_at = [p for p in calendar_positions(spec) if p not in labels]
    data_at = [p for p in range(spec.n_features) if p not in calendar_at]
    data = TakeChannels(data_at, name="data_channels")(inputs) if calendar_at else inputs
    temporal = multiscale_calendar(TakeChannels(calendar_at, name="calendar_channels")(inputs), cfg, lengths) if calendar_at else None
    channels_first = keras.layers.Permute((2, 1), name="channels_first")
    embedding = CircularTokenEmbedding(cfg.d_model, name="token_embedding")
    dropout = keras.layers.Dropout(cfg.dropout, name="embedding_dropout")
    scales = []
    for i, s in enumerate(multiscale_inputs(data, cfg)):
        x = embedding(channels_first(s))  # [batch, channels, time_i, d_model]
        if temporal is not None:
            x = keras.layers.Add(name=f"with_calendar_{i}")([x, temporal[i]])
        scales.append(dropout(x))
    for b in range(cfg.e_layers):
        scales = past_decomposable_mixing(scales, cfg, lengths, f"pdm_{b}")
    forecast = future_multipredictor_mixing(scales, spec, len(data_at))  # [batch, channels, horizon]
    return keras.Model(inputs, label_forecast(forecast, spec, [data_at.index(p) for p in positions]), name="timemixer")
