"""`simple_rnn`: stacked SimpleRNN layers and a single-shot or per-step (sequence) Dense head."""

from dataclasses import dataclass

from forecast_cli.models import MODELS
from forecast_cli.models._recurrent import RecurrentConfig, build_recurrent, keras_recurrent_layer


@dataclass
class SimpleRNNConfig(RecurrentConfig):
    """Its values: conf/model/simple_rnn.yaml."""


@MODELS.register("simple_rnn", SimpleRNNConfig)
def build(cfg: SimpleRNNConfig, spec):
    import keras

    return build_recurrent(cfg, spec, keras_recurrent_layer(keras.layers.SimpleRNN, cfg))
