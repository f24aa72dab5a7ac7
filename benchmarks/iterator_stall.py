"""The tf.data autotuner's stall at iterator hand-over, which forecast's window pipeline turns off.

    python benchmarks/iterator_stall.py JENA_CSV

Trains the tutorial LSTM (batch 256) for 6 epochs with `fit` on the same gather pipeline twice: with
tf.data's autotuner on (its default) and off (what forecast_cli/data/pipeline.py ships). Prints every
epoch's wall time and the time to its first training step: with the autotuner on, about half of the
epochs on a 2-core machine wait 1.5-2.5 s before their first step.
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tutorial_baseline import INPUT_WIDTH, SHIFT, load_splits, tutorial_lstm  # noqa: E402


def gather_pipeline(values, target, autotune: bool):
    series = tf.constant(values)
    offsets = tf.range(INPUT_WIDTH + SHIFT, dtype=tf.int64)
    starts = np.arange(len(values) - INPUT_WIDTH - SHIFT + 1, dtype=np.int64)

    def to_windows(batch):
        windows = tf.gather(series, batch[:, None] + offsets[None, :])
        return windows[:, :INPUT_WIDTH, :], windows[:, SHIFT:, target : target + 1]

    dataset = tf.data.Dataset.from_tensor_slices(starts).shuffle(len(starts), seed=0).batch(256)
    dataset = dataset.map(to_windows, num_parallel_calls=2).prefetch(2)
    options = tf.data.Options()
    options.autotune.enabled = autotune
    return dataset.with_options(options)


class StepTimes(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.times = [time.perf_counter()]

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())

    def on_epoch_end(self, epoch, logs=None):
        first = self.times[1] - self.times[0]
        print(f"  epoch {epoch + 1}: {self.times[-1] - self.times[0]:.2f} s, first step {first * 1000:.0f} ms", flush=True)


def main() -> None:
    (train, _, _), target = load_splits(sys.argv[1])
    for autotune in (True, False):
        print(f"tf.data autotune {'on' if autotune else 'off'}:")
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        model = tutorial_lstm(train.shape[1])
        model.compile(loss="mse", optimizer="adam")
        model.fit(gather_pipeline(train, target, autotune), epochs=6, verbose=0, callbacks=[StepTimes()])


if __name__ == "__main__":
    main()
