"""One training run, from composed config to metrics and artifacts in the run directory."""

import logging
from typing import Any, Dict, List, Optional

from forecast_cli.artifacts import save_model
from forecast_cli.atomic import write_text_atomic
from forecast_cli.checkpoint import Checkpoint
from forecast_cli.data.split import SPLITS
from forecast_cli.errors import ForecastError
from forecast_cli.forecast_output import last_test_forecast
from forecast_cli.interrupt import StopRequest
from forecast_cli.metrics import evaluate_model, inference_function, keras_loss
from forecast_cli.models import build_model
from forecast_cli.optimizer import build_optimizer
from forecast_cli.precision import apply_precision
from forecast_cli.prepare import PreparedData, prepare_data
from forecast_cli.run_layout import RunDir
from forecast_cli.strategy import make_strategy
from forecast_cli.sweep import rows_to_csv
from forecast_cli.tf_runtime import import_tensorflow, seed_everything
from forecast_cli.trainer import TRAINERS
from forecast_cli.trainer.context import TrainingContext, build_callbacks
from forecast_cli.window import epoch_variable, make_dataset

log = logging.getLogger("forecast.train")


def data_record(prepared: PreparedData) -> Dict[str, Any]:
    spec = prepared.spec
    return {
        "data": {
            "source": prepared.series.source,
            "sha256": prepared.series.sha256,
            "rows": prepared.series.n_rows,
            "series": len(prepared.series.segments),
            "columns": list(spec.columns),
        },
        "split": {
            "protocol": prepared.split_protocol,
            "ranges": prepared.split_ranges,
        },
        "rows": prepared.row_counts(),
        "windows": prepared.window_counts(),
        "window": {
            "input_width": spec.input_width,
            "label_width": spec.label_width,
            "shift": spec.shift,
            "steps_ahead": spec.steps_ahead,
            "input_columns": list(spec.input_columns),
            "label_columns": list(spec.label_columns),
        },
    }


def split_datasets(
    prepared: PreparedData, batch_size: int, seed: int, shuffle_epoch=None, deterministic=False, eval_batch_size=None
):
    """One pipeline per split; only "train" is shuffled, and only when `shuffle_epoch` is given. The
    other splits, only ever run forward, use `eval_batch_size` (default: `batch_size`)."""
    datasets = {}
    for name, split in prepared.splits.items():
        shuffle = shuffle_epoch is not None and name == "train"
        batch = batch_size if name == "train" else (eval_batch_size or batch_size)
        datasets[name] = make_dataset(
            split.values, split.starts, prepared.spec, batch, shuffle, seed, shuffle_epoch,
            parallel=not (shuffle and deterministic),
        )
    return datasets


def run_callbacks(cfg, run: RunDir, optimizer, strategy, shuffle_epoch, stop: StopRequest, checkpoint) -> List[Any]:
    """The user's callbacks and TensorBoard, then the run's own, in the order they must run."""
    from forecast_cli.trainer._lifecycle import (
        RunCheckpoint,
        ShuffleEpoch,
        StopOnNonFiniteLoss,
        StopOnSignal,
        stateful_callbacks,
    )

    callbacks = build_callbacks(cfg.trainer, run)
    return [
        *callbacks,
        ShuffleEpoch(shuffle_epoch),
        StopOnNonFiniteLoss(),
        RunCheckpoint(run.checkpoint_npz, optimizer, strategy, stateful_callbacks(callbacks), restore=checkpoint),
        StopOnSignal(stop),
    ]


def first_epoch(cfg, checkpoint: Optional[Checkpoint]) -> int:
    if checkpoint is None:
        return 0
    return int(cfg.trainer.epochs) if checkpoint.stop_training else checkpoint.epochs_completed


def run_training(
    cfg, run: RunDir, stop: Optional[StopRequest] = None, checkpoint: Optional[Checkpoint] = None
) -> Dict[str, float]:
    """Train as `cfg` says, write every artifact into `run`, and return the metrics.

    With `checkpoint` (a resumed run), training continues after its last completed epoch. A stop
    request (SIGINT/SIGTERM) ends training after the current epoch and raises RunInterrupted.
    """
    stop = stop or StopRequest()
    recorded_sha = run.record().get("data", {}).get("sha256") if cfg.resume is not None else None
    prepared = prepare_data(cfg.data, cfg.window)
    if recorded_sha and recorded_sha != prepared.series.sha256:
        raise ForecastError(
            f"the data changed since run {run.root} started (sha256 {prepared.series.sha256[:12]}, recorded "
            f"{recorded_sha[:12]}): restore the original file or start a new run"
        )
    run.update_record(**data_record(prepared))
    prepared.scaler.save(run.scaler_json)
    log.info("windows per split: %s", prepared.window_counts())

    import_tensorflow()
    import keras

    keras.backend.clear_session()  # in-process sweeps: start every job from a clean graph
    seed_everything(int(cfg.seed), bool(cfg.trainer.deterministic))
    strategy = make_strategy(cfg.strategy)
    precision = apply_precision(cfg.trainer.precision)
    replicas = int(strategy.num_replicas_in_sync)
    global_batch = int(cfg.trainer.batch_size) * replicas
    eval_batch = int(cfg.trainer.eval_batch_size or cfg.trainer.batch_size) * replicas
    run.update_record(
        strategy={"name": cfg.strategy.name, "class": type(strategy).__name__, "replicas": replicas},
        global_batch_size=global_batch,
        precision=precision,
    )

    with strategy.scope():
        model = build_model(cfg.model, prepared.spec)
        optimizer = build_optimizer(cfg.optimizer)
    shuffle_epoch = epoch_variable()
    initial_epoch = first_epoch(cfg, checkpoint)
    resume_hint = f"continue with: forecast train resume={run.root}"
    if stop.requested:
        raise stop.interruption(initial_epoch, resume_hint)
    context = TrainingContext(
        model=model,
        optimizer=optimizer,
        loss=keras_loss(cfg.trainer.loss),
        datasets=split_datasets(
            prepared, global_batch, int(cfg.seed), shuffle_epoch, bool(cfg.trainer.deterministic), eval_batch
        ),
        cfg=cfg.trainer,
        run=run,
        strategy=strategy,
        callbacks=run_callbacks(cfg, run, optimizer, strategy, shuffle_epoch, stop, checkpoint),
        initial_epoch=initial_epoch,
    )
    history = TRAINERS.get(cfg.trainer.name).build(context)
    run.update_record(epochs_completed=len(history))
    if stop.requested:
        raise stop.interruption(len(history), resume_hint)

    train = prepared.splits["train"]  # val and test pipelines already run forward at the eval batch
    unshuffled_train = make_dataset(train.values, train.starts, prepared.spec, eval_batch, False, int(cfg.seed))
    eval_sets = {**context.datasets, "train": unshuffled_train}
    metrics = {}
    forward = inference_function(model)
    for split in SPLITS:
        for name, value in evaluate_model(model, eval_sets[split], cfg.trainer.loss, forward).items():
            metrics[f"{split}/{name}"] = value
    run.write_metrics(metrics)
    forecast = last_test_forecast(model, prepared)
    if forecast is not None:
        write_text_atomic(run.forecast_csv, rows_to_csv(forecast))
    save_model(model, run, prepared.spec)
    return metrics
