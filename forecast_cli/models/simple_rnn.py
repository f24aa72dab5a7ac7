"""`simple_rnn`: stacked SimpleRNN layers and a single-shot or per-step (sequence) Dense head."""

from dataclasses import dataclass

from forecast_cli.models import MODELS
from forecast_cli.models._recurrent import RecurrentConfig, build_recurrent


@dataclass
class SimpleRNNConfig(RecurrentConfig):
    name: str = "simple_rnn"


@MODELS.register("simple_rnn", SimpleRNNConfig)
def build(cfg: SimpleRNNConfig, spec):
    import keras

    def layer(units, return_sequences, name):
        return keras.layers.SimpleRNN(
            units, return_sequences=return_sequences, dropout=cfg.dropout, recurrent_dropout=cfg.recurrent_dropout, name=name
        )

    return build_recurrent(cfg, spec, layer)
