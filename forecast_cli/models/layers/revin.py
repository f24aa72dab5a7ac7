"""Reversible instance normalization (RevIN, Kim et al., ICLR 2022): every input window is normalized by
its own per-channel mean and standard deviation, and the forecast made in those units is mapped back."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="forecast")
class RevINNormalization(keras.layers.Layer):
    """[batch, time, channels] -> [normalized, scale, shift]; normalized has the input's shape, scale and
    shift are [batch, 1, channels].

    normalized = (x - mean) / std, then * weight + bias per channel when affine; a value y in normalized
    units is y * scale + shift in the input's units (the inverse of the affine step included). The
    statistics are constants for the gradient and std = sqrt(var + epsilon), as in the paper's code.
    The channels at `passthrough` (calendar columns) come out unchanged, with scale 1 and shift 0."""

    def __init__(self, affine=False, epsilon=1e-5, passthrough=(), **kwargs):
        super().__init__(**kwargs)
        self.affine = bool(affine)
        self.epsilon = float(epsilon)
        self.passthrough = [int(p) for p in passthrough]

    def build(self, input_shape):
        if self.affine:
            channels = input_shape[-1]
            self.affine_weight = self.add_weight(shape=(channels,), initializer="ones", name="affine_weight")
            self.affine_bias = self.add_weight(shape=(channels,), initializer="zeros", name="affine_bias")

    def call(self, inputs):
        mean = ops.stop_gradient(ops.mean(inputs, axis=1, keepdims=True))
        std = ops.stop_gradient(ops.sqrt(ops.var(inputs, axis=1, keepdims=True) + self.epsilon))
        mask = self._normalized_mask(inputs.shape[-1]) if self.passthrough else None
        if mask is not None:
            mean = mean * mask
            std = ops.where(mask > 0, std, ops.ones_like(std))
        normalized = (inputs - mean) / std
        if not self.affine:
            return normalized, std, mean
        weight, bias = self.affine_weight, self.affine_bias
        if mask is not None:
            weight, bias = weight * mask + (1.0 - mask), bias * mask
        normalized = normalized * weight + bias
        # the paper's inverse divides by weight + epsilon^2: a weight trained to zero cannot divide by zero
        scale = std / (weight + self.epsilon * self.epsilon)
        return normalized, scale, mean - bias * scale

    def _normalized_mask(self, channels: int):
        """[channels] float: 1 for a channel RevIN normalizes, 0 for one it passes through."""
        passed = set(self.passthrough)
        return ops.convert_to_tensor([0.0 if c in passed else 1.0 for c in range(channels)], dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        statistics = (input_shape[0], 1, input_shape[-1])
        return input_shape, statistics, statistics

    def get_config(self):
        config = super().get_config()
        config.update(affine=self.affine, epsilon=self.epsilon, passthrough=self.passthrough)
        return config


@keras.saving.register_keras_serializable(package="forecast")
class RevINDenormalization(keras.layers.Layer):
    """[forecast [batch, steps, n_outputs], scale, shift [batch, 1, channels]] -> the forecast in input units.

    Output j is mapped back with the statistics of input channel `channel_positions[j]`."""

    def __init__(self, channel_positions, **kwargs):
        super().__init__(**kwargs)
        self.channel_positions = [int(p) for p in channel_positions]

    def call(self, inputs):
        forecast, scale, shift = inputs
        scale = ops.take(scale, self.channel_positions, axis=2)
        shift = ops.take(shift, self.channel_positions, axis=2)
        return ops.cast(forecast, scale.dtype) * scale + shift

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config.update(channel_positions=self.channel_positions)
        return config
