"""The tutorial's autoregressive wrapper: an LSTM that feeds each prediction back as its next input."""

import keras
from keras import ops


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
