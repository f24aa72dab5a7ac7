"""`lstm`: stacked LSTM layers; the last one's final state feeds a Dense forecast head."""

from dataclasses import dataclass

from forecast_cli.models.base import ModelConfig, forecast_head, model_input
from forecast_cli.models.registry import MODELS
from forecast_cli.registry import require


@dataclass
class LSTMConfig(ModelConfig):
    name: str = "lstm"
    units: int = 32
    layers: int = 1
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    zero_init: bool = False

    def __post_init__(self) -> None:
        require(self.units >= 1, "model.units", f"must be >= 1, got {self.units}")
        require(self.layers >= 1, "model.layers", f"must be >= 1, got {self.layers}")
        for key in ("dropout", "recurrent_dropout"):
            value = getattr(self, key)
            require(0 <= value < 1, f"model.{key}", f"must be in [0, 1), got {value}")


@MODELS.register("lstm", LSTMConfig)
def build(cfg: LSTMConfig, spec):
    import keras

    inputs = model_input(spec)
    x = inputs  # [batch, time, features]
    for i in range(cfg.layers):
        x = keras.layers.LSTM(
            cfg.units,
            return_sequences=i < cfg.layers - 1,
            dropout=cfg.dropout,
            recurrent_dropout=cfg.recurrent_dropout,
            name=f"lstm_{i}",
        )(x)
    return keras.Model(inputs, forecast_head(x, spec, cfg.zero_init), name="lstm")  # [batch, units] -> forecast
