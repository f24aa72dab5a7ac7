"""The tf.data pipelines of the prepared splits: windows gathered batch by batch from start indices.

No window is ever materialized ahead of time: the pipeline shuffles start indices and gathers each
batch of windows from the series on the fly. The training order of an epoch is a stateless
permutation of (seed, epoch), so a resumed run sees the same order as an uninterrupted one.
"""

from typing import TYPE_CHECKING, Dict, Optional

from forecast_cli.data.window import WindowSpec
from forecast_cli.errors import ForecastError

if TYPE_CHECKING:
    import numpy as np

    from forecast_cli.data.prepare import PreparedData

# A batch gather costs microseconds per window: two map calls in flight and two batches ready keep any
# model on this kind of machine fed (docs/performance.md measures the pipeline against the model).
PARALLEL_GATHERS = 2
PREFETCH_BATCHES = 2


def make_dataset(
    values: "np.ndarray",
    starts: "np.ndarray",
    spec: WindowSpec,
    batch_size: int,
    shuffle: bool,
    seed: int,
    epoch=None,
    parallel: bool = True,
    drop_remainder: bool = False,
):
    """tf.data of (inputs [batch, input_width, n_features], labels [batch, label_width, n_outputs]).

    Only training shuffles: every iteration yields the permutation of (seed, epoch), where `epoch` is
    an int64 tf.Variable that the training loop sets before each epoch (None: always epoch 0). The
    last batch is kept even when it is short, so no window is dropped, unless `drop_remainder` (PyTorch's
    drop_last): then a shuffled pipeline leaves out other windows each epoch. `parallel=False` gathers
    windows sequentially: under op determinism TF would itself serialize the gather downstream of
    the epoch read, logging an error line per epoch.
    """
    import numpy as np
    import tensorflow as tf

    series = tf.constant(values, dtype=tf.float32)  # [rows, columns]
    offsets = tf.range(spec.total_width, dtype=tf.int64)
    all_inputs = list(spec.input_indices) == list(range(len(spec.columns)))
    input_indices = tf.constant(spec.input_indices, dtype=tf.int32)
    label_indices = tf.constant(spec.label_indices, dtype=tf.int32)

    def to_windows(batch_starts):
        rows = batch_starts[:, None] + offsets[None, :]  # [batch, total_width]
        windows = tf.gather(series, rows)  # [batch, total_width, columns]
        inputs = windows[:, : spec.input_width, :]
        if not all_inputs:
            inputs = tf.gather(inputs, input_indices, axis=2)
        ahead = [
            tf.gather(windows[:, spec.label_start + k : spec.label_start + k + spec.label_width, :], label_indices, axis=2)
            for k in range(spec.steps_ahead)
        ]
        labels = ahead[0] if spec.steps_ahead == 1 else tf.concat(ahead, axis=2)
        return inputs, labels

    starts = starts.astype(np.int64)
    if shuffle:
        dataset = _epoch_order(starts, seed, epoch)
    else:
        dataset = tf.data.Dataset.from_tensor_slices(starts)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    dataset = dataset.map(to_windows, num_parallel_calls=PARALLEL_GATHERS if parallel else None, deterministic=True if parallel else None)
    return dataset.prefetch(PREFETCH_BATCHES).with_options(_static_options())


def _static_options():
    """tf.data's autotuner stalls 1.5-2.5 s on about half the iterator hand-overs (every epoch and every
    validation pass of Keras fit, measured on 2 cores); a gather pipeline this cheap needs no tuning."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return options


def _epoch_order(starts: "np.ndarray", seed: int, epoch):
    """The start indices in the order of permutation(seed, epoch), read when an iteration begins."""
    import tensorflow as tf

    def permute(all_starts):
        current = epoch.read_value() if epoch is not None else tf.constant(0, tf.int64)
        return tf.random.experimental.stateless_shuffle(all_starts, seed=tf.stack([tf.constant(seed, tf.int64), current]))

    dataset = tf.data.Dataset.from_tensors(starts).map(permute).unbatch()
    return dataset.apply(tf.data.experimental.assert_cardinality(len(starts)))


def epoch_variable():
    """The int64 epoch counter a shuffled pipeline reads (create it outside any strategy scope)."""
    import tensorflow as tf

    return tf.Variable(0, dtype=tf.int64, trainable=False, name="shuffle_epoch")


# The validation order of an epoch draws from its own stream, not the training order's.
VALIDATION_SEED_OFFSET = 7919


def split_datasets(
    prepared: "PreparedData",
    batch_size: int,
    seed: int,
    shuffle_epoch=None,
    deterministic=False,
    eval_batch_size=None,
    drop_last=False,
) -> Dict[str, object]:
    """One pipeline per split; only "train" is shuffled (and "val" with `drop_last`), and only when
    `shuffle_epoch` is given. The other splits, only ever run forward, use `eval_batch_size` (default:
    `batch_size`).

    `drop_last` copies the loaders of Informer's lineage of PyTorch code (PatchTST's among them): the
    training and validation windows are shuffled every epoch and batched at `batch_size`, and the last
    partial batch of each is left out. Test never drops a window.
    """
    datasets = {}
    for name, split in prepared.splits.items():
        dropping = drop_last and name in ("train", "val")
        shuffle = shuffle_epoch is not None and (name == "train" or dropping)
        batch = batch_size if name == "train" or dropping else (eval_batch_size or batch_size)
        if dropping and len(split.starts) < batch:
            raise ForecastError(
                f"trainer.drop_last=true leaves the {name} split no batch: it has {len(split.starts)} windows, "
                f"fewer than the batch of {batch}; lower trainer.batch_size or set trainer.drop_last=false"
            )
        datasets[name] = make_dataset(
            split.values, split.starts, prepared.spec, batch, shuffle,
            seed + VALIDATION_SEED_OFFSET if name == "val" else seed, shuffle_epoch,
            parallel=not (shuffle and deterministic), drop_remainder=dropping,
        )
    return datasets


def steps_per_epoch(dataset) -> Optional[int]:
    """Batches in one pass over `dataset`; None where TensorFlow cannot tell."""
    steps = int(dataset.cardinality())
    return steps if steps >= 0 else None


def training_steps(train_dataset, epochs: int) -> Optional[int]:
    """Optimizer steps in a whole run (what a one-cycle schedule spans); None where unknown."""
    steps = steps_per_epoch(train_dataset)
    return None if steps is None else int(epochs) * steps
