"""`lstm`: stacked LSTM layers and a single-shot or per-step (sequence) Dense head."""

from dataclasses import dataclass

from forecast_cli.models import MODELS
from forecast_cli.models._recurrent import RecurrentConfig, build_recurrent


@dataclass
class LSTMConfig(RecurrentConfig):
    name: str = "lstm"


@MODELS.register("lstm", LSTMConfig)
def build(cfg: LSTMConfig, spec):
    import keras

    def layer(units, return_sequences, name):
        return keras.layers.LSTM(
            units, return_sequences=return_sequences, dropout=cfg.dropout, recurrent_dropout=cfg.recurrent_dropout, name=name
        )

    return build_recurrent(cfg, spec, layer)
