"""TimeMixer's token embedding (TSLib's TokenEmbedding on one channel): a circular convolution of width 3."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="forecast")
class CircularTokenEmbedding(keras.layers.Layer):
    """[..., time] -> [..., time, d_model]: step t embeds the values at t - 1, t and t + 1, the series wrapping
    around at its ends (a Conv1d of kernel 3, circular padding, no bias, on a one-channel series)."""

    def __init__(self, d_model, **kwargs):
        super().__init__(**kwargs)
        self.d_model = int(d_model)

    def build(self, input_shape):
        # TSLib initializes it with Kaiming normal (fan in: the 3 taps)
        self.kernel = self.add_weight(shape=(3, self.d_model), initializer="he_normal", name="kernel")

    def call(self, inputs):
        taps = ops.stack([ops.roll(inputs, 1, axis=-1), inputs, ops.roll(inputs, -1, axis=-1)], axis=-1)
        return ops.matmul(taps, self.kernel)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.d_model)

    def get_config(self):
        config = super().get_config()
        config.update(d_model=self.d_model)
        return config
