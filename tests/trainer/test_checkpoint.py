"""Checkpoints, the epoch-seeded shuffle and atomic writes, in-process."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from forecast_cli.data.pipeline import epoch_variable, make_dataset
from forecast_cli.data.window import resolve_window, window_starts
from forecast_cli.run import atomic
from forecast_cli.run.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from forecast_cli.trainer.run_callbacks.checkpoint import RunCheckpoint, stateful_callbacks

from helpers import window_config


def tiny_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dropout(0.5), keras.layers.Dense(1)])
    optimizer = keras.optimizers.Adam(1e-2)
    optimizer.build(model.trainable_variables)
    return model, optimizer


def train_epochs(model, optimizer, callbacks, epochs, val_losses):
    """A hand-written loop driving the callbacks like any trainer: CallbackList + on_* hooks."""
    callback_list = keras.callbacks.CallbackList(callbacks, model=model)
    callback_list.on_train_begin()
    for epoch in epochs:
        callback_list.on_epoch_begin(epoch)
        grads = [tf.ones_like(v) * (epoch + 1) for v in model.trainable_variables]
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        callback_list.on_epoch_end(epoch, {"val_loss": val_losses[epoch]})
    return callback_list


def test_checkpoint_restores_weights_optimizer_and_early_stopping_in_a_custom_loop(tmp_path):
    path = tmp_path / "checkpoint.npz"
    model, optimizer = tiny_model()
    stopping = keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)
    saver = RunCheckpoint(path, optimizer, tf.distribute.get_strategy(), [stopping])
    train_epochs(model, optimizer, [stopping, saver], range(3), [3.0, 1.0, 2.0])

    checkpoint = load_checkpoint(path)
    assert checkpoint.epochs_completed == 3 and checkpoint.stop_training is False
    assert checkpoint.callbacks[0]["wait"] == 1 and checkpoint.callbacks[0]["best"] == 1.0
    assert checkpoint.callbacks[0]["best_epoch"] == 1

    restored, restored_optimizer = tiny_model()
    stopping2 = keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)
    loader = RunCheckpoint(path, restored_optimizer, tf.distribute.get_strategy(), [stopping2], restore=checkpoint)
    keras.callbacks.CallbackList([stopping2, loader], model=restored).on_train_begin()
    for got, want in zip(restored.variables, model.variables):  # weights and dropout seed state
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    for got, want in zip(restored_optimizer.variables, optimizer.variables):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert int(restored_optimizer.iterations.numpy()) == 3
    assert (stopping2.wait, stopping2.best, stopping2.best_epoch) == (stopping.wait, stopping.best, stopping.best_epoch)
    for got, want in zip(stopping2.best_weights, stopping.best_weights):
        np.testing.assert_array_equal(got, want)


def test_checkpoint_of_another_model_is_refused(tmp_path):
    from forecast_cli.errors import ForecastError

    path = tmp_path / "checkpoint.npz"
    model, optimizer = tiny_model()
    train_epochs(model, optimizer, [RunCheckpoint(path, optimizer, tf.distribute.get_strategy(), [])], range(1), [1.0])
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    other_optimizer = keras.optimizers.Adam()
    loader = RunCheckpoint(path, other_optimizer, tf.distribute.get_strategy(), [], restore=load_checkpoint(path))
    with pytest.raises(ForecastError, match="the run's code or config changed"):
        keras.callbacks.CallbackList([loader], model=other).on_train_begin()


def test_only_early_stopping_like_callbacks_are_stateful():
    callbacks = [keras.callbacks.EarlyStopping(), keras.callbacks.TerminateOnNaN(), keras.callbacks.ReduceLROnPlateau()]
    assert stateful_callbacks(callbacks) == [callbacks[0], callbacks[2]]
    # the default stop rule is a subclass: it keeps its patience and best weights across a resume too
    from forecast_cli.trainer.callbacks import EarlyStopping

    relative = EarlyStopping(min_delta_ratio=0.02)
    assert stateful_callbacks([relative]) == [relative]


def epoch_order(epoch: int, seed: int = 3):
    values = np.arange(50, dtype=np.float32)[:, None]
    spec = resolve_window(window_config(4, 1, 1), ["x"], ["x"])
    counter = epoch_variable()
    dataset = make_dataset(values, window_starts([50], spec.total_width), spec, 8, True, seed, counter)
    counter.assign(epoch)
    return np.concatenate([inputs.numpy()[:, 0, 0] for inputs, _ in dataset])


def test_the_training_order_is_a_function_of_seed_and_epoch_only():
    first, again, second = epoch_order(1), epoch_order(1), epoch_order(2)
    np.testing.assert_array_equal(first, again)  # a fresh process resuming at epoch 1 sees the same order
    assert not np.array_equal(first, second) and not np.array_equal(first, epoch_order(1, seed=4))
    np.testing.assert_array_equal(np.sort(first), np.arange(46))  # every window exactly once
    expected = tf.random.experimental.stateless_shuffle(tf.range(46, dtype=tf.int64), seed=[3, 2]).numpy()
    np.testing.assert_array_equal(second, expected)


def test_a_failed_replace_keeps_the_previous_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "run.json"
    atomic.write_json_atomic(target, {"status": "running"})

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_json_atomic(target, {"status": "completed", "metrics": list(range(1000))})
    assert json.loads(target.read_text()) == {"status": "running"}
    assert os.listdir(tmp_path) == ["run.json"]


def test_a_crash_mid_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.npz"
    save_checkpoint(path, Checkpoint(1, False, [np.ones(3)], [np.zeros(2)], [{"wait": 0, "best_weights": None}]))
    real_savez = np.savez

    def crash_after_half(handle, **arrays):
        real_savez(handle, **arrays)
        handle.truncate(handle.tell() // 2)
        raise KeyboardInterrupt  # e.g. a second Ctrl-C while the file is being written

    monkeypatch.setattr(np, "savez", crash_after_half)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, Checkpoint(2, False, [np.full(3, 7.0)], [np.ones(2)], []))
    monkeypatch.undo()
    loaded = load_checkpoint(path)
    assert loaded.epochs_completed == 1 and loaded.callbacks == [{"wait": 0, "best_weights": None}]
    np.testing.assert_array_equal(loaded.model[0], np.ones(3))
    assert os.listdir(tmp_path) == ["checkpoint.npz"]
