"""`patchtst`: PatchTST (Nie et al., ICLR 2023): every channel on its own (channel independence), its window
cut into overlapping patches, each patch a token of a Transformer encoder with BatchNorm, the encoded patches
flattened into a linear forecast head.

The defaults are the paper's code (yuqinie98/PatchTST). Time-Series-Library's PatchTST, which produced the
input-96 tables later papers compare against, is a different network; these options rebuild it:
norm=layer encoder_norm=layer residual_attention=false position_embedding=sinusoidal patch_bias=false
projection_dropout=0 attention_dropout=<dropout> head_dropout=<dropout> (conf/experiment/ltsf/etth1/patchtst.yaml);
since June 2024 TSLib ends its encoder with encoder_norm=batch instead. Both networks (and TSLib's since June 2024)
were checked against their PyTorch code, weights copied across: the same forecast to float32 rounding
(tests/test_reference_networks.py)."""

from dataclasses import dataclass
from typing import ClassVar, Optional

from omegaconf import MISSING

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

POSITION_EMBEDDINGS = ("learned", "sinusoidal")


@dataclass
class PatchTSTConfig(TransformerConfig):
    series_embedding_use: ClassVar[Optional[str]] = None  # every channel forecast on its own
    patch_len: int = MISSING
    stride: int = MISSING
    head_dropout: float = MISSING  # on the forecast itself, as both codes place it
    attention_dropout: float = MISSING  # on the attention weights
    # on the attention's output projection, before the residual dropout; null: `dropout` (the paper's code)
    projection_dropout: Optional[float] = MISSING
    norm: str = MISSING  # in every layer: batch (the paper) | layer (TSLib)
    # after the last layer: null (the paper) | layer (TSLib until June 2024) | batch (TSLib since)
    encoder_norm: Optional[str] = MISSING
    residual_attention: bool = MISSING  # each layer adds the previous layer's attention scores (the paper's code)
    position_embedding: str = MISSING  # learned (the paper) | sinusoidal (TSLib's fixed table)
    patch_bias: bool = MISSING  # a bias in the patch embedding (the paper); TSLib's has none

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive(self, "patch_len", "stride")
        check_dropout(self, "head_dropout", "attention_dropout")
        if self.projection_dropout is not None:
            check_dropout(self, "projection_dropout")
        require(self.norm in NORMS, "model.norm", f"must be one of {', '.join(NORMS)}, got '{self.norm}'")
        require(
            self.encoder_norm is None or self.encoder_norm in NORMS,
            "model.encoder_norm",
            f"must be null or one of {', '.join(NORMS)}, got '{self.encoder_norm}'",
        )
        require(
            self.position_embedding in POSITION_EMBEDDINGS,
            "model.position_embedding",
            f"must be one of {', '.join(POSITION_EMBEDDINGS)}, got '{self.position_embedding}'",
        )

    def check_window(self, window) -> None:
        check_within_input(self.patch_len, "model.patch_len", window)


@MODELS.register("patchtst", PatchTSTConfig)
def build(cfg: PatchTSTConfig, spec):
    import keras

    from forecast_cli.models.layers import (
        LearnedPositionEmbedding,
        Patching,
        SinusoidalPositionEmbedding,
        patch_count,
    )
    from forecast_cli.models.layers.transformer import norm_layer

    positions = label_positions(spec, "model=patchtst")
    patches = patch_count(spec.input_width, cfg.patch_len, cfg.stride)
    inputs = model_input(spec)
    x = keras.layers.Permute((2, 1), name="channels_first")(inputs)  # [batch, channels, time]
    x = Patching(cfg.patch_len, cfg.stride, name="patching")(x)  # [batch, channels, patches, patch_len]
    # [batch, channels, patches, d_model]
    x = keras.layers.Dense(cfg.d_model, use_bias=cfg.patch_bias, name="patch_embedding")(x)
    position = LearnedPositionEmbedding if cfg.position_embedding == "learned" else SinusoidalPositionEmbedding
    x = position(name="position_embedding")(x)
    x = keras.layers.Dropout(cfg.dropout, name="embedding_dropout")(x)
    projection_dropout = cfg.dropout if cfg.projection_dropout is None else cfg.projection_dropout
    x = encoder(x, cfg, cfg.norm, cfg.residual_attention, cfg.attention_dropout, projection_dropout)
    if cfg.encoder_norm:
        x = norm_layer(cfg.encoder_norm, name="encoder_norm")(x)
    x = keras.layers.Reshape((spec.n_features, patches * cfg.d_model), name="flatten_patches")(x)
    x = keras.layers.Dense(horizon_steps(spec), name="head")(x)  # [batch, channels, horizon]
    x = keras.layers.Dropout(cfg.head_dropout, name="head_dropout")(x)
    return keras.Model(inputs, label_forecast(x, spec, positions), name="patchtst")
