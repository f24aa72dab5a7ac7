"""The parameter-free baselines as layers: the last value repeated, the previous steps copied."""

import keras
from keras import ops


class _LabelSteps(keras.layers.Layer):
    """Base of the parameter-free baselines: label columns picked from the inputs, no weights.

    [batch, time, features] -> [batch, label_width, n_labels]
    """

    def __init__(self, label_positions, label_width, **kwargs):
        super().__init__(**kwargs)
        self.label_positions = [int(p) for p in label_positions]
        self.label_width = int(label_width)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.label_width, len(self.label_positions))

    def get_config(self):
        config = super().get_config()
        config.update(label_positions=self.label_positions, label_width=self.label_width)
        return config


@keras.saving.register_keras_serializable(package="forecast")
class LastValue(_LabelSteps):
    """Repeat the last input value of each label column over the forecast horizon."""

    def call(self, inputs):
        last = ops.take(inputs[:, -1:, :], self.label_positions, axis=2)  # [batch, 1, n_labels]
        return ops.repeat(last, self.label_width, axis=1)


@keras.saving.register_keras_serializable(package="forecast")
class PreviousSteps(_LabelSteps):
    """The last `label_width` input steps of each label column, as they are (the tutorial's repeat baseline)."""

    def call(self, inputs):
        return ops.take(inputs[:, -self.label_width :, :], self.label_positions, axis=2)


@keras.saving.register_keras_serializable(package="forecast")
class SeasonalNaive(_LabelSteps):
    """Every label step forecast by the value one season earlier, repeated season after season from the last
    observed season: label step k (row `label_start + k` of the window) copies input row
    `input_width - season + (label_start + k - input_width) % season` (a label row inside the inputs: its
    own input value one season earlier)."""

    def __init__(self, label_positions, label_width, input_width, label_start, season, **kwargs):
        super().__init__(label_positions, label_width, **kwargs)
        self.input_width = int(input_width)
        self.label_start = int(label_start)
        self.season = int(season)

    def source_rows(self):
        rows = []
        for k in range(self.label_width):
            row = self.label_start + k
            ahead = row - self.input_width
            rows.append(row - self.season if ahead < 0 else self.input_width - self.season + ahead % self.season)
        return rows

    def call(self, inputs):
        picked = ops.take(inputs, self.source_rows(), axis=1)  # [batch, label_width, features]
        return ops.take(picked, self.label_positions, axis=2)

    def get_config(self):
        config = super().get_config()
        config.update(input_width=self.input_width, label_start=self.label_start, season=self.season)
        return config
