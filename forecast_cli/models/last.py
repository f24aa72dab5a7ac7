"""`last`: the repeat-last-value baseline of the tutorial; nothing to train."""

from dataclasses import dataclass

from forecast_cli.errors import ForecastError
from forecast_cli.models.base import ModelConfig, model_input
from forecast_cli.models.registry import MODELS


@dataclass
class LastValueConfig(ModelConfig):
    name: str = "last"


@MODELS.register("last", LastValueConfig)
def build(cfg: LastValueConfig, spec):
    import keras

    from forecast_cli.models._layers import LastValue

    positions = spec.label_positions_in_inputs
    missing = [c for c, p in zip(spec.label_columns, positions) if p < 0]
    if missing:
        raise ForecastError(
            f"model=last needs the label columns among the inputs, but {missing} are not in window.input_columns"
        )
    inputs = model_input(spec)
    outputs = LastValue(positions, spec.label_width, name="forecast")(inputs)
    return keras.Model(inputs, outputs, name="last")
