"""A linear map over time with its own weights for every channel (LTSF-Linear's `individual` mode)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="forecast")
class PerChannelDense(keras.layers.Layer):
    """[batch, channels, time] -> [batch, channels, units]: channel c is mapped by its own kernel[c] and bias[c]."""

    def __init__(self, units, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        channels, steps = input_shape[-2], input_shape[-1]
        self.kernel = self.add_weight(
            shape=(channels, steps, self.units), initializer=self.kernel_initializer, name="kernel"
        )
        self.bias = self.add_weight(shape=(channels, self.units), initializer="zeros", name="bias")

    def call(self, inputs):
        return ops.einsum("bct,ctu->bcu", inputs, self.kernel) + self.bias

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, kernel_initializer=keras.initializers.serialize(self.kernel_initializer))
        return config
