"""The study behind trainer=fit's defaults: learning rate and stop rule at batch 256 on the tutorial's
single-step LSTM experiment (hourly Jena, 19 features, 24 -> 24 x T (degC)), forecast's own pipeline.

    python benchmarks/tune_defaults.py JENA_CSV '[{"lr": 0.005, "ratio": 0.02}, {"lr": 0.001, "ratio": 0.0, "seed": 1}]'

Each variant: batch (default 256), lr (Adam), ratio (EarlyStopping min_delta_ratio, patience 2, best
weights restored), seed (default 42). Prints epochs, fit seconds, test MAE and the val MAE curve.
"""

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tutorial_baseline import INPUT_WIDTH, LABEL_WIDTH, SHIFT, load_splits, tutorial_lstm  # noqa: E402

from forecast_cli.trainer.callbacks import EarlyStopping  # noqa: E402
from forecast_cli.data.pipeline import make_dataset  # noqa: E402
from forecast_cli.data.window import WindowSpec, window_starts  # noqa: E402


def main() -> None:
    (train, val, test), target = load_splits(sys.argv[1])
    columns = tuple(str(i) for i in range(train.shape[1]))
    spec = WindowSpec(INPUT_WIDTH, LABEL_WIDTH, SHIFT, columns, columns, (columns[target],))
    starts = {name: window_starts([len(part)], spec.total_width) for name, part in (("train", train), ("val", val), ("test", test))}
    for variant in json.loads(sys.argv[2]):
        keras.backend.clear_session()
        seed = variant.get("seed", 42)
        keras.utils.set_random_seed(seed)
        epoch = tf.Variable(0, dtype=tf.int64)
        train_data = make_dataset(train, starts["train"], spec, variant.get("batch", 256), True, seed, epoch)
        val_data = make_dataset(val, starts["val"], spec, 1024, False, 0)
        test_data = make_dataset(test, starts["test"], spec, 1024, False, 0)
        model = tutorial_lstm(train.shape[1])
        model.compile(loss="mse", optimizer=keras.optimizers.Adam(variant.get("lr", 1e-3)), metrics=["mae"], steps_per_execution=32)

        class Epoch(keras.callbacks.Callback):
            def on_epoch_begin(self, index, logs=None):
                epoch.assign(index)

        stop = EarlyStopping(patience=2, restore_best_weights=True, min_delta_ratio=variant.get("ratio", 0.0))
        started = time.perf_counter()
        history = model.fit(train_data, validation_data=val_data, epochs=20, verbose=0, callbacks=[Epoch(), stop])
        seconds = time.perf_counter() - started
        mae = model.evaluate(test_data, verbose=0, return_dict=True)["mae"]
        curve = " ".join(f"{v:.4f}" for v in history.history["val_mae"])
        print(json.dumps(variant), f"epochs {len(history.history['loss'])} fit {seconds:.1f} s test MAE {mae:.4f} val MAE {curve}", flush=True)


if __name__ == "__main__":
    main()
