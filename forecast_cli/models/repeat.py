"""`repeat`: the tutorial's repeat baseline, the previous `label_width` steps copied as the forecast."""

from dataclasses import dataclass

from forecast_cli.errors import ForecastError
from forecast_cli.models import MODELS
from forecast_cli.models.base import ModelConfig, label_positions, model_input


@dataclass
class RepeatConfig(ModelConfig):
    name: str = "repeat"


@MODELS.register("repeat", RepeatConfig)
def build(cfg: RepeatConfig, spec):
    import keras

    from forecast_cli.models.layers import PreviousSteps

    if spec.label_width > spec.input_width or spec.steps_ahead != 1:
        raise ForecastError(
            f"model=repeat copies the last label_width input steps: needs window.label_width "
            f"({spec.label_width}) <= window.input_width ({spec.input_width}) and window.steps_ahead=1"
        )
    inputs = model_input(spec)
    outputs = PreviousSteps(label_positions(spec, "model=repeat"), spec.label_width, name="forecast")(inputs)
    return keras.Model(inputs, outputs, name="repeat")
