"""`dlinear`: LTSF-Linear's DLinear: each channel split into a trend (moving average with replicate padding)
and a seasonal rest, one linear layer over time for each, their forecasts added."""

from dataclasses import dataclass

from omegaconf import MISSING

from forecast_cli.models import MODELS
from forecast_cli.models._channel_linear import ChannelLinearConfig, linear_over_time
from forecast_cli.models.base import (
    check_moving_average_kernel,
    horizon_steps,
    label_forecast,
    label_positions,
    model_input,
)


@dataclass
class DLinearConfig(ChannelLinearConfig):
    moving_avg: int = MISSING  # the trend's moving-average kernel, odd

    def __post_init__(self) -> None:
        check_moving_average_kernel(self.moving_avg)


@MODELS.register("dlinear", DLinearConfig)
def build(cfg: DLinearConfig, spec):
    import keras

    from forecast_cli.models.layers import MovingAverage

    positions = label_positions(spec, "model=dlinear")
    inputs = model_input(spec)  # [batch, time, channels]
    trend = MovingAverage(cfg.moving_avg, name="trend")(inputs)
    seasonal = keras.layers.Subtract(name="seasonal")([inputs, trend])
    # TSLib starts both maps as the window's average, 1 / input_width on every step
    average = keras.initializers.Constant(1.0 / spec.input_width)
    steps = horizon_steps(spec)
    seasonal = linear_over_time(seasonal, steps, cfg.individual, "seasonal_linear", average)  # [batch, channels, horizon]
    trend = linear_over_time(trend, steps, cfg.individual, "trend_linear", average)
    forecast = keras.layers.Add(name="seasonal_plus_trend")([seasonal, trend])
    return keras.Model(inputs, label_forecast(forecast, spec, positions), name="dlinear")
