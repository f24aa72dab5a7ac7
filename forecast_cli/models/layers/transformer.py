"""Transformer encoder pieces for PatchTST (tokens: patches of one channel) and iTransformer (tokens: whole
channels). Tokens lie on the second-to-last axis; any leading axes are batch axes."""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="forecast")
class LearnedPositionEmbedding(keras.layers.Layer):
    """[..., tokens, d_model] + a learned [tokens, d_model] table, initialized uniform in +-0.02 (PatchTST's pe='zeros')."""

    def build(self, input_shape):
        self.embedding = self.add_weight(
            shape=tuple(input_shape[-2:]),
            initializer=keras.initializers.RandomUniform(-0.02, 0.02),
            name="embedding",
        )

    def call(self, inputs):
        return inputs + self.embedding

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="forecast")
class SinusoidalPositionEmbedding(keras.layers.Layer):
    """[..., tokens, d_model] + the fixed sine/cosine table of "Attention Is All You Need": even features
    sin(position / 10000^(i/d_model)), odd ones the cosine (Time-Series-Library's PositionalEmbedding).
    Nothing is learned; the table is a constant of the graph."""

    def call(self, inputs):
        tokens, d_model = inputs.shape[-2], inputs.shape[-1]
        return inputs + ops.cast(sinusoidal_table(tokens, d_model), inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape


def sinusoidal_table(tokens: int, d_model: int) -> np.ndarray:
    position = np.arange(tokens, dtype=np.float32)[:, None]
    frequency = np.exp(np.arange(0, d_model, 2, dtype=np.float32) * -(np.log(10000.0) / d_model))
    table = np.zeros((tokens, d_model), dtype=np.float32)
    table[:, 0::2] = np.sin(position * frequency)
    table[:, 1::2] = np.cos(position * frequency[: d_model // 2])
    return table


def norm_layer(kind: str, name=None):
    """'batch': BatchNorm over every token of the batch, with torch's BatchNorm1d defaults, which the papers'
    code uses; 'layer': LayerNorm per token."""
    if kind == "batch":
        return keras.layers.BatchNormalization(axis=-1, momentum=0.9, epsilon=1e-5, name=name)
    if kind == "layer":
        return keras.layers.LayerNormalization(epsilon=1e-5, name=name)
    raise ValueError(f"norm must be 'batch' or 'layer', got {kind!r}")


@keras.saving.register_keras_serializable(package="forecast")
class TransformerEncoderLayer(keras.layers.Layer):
    """[..., tokens, d_model] -> the same shape: a post-norm Transformer encoder layer.

    x = norm(x + dropout(self_attention(x))); x = norm(x + dropout(feed_forward(x))), with
    feed_forward = Dense(d_ff, activation), dropout, Dense(d_model).
    projection_dropout: a second dropout on the attention's output projection, before the residual one (the
    PatchTST paper's code drops it in `to_out` and again in the residual sum).
    norm='batch': BatchNorm over every token of the batch (PatchTST's choice: it copes with outliers in time
    series better than LayerNorm); 'layer': LayerNorm (the vanilla Transformer, iTransformer).
    residual_attention: the layer also takes the previous layer's pre-softmax scores (keyword
    `previous_scores`, none for the first layer), adds them to its own, and returns (outputs, scores)
    (RealFormer's residual attention, on in PatchTST's code)."""

    def __init__(
        self, n_heads, d_ff, dropout=0.0, attention_dropout=0.0, activation="gelu", norm="layer",
        residual_attention=False, projection_dropout=0.0, **kwargs,
    ):
        super().__init__(**kwargs)
        self.n_heads = int(n_heads)
        self.d_ff = int(d_ff)
        self.dropout = float(dropout)
        self.attention_dropout = float(attention_dropout)
        self.activation = activation
        self.norm = norm
        self.residual_attention = bool(residual_attention)
        self.projection_dropout = float(projection_dropout)
        self.attention_projection_dropout = keras.layers.Dropout(self.projection_dropout)
        self.attention_weights_dropout = keras.layers.Dropout(self.attention_dropout)
        self.attention_output_dropout = keras.layers.Dropout(self.dropout)
        self.feed_forward_in = keras.layers.Dense(self.d_ff, activation=activation)
        self.feed_forward_dropout = keras.layers.Dropout(self.dropout)
        self.feed_forward_output_dropout = keras.layers.Dropout(self.dropout)
        self.attention_norm = norm_layer(norm)
        self.feed_forward_norm = norm_layer(norm)

    def build(self, input_shape):
        d_model = input_shape[-1]
        if d_model % self.n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({self.n_heads})")
        self.head_dim = d_model // self.n_heads
        for name in ("query", "key", "value", "output"):
            kernel = self.add_weight(shape=(d_model, d_model), initializer="glorot_uniform", name=f"{name}_kernel")
            bias = self.add_weight(shape=(d_model,), initializer="zeros", name=f"{name}_bias")
            setattr(self, f"{name}_kernel", kernel)
            setattr(self, f"{name}_bias", bias)
        folded = (None, input_shape[-2], d_model)  # what call() hands the sublayers
        self.feed_forward_in.build(folded)
        self.feed_forward_out = keras.layers.Dense(d_model)
        self.feed_forward_out.build((None, input_shape[-2], self.d_ff))
        self.attention_norm.build(folded)
        self.feed_forward_norm.build(folded)

    def _heads(self, tokens, name):
        """[batch, tokens, d_model] -> [batch, n_heads, tokens, head_dim]"""
        projected = ops.matmul(tokens, getattr(self, f"{name}_kernel")) + getattr(self, f"{name}_bias")
        projected = ops.reshape(projected, (-1, tokens.shape[1], self.n_heads, self.head_dim))
        return ops.transpose(projected, (0, 2, 1, 3))

    def call(self, inputs, previous_scores=None, training=None):
        shape = ops.shape(inputs)
        tokens, d_model = inputs.shape[-2], inputs.shape[-1]
        # leading axes folded into one batch axis: einsum over "..." axes was 30 times slower on CPU
        x = ops.reshape(inputs, (-1, tokens, d_model))
        query, key, value = (self._heads(x, name) for name in ("query", "key", "value"))
        scores = ops.matmul(query, ops.transpose(key, (0, 1, 3, 2))) * (self.head_dim**-0.5)  # [batch, heads, tokens, tokens]
        if previous_scores is not None:
            scores = scores + ops.reshape(previous_scores, (-1, self.n_heads, tokens, tokens))
        weights = self.attention_weights_dropout(ops.softmax(scores, axis=-1), training=training)
        context = ops.transpose(ops.matmul(weights, value), (0, 2, 1, 3))  # [batch, tokens, heads, head_dim]
        attended = ops.matmul(ops.reshape(context, (-1, tokens, d_model)), self.output_kernel) + self.output_bias
        attended = self.attention_projection_dropout(attended, training=training)
        x = self.attention_norm(x + self.attention_output_dropout(attended, training=training), training=training)
        hidden = self.feed_forward_dropout(self.feed_forward_in(x), training=training)
        feed_forward = self.feed_forward_output_dropout(self.feed_forward_out(hidden), training=training)
        outputs = ops.reshape(self.feed_forward_norm(x + feed_forward, training=training), shape)
        if not self.residual_attention:
            return outputs
        return outputs, ops.reshape(scores, (*shape[:-2], self.n_heads, tokens, tokens))

    def compute_output_spec(self, inputs, previous_scores=None, training=None):
        outputs = keras.KerasTensor(inputs.shape, dtype=self.compute_dtype)
        if not self.residual_attention:
            return outputs
        tokens = inputs.shape[-2]
        return outputs, keras.KerasTensor((*inputs.shape[:-2], self.n_heads, tokens, tokens), dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            n_heads=self.n_heads, d_ff=self.d_ff, dropout=self.dropout, attention_dropout=self.attention_dropout,
            activation=self.activation, norm=self.norm, residual_attention=self.residual_attention,
            projection_dropout=self.projection_dropout,
        )
        return config
