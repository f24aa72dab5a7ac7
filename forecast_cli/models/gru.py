"""`gru`: stacked GRU layers and a single-shot or per-step (sequence) Dense head."""

from dataclasses import dataclass

from forecast_cli.models import MODELS
from forecast_cli.models._recurrent import RecurrentConfig, build_recurrent, keras_recurrent_layer


@dataclass
class GRUConfig(RecurrentConfig):
    """Its values: conf/model/gru.yaml."""


@MODELS.register("gru", GRUConfig)
def build(cfg: GRUConfig, spec):
    import keras

    return build_recurrent(cfg, spec, keras_recurrent_layer(keras.layers.GRU, cfg))
