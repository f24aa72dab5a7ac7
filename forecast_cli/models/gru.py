"""`gru`: stacked GRU layers and a single-shot or per-step (sequence) Dense head."""

from dataclasses import dataclass

from forecast_cli.models import MODELS
from forecast_cli.models._recurrent import RecurrentConfig, build_recurrent


@dataclass
class GRUConfig(RecurrentConfig):
    name: str = "gru"


@MODELS.register("gru", GRUConfig)
def build(cfg: GRUConfig, spec):
    import keras

    def layer(units, return_sequences, name):
        return keras.layers.GRU(
            units, return_sequences=return_sequences, dropout=cfg.dropout, recurrent_dropout=cfg.recurrent_dropout, name=name
        )

    return build_recurrent(cfg, spec, layer)
