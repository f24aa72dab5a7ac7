"""Custom layers, registered so that `.keras` files load back with safe_mode=True."""

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
class NonNegativeGrowth(keras.layers.Layer):
    """Seed 004's constraint for counts that cannot fall below zero: max((1 + growth) * observed, 0).

    Inputs [observed, growth], both [batch, label_width, n_labels].
    """

    def call(self, inputs):
        observed, growth = inputs
        return ops.maximum((1.0 + growth) * observed, 0.0)

    def compute_output_shape(self, input_shape):
        return input_shape[0]


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


@keras.saving.register_keras_serializable(package="forecast")
class FeedBack(keras.layers.Layer):
    """The tutorial's autoregressive LSTM: warm up on the inputs, then feed each prediction back in.

    [batch, input_width, features] -> [batch, out_steps, features]
    """

    def __init__(self, units, out_steps, num_features, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.out_steps = int(out_steps)
        self.num_features = int(num_features)
        self.lstm_cell = keras.layers.LSTMCell(self.units)
        self.lstm_rnn = keras.layers.RNN(self.lstm_cell, return_state=True)
        self.dense = keras.layers.Dense(self.num_features)

    def build(self, input_shape):
        self.lstm_rnn.build(input_shape)
        self.dense.build((input_shape[0], self.units))
        self.built = True

    def call(self, inputs, training=False):
        output, *state = self.lstm_rnn(inputs, training=training)  # [batch, units]
        prediction = self.dense(output)  # [batch, features]
        predictions = [prediction]
        for _ in range(1, self.out_steps):
            output, state = self.lstm_cell(prediction, states=state, training=training)
            prediction = self.dense(output)
            predictions.append(prediction)
        return ops.stack(predictions, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.out_steps, self.num_features)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, out_steps=self.out_steps, num_features=self.num_features)
        return config
