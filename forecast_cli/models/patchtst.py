"""`patchtst`: PatchTST (Nie et al., ICLR 2023): every channel on its own (channel independence), its window
cut into overlapping patches, each patch a token of a Transformer encoder with BatchNorm, the encoded patches
flattened into a linear forecast head."""

from dataclasses import dataclass
from typing import ClassVar, Optional

from forecast_cli.errors import require
from forecast_cli.models import MODELS
from forecast_cli.models._transformer import NORMS, TransformerConfig, encoder
from forecast_cli.models.base import (
    check_dropout,
    check_positive,
    check_within_input,
    horizon_steps,
    label_forecast,
    label_positions,
    model_input,
)


@dataclass
class PatchTSTConfig(TransformerConfig):
    series_embedding_use: ClassVar[Optional[str]] = None  # every channel forecast on its own
    name: str = "patchtst"
    patch_len: int = 16
    stride: int = 8
    d_model: int = 512
    n_heads: int = 2
    e_layers: int = 1
    d_ff: int = 2048
    head_dropout: float = 0.0
    norm: str = "batch"  # batch (the paper) | layer
    residual_attention: bool = True  # each layer adds the previous layer's attention scores (the paper's code)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive(self, "patch_len", "stride")
        check_dropout(self, "head_dropout")
        require(self.norm in NORMS, "model.norm", f"must be one of {', '.join(NORMS)}, got '{self.norm}'")

    def check_window(self, window) -> None:
        check_within_input(self.patch_len, "model.patch_len", window)


@MODELS.register("patchtst", PatchTSTConfig)
def build(cfg: PatchTSTConfig, spec):
    import keras

    from forecast_cli.models.layers import LearnedPositionEmbedding, Patching, patch_count

    positions = label_positions(spec, "model=patchtst")
    patches = patch_count(spec.input_width, cfg.patch_len, cfg.stride)
    inputs = model_input(spec)
    x = keras.layers.Permute((2, 1), name="channels_first")(inputs)  # [batch, channels, time]
    x = Patching(cfg.patch_len, cfg.stride, name="patching")(x)  # [batch, channels, patches, patch_len]
    x = keras.layers.Dense(cfg.d_model, name="patch_embedding")(x)  # [batch, channels, patches, d_model]
    x = LearnedPositionEmbedding(name="position_embedding")(x)
    x = keras.layers.Dropout(cfg.dropout, name="embedding_dropout")(x)
    x = encoder(x, cfg, cfg.norm, cfg.residual_attention, attention_dropout=0.0)
    x = keras.layers.Reshape((spec.n_features, patches * cfg.d_model), name="flatten_patches")(x)
    x = keras.layers.Dense(horizon_steps(spec), name="head")(x)  # [batch, channels, horizon]
    x = keras.layers.Dropout(cfg.head_dropout, name="head_dropout")(x)
    return keras.Model(inputs, label_forecast(x, spec, positions), name="patchtst")
