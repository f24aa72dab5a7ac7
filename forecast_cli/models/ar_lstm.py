"""`ar_lstm`: the tutorial's autoregressive FeedBack LSTM: one step at a time, each prediction fed back
as the next input. It predicts every input column, so the labels must be the inputs, in order."""

from dataclasses import dataclass
from typing import ClassVar, Optional

from omegaconf import MISSING

from forecast_cli.errors import ForecastError, require
from forecast_cli.models import MODELS
from forecast_cli.models.base import ModelConfig, model_input


@dataclass
class ARLSTMConfig(ModelConfig):
    series_embedding_use: ClassVar[Optional[str]] = None  # its inputs are its own forecasts fed back
    units: int = MISSING

    def __post_init__(self) -> None:
        require(self.units >= 1, "model.units", f"must be >= 1, got {self.units}")


@MODELS.register("ar_lstm", ARLSTMConfig)
def build(cfg: ARLSTMConfig, spec):
    import keras

    from forecast_cli.models.layers import FeedBack

    if tuple(spec.label_columns) != tuple(spec.input_columns) or spec.steps_ahead != 1:
        raise ForecastError(
            "model=ar_lstm feeds its predictions back as inputs: the labels must be every input column in "
            f"order (got labels {list(spec.label_columns)}, inputs {list(spec.input_columns)}); set "
            "window.label_columns to the input columns and window.steps_ahead=1"
        )
    inputs = model_input(spec)
    outputs = FeedBack(cfg.units, spec.label_width, spec.n_features, name="feedback")(inputs)
    return keras.Model(inputs, outputs, name="ar_lstm")
