"""`layernorm_rnn`: Hands-On ML's SimpleRNN cell with LayerNormalization before its activation."""

from dataclasses import dataclass

from omegaconf import MISSING

from forecast_cli.models import MODELS
from forecast_cli.models._recurrent import RecurrentConfig, build_recurrent


@dataclass
class LayerNormRNNConfig(RecurrentConfig):
    activation: str = MISSING


@MODELS.register("layernorm_rnn", LayerNormRNNConfig)
def build(cfg: LayerNormRNNConfig, spec):
    import keras

    from forecast_cli.models.layers import LayerNormSimpleRNNCell

    def layer(units, return_sequences, name):
        cell = LayerNormSimpleRNNCell(units, cfg.activation)
        return keras.layers.RNN(cell, return_sequences=return_sequences, stateful=bool(cfg.stateful), name=name)

    return build_recurrent(cfg, spec, layer)
