"""Recurrent cells that Keras does not ship."""

import keras


@keras.saving.register_keras_serializable(package="forecast")
class LayerNormSimpleRNNCell(keras.layers.Layer):
    """Hands-On ML's cell: a SimpleRNN step without activation, then LayerNormalization, then the activation."""

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.state_size = self.units
        self.output_size = self.units
        self.simple_rnn_cell = keras.layers.SimpleRNNCell(self.units, activation=None)
        self.layer_norm = keras.layers.LayerNormalization()
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.simple_rnn_cell.build(input_shape)
        self.layer_norm.build((input_shape[0], self.units))
        self.built = True

    def call(self, inputs, states, training=False):
        outputs, _ = self.simple_rnn_cell(inputs, states, training=training)
        normalized = self.activation(self.layer_norm(outputs))
        return normalized, [normalized]

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, activation=keras.activations.serialize(self.activation))
        return config
