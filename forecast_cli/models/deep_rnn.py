"""`deep_rnn`: `layers` stacked recurrent layers of any cell (Hands-On ML: SimpleRNN 20, 20 + Dense)."""

from dataclasses import dataclass

from omegaconf import MISSING

from forecast_cli.errors import require
from forecast_cli.models import MODELS
from forecast_cli.models._recurrent import RecurrentConfig, build_recurrent, keras_recurrent_layer

CELLS = ("simple_rnn", "lstm", "gru", "layernorm_rnn")


@dataclass
class DeepRNNConfig(RecurrentConfig):
    cell: str = MISSING

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.cell in CELLS, "model.cell", f"must be one of {', '.join(CELLS)}, got '{self.cell}'")


@MODELS.register("deep_rnn", DeepRNNConfig)
def build(cfg: DeepRNNConfig, spec):
    import keras

    from forecast_cli.models.layers import LayerNormSimpleRNNCell

    def layer(units, return_sequences, name):
        if cfg.cell == "layernorm_rnn":
            cell = LayerNormSimpleRNNCell(units)
            return keras.layers.RNN(cell, return_sequences=return_sequences, stateful=bool(cfg.stateful), name=name)
        kind = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cfg.cell]
        return keras_recurrent_layer(kind, cfg)(units, return_sequences, name)

    return build_recurrent(cfg, spec, layer)
