"""Series decomposition (Autoformer, DLinear, TimeMixer): the trend as a moving average, the rest is seasonal."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="forecast")
class MovingAverage(keras.layers.Layer):
    """[..., time, features] -> the same shape: a centred moving average over the time axis (-2).

    Both ends are padded with (kernel_size - 1) / 2 copies of the first and last value (replicate padding,
    as in the DLinear paper's code), so an odd kernel keeps the length."""

    def __init__(self, kernel_size, **kwargs):
        super().__init__(**kwargs)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd and >= 1, got {kernel_size}")
        self.kernel_size = int(kernel_size)

    def call(self, inputs):
        half = (self.kernel_size - 1) // 2
        first = ops.repeat(inputs[..., :1, :], half, axis=-2)
        last = ops.repeat(inputs[..., -1:, :], half, axis=-2)
        padded = ops.concatenate([first, inputs, last], axis=-2)
        shape = ops.shape(inputs)
        # pooling takes [batch, time, features]: fold every leading axis into the batch and back
        series = ops.reshape(padded, (-1, shape[-2] + 2 * half, shape[-1]))
        trend = ops.average_pool(series, self.kernel_size, strides=1, padding="valid")
        return ops.reshape(trend, shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(kernel_size=self.kernel_size)
        return config
