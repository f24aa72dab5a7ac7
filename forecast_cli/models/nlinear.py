"""`nlinear`: LTSF-Linear's NLinear: the window's last value is subtracted from every channel, a linear layer
over time forecasts from the rest, and the last value is added back (a guard against distribution shift)."""

from dataclasses import dataclass

from forecast_cli.models import MODELS
from forecast_cli.models._channel_linear import ChannelLinearConfig, linear_over_time
from forecast_cli.models.base import horizon_steps, label_forecast, label_positions, model_input


@dataclass
class NLinearConfig(ChannelLinearConfig):
    """Its values: conf/model/nlinear.yaml."""


@MODELS.register("nlinear", NLinearConfig)
def build(cfg: NLinearConfig, spec):
    import keras

    positions = label_positions(spec, "model=nlinear")
    inputs = model_input(spec)  # [batch, time, channels]
    last = keras.layers.Cropping1D((spec.input_width - 1, 0), name="last_value")(inputs)  # [batch, 1, channels]
    centred = keras.layers.Subtract(name="minus_last_value")([inputs, last])
    forecast = linear_over_time(centred, horizon_steps(spec), cfg.individual, "linear")  # [batch, channels, horizon]
    last_per_channel = keras.layers.Permute((2, 1), name="last_value_channels_first")(last)  # [batch, channels, 1]
    forecast = keras.layers.Add(name="plus_last_value")([forecast, last_per_channel])
    return keras.Model(inputs, label_forecast(forecast, spec, positions), name="nlinear")
