"""The GradientTape loop behind `trainer=custom`.

Every replica computes its per-example losses and divides their sum by the size of the GLOBAL batch
(`tf.nn.compute_average_loss`), so the optimizer's all-reduce (a sum) yields the gradient of the global
mean loss. Epoch figures are float64 sums on the host: the mean over every window, as `fit` reports.
Callbacks see exactly what `fit` gives them (a CallbackList, `model.stop_training`, logs with keys
loss, mae, val_loss, val_mae), so a callback written for `fit` works here unchanged.
"""

import logging
from typing import Dict

import keras
import tensorflow as tf

from forecast_cli.data.pipeline import steps_per_epoch
from forecast_cli.trainer.losses import keras_metrics
from forecast_cli.trainer.context import TrainingContext, keras_verbosity

log = logging.getLogger("forecast.train")
SUM = tf.distribute.ReduceOp.SUM


class EpochTotals:
    """Running sums of one pass over a split; `logs()` are the means `fit` would report."""

    def __init__(self):
        self.loss_sum = self.abs_sum = 0.0
        self.examples = self.elements = 0

    def add(self, step_sums) -> None:
        loss_sum, abs_sum, examples, elements = (float(v) for v in step_sums)
        self.loss_sum += loss_sum
        self.abs_sum += abs_sum
        self.examples += int(examples)
        self.elements += int(elements)

    def logs(self, prefix: str = "") -> Dict[str, float]:
        if not self.examples:
            return {}
        return {f"{prefix}loss": self.loss_sum / self.examples, f"{prefix}mae": self.abs_sum / self.elements}


def unreduced(loss):
    """The same Keras loss, returning one value per label step instead of the batch mean."""
    return type(loss).from_config({**loss.get_config(), "reduction": None})


def make_step_functions(model, loss, strategy, jit_compile: bool):
    """(train_step, eval_step): each maps one distributed batch to reduced (loss_sum, abs_sum, examples, elements)."""
    per_step_loss = unreduced(loss)
    optimizer = model.optimizer
    scales_loss = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)

    def batch_sums(labels, predictions):
        predictions = tf.cast(predictions, labels.dtype)
        example_loss = tf.reduce_mean(per_step_loss(labels, predictions), axis=-1)  # [batch]
        return example_loss, [
            tf.reduce_sum(example_loss),
            tf.reduce_sum(tf.abs(predictions - labels)),
            tf.cast(tf.shape(labels)[0], tf.float32),
            tf.cast(tf.size(labels), tf.float32),
        ]

    def forward_backward(inputs, labels, global_batch):
        with tf.GradientTape() as tape:
            predictions = model(inputs, training=True)  # [batch, label_width, n_labels]
            example_loss, sums = batch_sums(labels, predictions)
            step_loss = tf.nn.compute_average_loss(example_loss, global_batch_size=global_batch)
            if model.losses:
                step_loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
            if scales_loss:
                step_loss = optimizer.scale_loss(step_loss)
        gradients = tape.gradient(step_loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return sums

    def evaluate(inputs, labels):
        return batch_sums(labels, model(inputs, training=False))[1]

    if jit_compile:
        forward_backward = tf.function(forward_backward, jit_compile=True)
        evaluate = tf.function(evaluate, jit_compile=True)

    def replica_train_step(inputs, labels):
        # the last batch may be short: divide by the windows really in this global batch
        local = tf.cast(tf.shape(inputs)[0], tf.float32)
        global_batch = tf.distribute.get_replica_context().all_reduce(SUM, local)
        return forward_backward(inputs, labels, tf.cast(global_batch, tf.int32))

    @tf.function(reduce_retracing=True)
    def train_step(batch):
        sums = strategy.run(replica_train_step, args=batch)
        return [strategy.reduce(SUM, value, axis=None) for value in sums]

    @tf.function(reduce_retracing=True)
    def eval_step(batch):
        sums = strategy.run(evaluate, args=batch)
        return [strategy.reduce(SUM, value, axis=None) for value in sums]

    return train_step, eval_step


def distribute(strategy, dataset):
    """Every worker builds the same seeded pipeline; each keeps its replicas' share of every global batch."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(dataset.with_options(options))


def epoch_iterators(distributed_dataset):
    """One fresh iterator per epoch, opened in the same pattern as Keras 3 `fit`: one iterator to build
    the model first, then per epoch one it trains on and one it opens and drops as the epoch ends. Every
    opened iterator advances the reshuffle seed, so the same pattern gives a seeded run the same
    shuffle order, epoch after epoch, under both loops."""
    iter(distributed_dataset)
    while True:
        yield iter(distributed_dataset)
        iter(distributed_dataset)


def use_jit(requested: bool, strategy) -> bool:
    if requested and strategy.num_replicas_in_sync > 1:
        log.warning("trainer.jit_compile ignored: XLA steps need a single replica (this strategy has %d)",
                    strategy.num_replicas_in_sync)
        return False
    return requested


def run_custom_loop(ctx: TrainingContext) -> None:
    cfg, model, strategy = ctx.cfg, ctx.model, ctx.strategy
    with strategy.scope():
        # compile only attaches the optimizer (wrapped for loss scaling under mixed_float16) and the
        # metrics that callbacks and model.keras expect; the steps below never call model.train_step
        model.compile(optimizer=ctx.optimizer, loss=ctx.loss, metrics=keras_metrics())
        model.optimizer.build(model.trainable_variables)
    if cfg.epochs == 0 or not model.trainable_weights:
        return
    train_step, eval_step = make_step_functions(model, ctx.loss, strategy, use_jit(cfg.jit_compile, strategy))
    train_data = distribute(strategy, ctx.datasets["train"])
    val_data = distribute(strategy, ctx.datasets["val"])

    verbose = keras_verbosity(cfg.verbose)
    callbacks = keras.callbacks.CallbackList(
        ctx.callbacks,
        add_history=True,
        add_progbar=verbose != 0,
        verbose=verbose,
        epochs=cfg.epochs,
        steps=steps_per_epoch(ctx.datasets["train"]),
        model=model,
    )
    model.stop_training = False
    epochs = epoch_iterators(train_data)
    callbacks.on_train_begin()
    epoch_logs: Dict[str, float] = {}
    for epoch in range(ctx.initial_epoch, cfg.epochs):
        callbacks.on_epoch_begin(epoch)
        totals = EpochTotals()
        for step, batch in enumerate(next(epochs)):
            callbacks.on_train_batch_begin(step)
            totals.add(train_step(batch))
            callbacks.on_train_batch_end(step, totals.logs())
            if model.stop_training:
                break
        epoch_logs = {**totals.logs(), **validate(eval_step, val_data, callbacks)}
        callbacks.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    model.optimizer.finalize_variable_values(model.trainable_weights)
    callbacks.on_train_end(epoch_logs)


def validate(eval_step, val_data, callbacks) -> Dict[str, float]:
    """One pass over the validation split with the test-side callback hooks, as `fit` runs it."""
    totals = EpochTotals()
    callbacks.on_test_begin()
    for step, batch in enumerate(val_data):
        callbacks.on_test_batch_begin(step)
        totals.add(eval_step(batch))
        callbacks.on_test_batch_end(step, totals.logs())
    callbacks.on_test_end(totals.logs())
    return totals.logs("val_")
