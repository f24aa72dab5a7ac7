"""Every custom Keras layer of the package, registered (package "forecast") on import so that a
`.keras` file that uses one loads back with safe_mode=True. Loading a model imports this package."""

from forecast_cli.models.layers.baselines import LastValue, PreviousSteps, SeasonalNaive
from forecast_cli.models.layers.cells import LayerNormSimpleRNNCell
from forecast_cli.models.layers.channel_linear import PerChannelDense
from forecast_cli.models.layers.channels import LabelChannels, TakeChannels
from forecast_cli.models.layers.decomposition import MovingAverage
from forecast_cli.models.layers.feedback import FeedBack
from forecast_cli.models.layers.nbeats import BasisExpansion
from forecast_cli.models.layers.outputs import NonNegativeGrowth
from forecast_cli.models.layers.patching import Patching, patch_count
from forecast_cli.models.layers.revin import RevINDenormalization, RevINNormalization
from forecast_cli.models.layers.series_embedding import AppendEmbeddingChannels, SeriesEmbedding, SplitEmbeddingChannels
from forecast_cli.models.layers.token_embedding import CircularTokenEmbedding
from forecast_cli.models.layers.transformer import (
    LearnedPositionEmbedding,
    SinusoidalPositionEmbedding,
    TransformerEncoderLayer,
)

__all__ = [
    "AppendEmbeddingChannels",
    "BasisExpansion",
    "CircularTokenEmbedding",
    "FeedBack",
    "LabelChannels",
    "LastValue",
    "LayerNormSimpleRNNCell",
    "LearnedPositionEmbedding",
    "MovingAverage",
    "NonNegativeGrowth",
    "Patching",
    "PerChannelDense",
    "PreviousSteps",
    "RevINDenormalization",
    "RevINNormalization",
    "SeasonalNaive",
    "SeriesEmbedding",
    "SinusoidalPositionEmbedding",
    "SplitEmbeddingChannels",
    "TakeChannels",
    "TransformerEncoderLayer",
    "patch_count",
]
