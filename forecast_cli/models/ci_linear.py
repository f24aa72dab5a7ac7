"""`ci_linear`: LTSF-Linear's Linear, one linear layer from each channel's input window to its forecast,
channels kept apart (channel independence). With model.revin=true it is RLinear (Li et al., 2023)."""

from dataclasses import dataclass

from forecast_cli.models import MODELS
from forecast_cli.models._channel_linear import ChannelLinearConfig, linear_over_time
from forecast_cli.models.base import horizon_steps, label_forecast, label_positions, model_input


@dataclass
class CILinearConfig(ChannelLinearConfig):
    """Its values: conf/model/ci_linear.yaml."""


@MODELS.register("ci_linear", CILinearConfig)
def build(cfg: CILinearConfig, spec):
    import keras

    positions = label_positions(spec, "model=ci_linear")
    inputs = model_input(spec)
    forecast = linear_over_time(inputs, horizon_steps(spec), cfg.individual, "linear")  # [batch, channels, horizon]
    return keras.Model(inputs, label_forecast(forecast, spec, positions), name="ci_linear")
