"""`conv`: the tutorial's convolution model, a Conv1D over the last `kernel_size` input steps
(single step: Conv1D 32 + Dense 32; multi-step: Conv1D 256 + a zero-initialized single-shot head)."""

from dataclasses import dataclass
from typing import List

from omegaconf import MISSING

from forecast_cli.errors import require
from forecast_cli.models import MODELS
from forecast_cli.models.base import ModelConfig, check_within_input, forecast_head, model_input


@dataclass
class ConvConfig(ModelConfig):
    filters: int = MISSING
    kernel_size: int = MISSING
    activation: str = MISSING
    hidden_units: List[int] = MISSING  # Dense layers after the convolution
    zero_init: bool = MISSING

    def __post_init__(self) -> None:
        require(self.filters >= 1, "model.filters", f"must be >= 1, got {self.filters}")
        require(self.kernel_size >= 1, "model.kernel_size", f"must be >= 1, got {self.kernel_size}")
        require(all(u >= 1 for u in self.hidden_units), "model.hidden_units", f"must all be >= 1, got {self.hidden_units}")

    def check_window(self, window) -> None:
        check_within_input(self.kernel_size, "model.kernel_size", window)


@MODELS.register("conv", ConvConfig)
def build(cfg: ConvConfig, spec):
    import keras

    inputs = model_input(spec)
    x = inputs  # [batch, input_width, features]
    if spec.input_width > cfg.kernel_size:
        x = keras.layers.Cropping1D((spec.input_width - cfg.kernel_size, 0), name="last_steps")(x)
    x = keras.layers.Conv1D(cfg.filters, cfg.kernel_size, activation=cfg.activation, name="conv")(x)  # [batch, 1, filters]
    x = keras.layers.Flatten(name="flatten")(x)
    for i, units in enumerate(cfg.hidden_units):
        x = keras.layers.Dense(units, activation=cfg.activation, name=f"dense_{i}")(x)
    return keras.Model(inputs, forecast_head(x, spec, cfg.zero_init), name="conv")
