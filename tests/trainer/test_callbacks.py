"""forecast_cli.trainer.callbacks.EarlyStopping: patience counts epochs without a relative improvement."""

import keras
import numpy as np
import pytest

from forecast_cli.trainer.callbacks import EarlyStopping


def drive(callback, val_losses):
    """Feed one val_loss per epoch to `callback` on a one-weight model whose weight is the epoch index.
    Returns (epochs run, the weight left in the model after on_train_end)."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.stop_training = False
    callback.set_model(model)
    callback.on_train_begin()
    epochs = 0
    for epoch, value in enumerate(val_losses):
        model.set_weights([np.full((1, 1), float(epoch))])
        callback.on_epoch_end(epoch, {"val_loss": value})
        epochs += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return epochs, float(model.get_weights()[0][0, 0])


LOSSES = [1.0, 0.90, 0.895, 0.892, 0.891, 0.5]  # after epoch 1 every gain is below 1% of the best


def test_small_gains_do_not_restart_the_patience_but_the_best_weights_are_restored():
    stop = EarlyStopping(monitor="val_loss", patience=2, min_delta_ratio=0.01, restore_best_weights=True)
    epochs, weight = drive(stop, LOSSES)
    assert epochs == 4  # epochs 2 and 3 improve by 0.6% and 0.3%: patience 2 is spent at epoch 3
    assert stop.best == pytest.approx(0.892) and stop.best_epoch == 3
    assert weight == 3.0  # the weights of the best epoch, even though its lead was small


def test_ratio_zero_is_exactly_keras_rule():
    ours = EarlyStopping(monitor="val_loss", patience=2, min_delta_ratio=0.0, restore_best_weights=True)
    theirs = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    noisy = [1.0, 0.9, 0.95, 0.89, 0.91, 0.92, 0.5]
    assert drive(ours, noisy) == drive(theirs, noisy) == (6, 3.0)
    assert drive(EarlyStopping(patience=2, min_delta_ratio=0.0), LOSSES)[0] == len(LOSSES)


def test_a_larger_gain_restarts_the_patience():
    stop = EarlyStopping(monitor="val_loss", patience=2, min_delta_ratio=0.01)
    assert drive(stop, [1.0, 0.999, 0.98, 0.979, 0.978, 0.977])[0] == 5  # 0.98 beats 1.0 by 2%


def test_max_mode_and_a_bad_ratio():
    stop = EarlyStopping(monitor="val_loss", mode="max", patience=1, min_delta_ratio=0.05)
    assert drive(stop, [1.0, 1.04, 2.0])[0] == 2  # 1.04 is only 4% above 1.0
    with pytest.raises(ValueError, match="min_delta_ratio"):
        EarlyStopping(min_delta_ratio=1.5)
