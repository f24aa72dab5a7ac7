"""`lstm`: stacked LSTM layers and a single-shot or per-step (sequence) Dense head."""

from dataclasses import dataclass

from forecast_cli.models import MODELS
from forecast_cli.models._recurrent import RecurrentConfig, build_recurrent, keras_recurrent_layer


@dataclass
class LSTMConfig(RecurrentConfig):
    """Its values: conf/model/lstm.yaml."""


@MODELS.register("lstm", LSTMConfig)
def build(cfg: LSTMConfig, spec):
    import keras

    return build_recurrent(cfg, spec, keras_recurrent_layer(keras.layers.LSTM, cfg))
