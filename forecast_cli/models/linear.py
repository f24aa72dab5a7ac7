"""`linear`: one Dense layer from the flattened input window (or its last step) to the forecast."""

from dataclasses import dataclass

from omegaconf import MISSING

from forecast_cli.models import MODELS
from forecast_cli.models.base import ModelConfig, check_inputs_mode, flatten_steps, forecast_head, model_input


@dataclass
class LinearConfig(ModelConfig):
    inputs: str = MISSING  # all: every input step (Hands-On ML); last: the last step only (the tutorial)
    zero_init: bool = MISSING

    def __post_init__(self) -> None:
        check_inputs_mode(self.inputs)


@MODELS.register("linear", LinearConfig)
def build(cfg: LinearConfig, spec):
    import keras

    inputs = model_input(spec)
    outputs = forecast_head(flatten_steps(inputs, spec, cfg.inputs), spec, cfg.zero_init)
    return keras.Model(inputs, outputs, name="linear")
