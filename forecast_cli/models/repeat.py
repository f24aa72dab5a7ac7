"""`repeat`: the tutorial's repeat baseline, the previous `label_width` steps copied as the forecast."""

from dataclasses import dataclass
from typing import ClassVar, Optional

from forecast_cli.errors import require
from forecast_cli.models import MODELS
from forecast_cli.models.base import ModelConfig, label_positions, model_input


@dataclass
class RepeatConfig(ModelConfig):
    series_embedding_use: ClassVar[Optional[str]] = None  # a baseline: nothing learned

    def check_window(self, window) -> None:
        require(
            window.label_width <= window.input_width and window.steps_ahead == 1,
            "model=repeat",
            f"copies the last label_width input steps: needs window.label_width ({window.label_width}) "
            f"<= window.input_width ({window.input_width}) and window.steps_ahead=1",
        )


@MODELS.register("repeat", RepeatConfig)
def build(cfg: RepeatConfig, spec):
    import keras

    from forecast_cli.models.layers import PreviousSteps

    inputs = model_input(spec)
    outputs = PreviousSteps(label_positions(spec, "model=repeat"), spec.label_width, name="forecast")(inputs)
    return keras.Model(inputs, outputs, name="repeat")
