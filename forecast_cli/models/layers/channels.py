"""Channel selection: from forecasts made for every input channel to the label columns the window asks
for, and a window's channels split by kind (the data's, the calendar's)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="forecast")
class LabelChannels(keras.layers.Layer):
    """[batch, channels, label_width * steps_ahead] -> [batch, label_width, steps_ahead * n_labels].

    Keeps the channels at `label_positions` (the label columns among the inputs, in label order) and lays
    each label step out as WindowSpec.n_outputs says: step 1 ahead of every label, then step 2, ..."""

    def __init__(self, label_positions, label_width, steps_ahead=1, **kwargs):
        super().__init__(**kwargs)
        self.label_positions = [int(p) for p in label_positions]
        self.label_width = int(label_width)
        self.steps_ahead = int(steps_ahead)

    def call(self, inputs):
        labels = ops.take(inputs, self.label_positions, axis=1)  # [batch, n_labels, label_width * steps_ahead]
        n_labels = len(self.label_positions)
        labels = ops.reshape(labels, (-1, n_labels, self.label_width, self.steps_ahead))
        labels = ops.transpose(labels, (0, 2, 3, 1))  # [batch, label_width, steps_ahead, n_labels]
        return ops.reshape(labels, (-1, self.label_width, self.steps_ahead * n_labels))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.label_width, self.steps_ahead * len(self.label_positions))

    def get_config(self):
        config = super().get_config()
        config.update(label_positions=self.label_positions, label_width=self.label_width, steps_ahead=self.steps_ahead)
        return config


@keras.saving.register_keras_serializable(package="forecast")
class TakeChannels(keras.layers.Layer):
    """[batch, time, channels] -> [batch, time, len(positions)]: the channels at `positions`, in that order."""

    def __init__(self, positions, **kwargs):
        super().__init__(**kwargs)
        self.positions = [int(p) for p in positions]

    def call(self, inputs):
        return ops.take(inputs, self.positions, axis=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], len(self.positions))

    def get_config(self):
        config = super().get_config()
        config.update(positions=self.positions)
        return config
