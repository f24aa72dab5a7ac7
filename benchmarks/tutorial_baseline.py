"""The TensorFlow tutorial's single-step LSTM experiment, re-implemented as the benchmark baseline.

Same 19 features (forecast's Jena preprocessing, itself the tutorial's), 70/20/10 split, train mean/std;
the tutorial's WindowGenerator datasets (`timeseries_dataset_from_array`, 25-row windows, batch 32,
shuffled) over the wide window (24 inputs, 24 labels of T (degC), shift 1); LSTM(32,
return_sequences=True) + Dense(1); its compile_and_fit: Adam(), MSE, MAE metric, EarlyStopping on
val_loss with patience 2, at most 20 epochs. Prints one JSON line with the figures.

    python benchmarks/tutorial_baseline.py JENA_CSV [--epochs N]
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from forecast_cli.data.loaders.jena import engineer, hourly, read_jena  # noqa: E402

INPUT_WIDTH, LABEL_WIDTH, SHIFT, BATCH = 24, 24, 1, 32
TARGET = "T (degC)"


def load_splits(path: str):
    frame = engineer(*hourly(read_jena(path)))
    n = len(frame)
    train, val, test = frame[: int(n * 0.7)], frame[int(n * 0.7) : int(n * 0.9)], frame[int(n * 0.9) :]
    mean, std = train.mean(), train.std()
    target = list(frame.columns).index(TARGET)
    return [((part - mean) / std).to_numpy(np.float32) for part in (train, val, test)], target


def make_dataset(values: np.ndarray, target: int):
    total = INPUT_WIDTH + SHIFT
    dataset = tf.keras.utils.timeseries_dataset_from_array(
        data=values, targets=None, sequence_length=total, sequence_stride=1, shuffle=True, batch_size=BATCH
    )

    def split_window(features):
        inputs = features[:, :INPUT_WIDTH, :]
        labels = features[:, total - LABEL_WIDTH :, target : target + 1]
        return inputs, labels

    return dataset.map(split_window)


def tutorial_lstm(n_features: int):
    """The tutorial's lstm_model: LSTM(32, return_sequences=True) + Dense(1) over the wide window."""
    return keras.Sequential(
        [keras.Input((INPUT_WIDTH, n_features)), keras.layers.LSTM(32, return_sequences=True), keras.layers.Dense(1)]
    )


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    keras.utils.set_random_seed(42)
    (train, val, test), target = load_splits(args.csv)
    model = tutorial_lstm(train.shape[1])
    model.compile(
        loss=keras.losses.MeanSquaredError(),
        optimizer=keras.optimizers.Adam(),
        metrics=[keras.metrics.MeanAbsoluteError(name="mae")],
    )
    timer = EpochTimer()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, mode="min")
    started = time.perf_counter()
    history = model.fit(
        make_dataset(train, target),
        validation_data=make_dataset(val, target),
        epochs=args.epochs,
        callbacks=[stop, timer],
        verbose=0,
    )
    training_s = time.perf_counter() - started
    test_mae = model.evaluate(make_dataset(test, target), verbose=0, return_dict=True)["mae"]
    train_windows = len(train) - INPUT_WIDTH - SHIFT + 1
    print(
        json.dumps(
            {
                "epochs": len(history.history["loss"]),
                "seconds_per_epoch": float(np.median(timer.seconds)),
                "train_windows_per_s": train_windows / float(np.median(timer.seconds)),
                "training_s": training_s,
                "test_mae": float(test_mae),
            }
        )
    )


if __name__ == "__main__":
    main()
