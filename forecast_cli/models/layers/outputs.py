"""Output constraints applied on top of a model's head."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="forecast")
class NonNegativeGrowth(keras.layers.Layer):
    """The TF2 notes' constraint for COVID-19 counts that cannot fall below zero: max((1 + growth) * observed, 0).

    Inputs [observed, growth], both [batch, label_width, n_labels].
    """

    def call(self, inputs):
        observed, growth = inputs
        return ops.maximum((1.0 + growth) * observed, 0.0)

    def compute_output_shape(self, input_shape):
        return input_shape[0]
