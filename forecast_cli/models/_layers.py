"""Custom layers, registered so that `.keras` files load back with safe_mode=True."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="forecast")
class LastValue(keras.layers.Layer):
    """Repeat the last input value of each label column over the forecast horizon (no weights).

    [batch, time, features] -> [batch, label_width, n_labels]
    """

    def __init__(self, label_positions, label_width, **kwargs):
        super().__init__(**kwargs)
        self.label_positions = [int(p) for p in label_positions]
        self.label_width = int(label_width)

    def call(self, inputs):
        last = ops.take(inputs[:, -1:, :], self.label_positions, axis=2)  # [batch, 1, n_labels]
        return ops.repeat(last, self.label_width, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.label_width, len(self.label_positions))

    def get_config(self):
        config = super().get_config()
        config.update(label_positions=self.label_positions, label_width=self.label_width)
        return config
