"""The states of a stateful model (model.stateful=true) reset where its streams start again: at every
epoch and at every validation pass (data/streams.py lays each split out from its first row)."""

import keras

from forecast_cli.models._stateful import reset_states


class ResetStates(keras.callbacks.Callback):
    """Every stream starts each epoch and each validation pass from a zero state (nothing for a stateless model)."""

    def on_epoch_begin(self, epoch, logs=None):
        reset_states(self.model)

    def on_test_begin(self, logs=None):
        reset_states(self.model)
