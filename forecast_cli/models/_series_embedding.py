"""A learned series embedding around any family that can take one (`model.series_embedding=DIM`).

The model's input is the window with each row's series index as its last channel (data/series_index.py).
The outer model looks the index up in a table [n_series, DIM] learned with everything else, (with
model.revin) normalizes the other channels, and hands the family's model the window with the embedding
appended as DIM channels named `series_embedding_<k>`, the same at every step. A family whose
`series_embedding_use` is "channels" treats them as inputs like any other; one whose use is "own" finds
them by the spec's `embedded` count and takes them in its own way (N-BEATS appends them to every block's
input).
"""

import dataclasses

from forecast_cli.data.series_index import SERIES_INDEX_COLUMN
from forecast_cli.models.base import model_input, revin_around

EMBEDDING_PREFIX = "series_embedding_"


def family_spec(spec, dim: int):
    """The window the family is built on: the data's input channels, then `dim` embedding channels."""
    data_inputs = tuple(c for c in spec.input_columns if c != SERIES_INDEX_COLUMN)
    embedding = tuple(f"{EMBEDDING_PREFIX}{k}" for k in range(dim))
    columns = tuple(c for c in spec.columns if c != SERIES_INDEX_COLUMN)
    return dataclasses.replace(spec, columns=columns + embedding, input_columns=data_inputs + embedding, embedded=dim)


def with_series_embedding(build, cfg, spec, n_series: int):
    """The family's model (`build(cfg, spec)`) behind a series embedding of `n_series` rows."""
    import keras

    from forecast_cli.models.layers import AppendEmbeddingChannels, SeriesEmbedding

    if spec.input_columns[-1] != SERIES_INDEX_COLUMN:
        raise ValueError(f"a series embedding needs the window's last input column to be '{SERIES_INDEX_COLUMN}'")
    family = build(cfg, family_spec(spec, cfg.series_embedding))
    name = family.name
    family.name = f"{name}_embedded"  # the outer model keeps the family's name
    inputs = model_input(spec)
    x, embedding = SeriesEmbedding(n_series, cfg.series_embedding, name="series_embedding")(inputs)

    def forward(data):
        return family(AppendEmbeddingChannels(name="append_series_embedding")([data, embedding]))

    if not cfg.revin:
        return keras.Model(inputs, forward(x), name=name)
    # the data channels only: the embedding is not a signal to normalize
    data_spec = dataclasses.replace(spec, input_columns=spec.input_columns[:-1])
    return keras.Model(inputs, revin_around(x, data_spec, bool(cfg.revin_affine), forward), name=name)
