"""`itransformer`: iTransformer (Liu et al., ICLR 2024): the Transformer inverted. Each channel's whole
input window is embedded as one token, the encoder attends across channels (variates), and a linear
projection maps each channel's token to its forecast."""

from dataclasses import dataclass


from forecast_cli.models import MODELS
from forecast_cli.models._transformer import TransformerConfig, encoder
from forecast_cli.models.base import horizon_steps, label_forecast, label_positions, model_input


@dataclass
class ITransformerConfig(TransformerConfig):
    """Its values: conf/model/itransformer.yaml."""


@MODELS.register("itransformer", ITransformerConfig)
def build(cfg: ITransformerConfig, spec):
    import keras

    from forecast_cli.models.layers.transformer import norm_layer

    positions = label_positions(spec, "model=itransformer")
    inputs = model_input(spec)
    x = keras.layers.Permute((2, 1), name="channels_first")(inputs)  # [batch, channels, time]
    x = keras.layers.Dense(cfg.d_model, name="variate_embedding")(x)  # [batch, channels (tokens), d_model]
    x = keras.layers.Dropout(cfg.dropout, name="embedding_dropout")(x)
    x = encoder(x, cfg, "layer", residual_attention=False, attention_dropout=cfg.dropout)
    x = norm_layer("layer", name="encoder_norm")(x)
    x = keras.layers.Dense(horizon_steps(spec), name="projection")(x)  # [batch, channels, horizon]
    return keras.Model(inputs, label_forecast(x, spec, positions), name="itransformer")
