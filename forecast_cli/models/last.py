"""`last`: the repeat-last-value baseline of the tutorial; nothing to train."""

from dataclasses import dataclass
from typing import ClassVar, Optional

from forecast_cli.errors import ForecastError
from forecast_cli.models import MODELS
from forecast_cli.models.base import ModelConfig, label_positions, model_input


@dataclass
class LastValueConfig(ModelConfig):
    series_embedding_use: ClassVar[Optional[str]] = None  # a baseline: nothing learned


@MODELS.register("last", LastValueConfig)
def build(cfg: LastValueConfig, spec):
    import keras

    from forecast_cli.models.layers import LastValue

    if spec.steps_ahead != 1:
        raise ForecastError("model=last forecasts one value per label step: set window.steps_ahead=1")
    inputs = model_input(spec)
    outputs = LastValue(label_positions(spec, "model=last"), spec.label_width, name="forecast")(inputs)
    return keras.Model(inputs, outputs, name="last")
