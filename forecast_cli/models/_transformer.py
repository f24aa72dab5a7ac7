"""What the Transformer families (patchtst, itransformer) share: options, their checks, and the encoder stack.
Keras is imported inside the functions: the families import this module at registration time."""

from dataclasses import dataclass

from omegaconf import MISSING

from forecast_cli.errors import require
from forecast_cli.models.base import ModelConfig, check_dropout, check_positive

ACTIVATIONS = ("gelu", "relu")
NORMS = ("batch", "layer")  # BatchNorm over every token of the batch | LayerNorm per token


@dataclass
class TransformerConfig(ModelConfig):
    d_model: int = MISSING
    n_heads: int = MISSING
    e_layers: int = MISSING
    d_ff: int = MISSING
    dropout: float = MISSING
    activation: str = MISSING
    revin: bool = MISSING
    revin_affine: bool = MISSING

    def __post_init__(self) -> None:
        check_positive(self, "d_model", "n_heads", "e_layers", "d_ff")
        require(
            self.d_model % self.n_heads == 0,
            "model.d_model",
            f"({self.d_model}) must be divisible by model.n_heads ({self.n_heads}): every head takes d_model / n_heads",
        )
        check_dropout(self, "dropout")
        require(self.activation in ACTIVATIONS, "model.activation", f"must be one of {', '.join(ACTIVATIONS)}, got '{self.activation}'")


def encoder(
    x, cfg: TransformerConfig, norm: str, residual_attention: bool, attention_dropout: float,
    projection_dropout: float = 0.0,
):
    """cfg.e_layers Transformer encoder layers over the tokens of x [..., tokens, d_model]."""
    from forecast_cli.models.layers import TransformerEncoderLayer

    scores = None
    for i in range(cfg.e_layers):
        layer = TransformerEncoderLayer(
            cfg.n_heads, cfg.d_ff, cfg.dropout, attention_dropout, cfg.activation, norm, residual_attention,
            projection_dropout, name=f"encoder_{i}",
        )
        if residual_attention:
            x, scores = layer(x) if scores is None else layer(x, previous_scores=scores)
        else:
            x = layer(x)
    return x
