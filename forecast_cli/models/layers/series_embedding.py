"""A learned vector per series of a panel, looked up from the series' index carried as the window's last
input channel (data/series_index.py), and the two ways a model family takes it in."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="forecast")
class SeriesEmbedding(keras.layers.Layer):
    """[batch, time, channels + 1] (the series index as the last channel) -> [channels [batch, time,
    channels], embedding [batch, dim]]: the row of a table [n_series, dim] learned with the model.

    The index is a float32 copy of an integer (exact below 2**24 series); it is rounded before the lookup
    and clipped into the table, so an index the table never saw cannot fail the gather."""

    def __init__(self, n_series, dim, **kwargs):
        super().__init__(**kwargs)
        self.n_series = int(n_series)
        self.dim = int(dim)

    def build(self, input_shape):
        # the scale of an input channel (scaled series are of order 1), as Keras' Embedding initializes
        self.table = self.add_weight(
            shape=(self.n_series, self.dim),
            initializer=keras.initializers.RandomUniform(-0.05, 0.05),
            name="table",
        )

    def call(self, inputs):
        index = ops.cast(ops.round(inputs[:, 0, -1]), "int32")
        index = ops.clip(index, 0, self.n_series - 1)
        embedding = ops.take(ops.cast(self.table, self.compute_dtype), index, axis=0)
        return inputs[:, :, :-1], embedding

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], input_shape[2] - 1), (input_shape[0], self.dim)

    def get_config(self):
        config = super().get_config()
        config.update(n_series=self.n_series, dim=self.dim)
        return config


@keras.saving.register_keras_serializable(package="forecast")
class AppendEmbeddingChannels(keras.layers.Layer):
    """[x [batch, time, channels], embedding [batch, dim]] -> [batch, time, channels + dim]: the
    embedding as `dim` more input channels, the same at every step (how a family that mixes its
    channels, an MLP, an RNN, a mixer, sees which series a window belongs to)."""

    def call(self, inputs):
        x, embedding = inputs
        steps = ops.shape(x)[1]
        repeated = ops.repeat(ops.expand_dims(ops.cast(embedding, x.dtype), 1), steps, axis=1)
        return ops.concatenate([x, repeated], axis=-1)

    def compute_output_shape(self, input_shape):
        x, embedding = input_shape
        return (x[0], x[1], x[2] + embedding[1])


@keras.saving.register_keras_serializable(package="forecast")
class SplitEmbeddingChannels(keras.layers.Layer):
    """The inverse of AppendEmbeddingChannels for a family that forecasts every channel on its own
    (N-BEATS): [batch, time, channels + dim] -> [channels [batch, time, channels], embedding [batch, dim]]."""

    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = int(dim)

    def call(self, inputs):
        return inputs[:, :, : -self.dim], inputs[:, 0, -self.dim :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], input_shape[2] - self.dim), (input_shape[0], self.dim)

    def get_config(self):
        config = super().get_config()
        config.update(dim=self.dim)
        return config
