"""What the LTSF-Linear family (ci_linear, nlinear, dlinear; Zeng et al., AAAI 2023) shares: a linear map
from each channel's input window to its forecast, one map for every channel or one per channel. Keras is
imported inside the functions: the families import this module at registration time."""

from dataclasses import dataclass
from typing import ClassVar, Optional

from omegaconf import MISSING

from forecast_cli.models.base import ModelConfig


@dataclass
class ChannelLinearConfig(ModelConfig):
    series_embedding_use: ClassVar[Optional[str]] = None  # every channel forecast on its own
    individual: bool = MISSING  # false: one linear map shared by every channel; true: one per channel
    revin: bool = MISSING  # the paper's models normalize nothing but NLinear's last value
    revin_affine: bool = MISSING


def linear_over_time(x, units: int, individual: bool, name: str, kernel_initializer="glorot_uniform"):
    """[batch, time, channels] -> [batch, channels, units]: every channel's series mapped on its own."""
    import keras

    from forecast_cli.models.layers import PerChannelDense

    x = keras.layers.Permute((2, 1), name=f"{name}_channels_first")(x)  # [batch, channels, time]
    if individual:
        return PerChannelDense(units, kernel_initializer, name=name)(x)
    return keras.layers.Dense(units, kernel_initializer=kernel_initializer, name=name)(x)
