"""One training session: from the composed config to metrics and artifacts in the run directory.

data (load, split, scale, window) -> strategy, precision -> model and optimizer in the strategy's
scope -> the trainer's loop with the run's callbacks -> final metrics -> forecast.csv and .png, model files.
"""

import logging
from dataclasses import dataclass
from typing import Dict, List, Optional

from forecast_cli.data.pipeline import epoch_variable, make_dataset, split_datasets, training_steps
from forecast_cli.data.prepare import PreparedData, prepare_data
from forecast_cli.data.series_index import uses_series_embedding
from forecast_cli.data.split import SPLITS
from forecast_cli.data.streams import STATEFUL, lay_out_streams, stream_record
from forecast_cli.errors import ForecastError
from forecast_cli.forecaster.last_window import last_window_forecast
from forecast_cli.forecaster.engine import inference_function
from forecast_cli.models import build_model
from forecast_cli.models._stateful import LastStreamForecast, reset_states
from forecast_cli.trainer.optimizer import build_optimizer
from forecast_cli.report.plots import plot_history, plot_window_forecast
from forecast_cli.runtime.precision import apply_precision
from forecast_cli.run.atomic import write_csv_atomic
from forecast_cli.run.checkpoint import Checkpoint
from forecast_cli.run.layout import RunDir
from forecast_cli.run.model_files import save_model
from forecast_cli.run.signals import StopRequest
from forecast_cli.runtime.strategy import check_one_replica, make_strategy
from forecast_cli.runtime.tf import import_tensorflow, seed_everything
from forecast_cli.trainer.context import TrainingContext
from forecast_cli.trainer.loops import train

log = logging.getLogger("forecast.train")


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
    prepared = prepare(cfg, run)
    session = build(cfg, run, prepared)
    history = fit(cfg, run, session, stop, checkpoint)
    metrics, by_series, forecast = score(cfg, session)
    save(run, session, metrics, by_series, forecast, history)
    return metrics


@dataclass
class Session:
    """What a run builds before it trains: its data, strategy, model, pipelines and optimizer."""

    prepared: PreparedData
    stateful: bool
    strategy: object
    model: object
    datasets: Dict[str, object]
    optimizer: object
    shuffle_epoch: object
    eval_batch: int


def prepare(cfg, run: RunDir) -> PreparedData:
    """The data, split, scaled and windowed; recorded in run.json, its scaling saved with the run."""
    recorded_sha = run.record().get("data", {}).get("sha256") if cfg.resume is not None else None
    prepared = prepare_data(cfg.data, cfg.window, series_index=uses_series_embedding(cfg))
    layouts = None
    if cfg.model.get("stateful"):  # every split as trainer.batch_size streams of consecutive chunks (data/streams.py)
        prepared, layouts = lay_out_streams(prepared, int(cfg.trainer.batch_size))
    if recorded_sha and recorded_sha != prepared.series.sha256:
        raise ForecastError(
            f"the data changed since run {run.root} started (sha256 {prepared.series.sha256[:12]}, recorded "
            f"{recorded_sha[:12]}): restore the original file or start a new run"
        )
    run.update_record(**prepared.record(), **({"stateful": stream_record(layouts)} if layouts else {}))
    prepared.scaler.save(run.scaler_file(prepared.scaler.per_series))
    log.info("windows per split: %s", prepared.window_counts())
    return prepared


def build(cfg, run: RunDir, prepared: PreparedData) -> Session:
    """The strategy and precision, the model in the strategy's scope, the pipelines and the optimizer."""
    import_tensorflow()
    import keras

    keras.backend.clear_session()  # in-process sweeps: start every job from a clean graph
    seed_everything(int(cfg.seed), bool(cfg.trainer.deterministic))
    stateful = bool(cfg.model.get("stateful"))
    strategy = make_strategy(cfg.strategy)
    precision = apply_precision(cfg.trainer.precision)
    if stateful:
        check_one_replica(strategy, f"{STATEFUL} carries each row of a batch into the same row of the next")
    replicas = int(strategy.num_replicas_in_sync)
    global_batch = int(cfg.trainer.batch_size) * replicas
    # a stateful model runs its streams at once, in every pass
    eval_batch = global_batch if stateful else int(cfg.trainer.eval_batch_size or cfg.trainer.batch_size) * replicas
    run.update_record(
        strategy={"name": cfg.strategy.name, "class": type(strategy).__name__, "replicas": replicas},
        global_batch_size=global_batch,
        precision=precision,
    )
    with strategy.scope():
        model = build_model(cfg.model, prepared.spec, prepared.season, n_series=prepared.series_count())
    shuffle_epoch = epoch_variable()
    datasets = split_datasets(
        prepared, global_batch, int(cfg.seed),
        None if stateful else shuffle_epoch,  # a stateful model's windows in stream order, never shuffled
        bool(cfg.trainer.deterministic), eval_batch, drop_last=bool(cfg.trainer.drop_last),
    )
    with strategy.scope():  # after the datasets: a one-cycle schedule spans the run's steps
        optimizer = build_optimizer(cfg.optimizer, total_steps=training_steps(datasets["train"], cfg.trainer.epochs))
    return Session(prepared, stateful, strategy, model, datasets, optimizer, shuffle_epoch, eval_batch)


def fit(cfg, run: RunDir, session: Session, stop: StopRequest, checkpoint: Optional[Checkpoint]) -> List[dict]:
    """The trainer's loop with the run's callbacks, from the checkpoint's epoch; the history's rows."""
    from forecast_cli.trainer.losses import keras_loss
    from forecast_cli.trainer.run_callbacks import build_callbacks
    from forecast_cli.trainer.run_callbacks.guards import check_finite_weights

    initial_epoch = first_epoch(cfg, checkpoint)
    resume_hint = f"continue with: forecast train resume={run.root}"
    if stop.requested:
        raise stop.interruption(initial_epoch, resume_hint)
    callbacks = build_callbacks(cfg.trainer, run, session.optimizer, session.strategy, session.shuffle_epoch, stop, checkpoint)
    train(TrainingContext(
        model=session.model,
        optimizer=session.optimizer,
        loss=keras_loss(cfg.trainer.loss),
        datasets=session.datasets,
        cfg=cfg.trainer,
        run=run,
        strategy=session.strategy,
        callbacks=callbacks.all,
        initial_epoch=initial_epoch,
    ))
    epochs_completed = len(callbacks.history.rows)
    run.update_record(epochs_completed=epochs_completed)
    if stop.requested:
        raise stop.interruption(epochs_completed, resume_hint)
    check_finite_weights(session.model, cfg.optimizer.get("learning_rate"))
    return callbacks.history.rows


def score(cfg, session: Session):
    """Every split's metrics and per-series rows, and the forecast of the last test (else validation) window."""
    from forecast_cli.trainer.run_callbacks.guards import check_finite_results

    prepared, model = session.prepared, session.model
    eval_sets = in_order_datasets(prepared, session.datasets, session.eval_batch, int(cfg.seed), bool(cfg.trainer.drop_last))
    metrics, by_series = score_splits(model, prepared, eval_sets, cfg.trainer.loss)
    window_model = model
    if session.stateful:  # the last window with the state its stream carried to it
        window_model = LastStreamForecast(model, session.datasets["test" if prepared.has_test else "val"])
    forecast = last_window_forecast(window_model, prepared)
    check_finite_results(metrics, None if forecast is None else forecast.forecast)
    return metrics, by_series, forecast


def save(run: RunDir, session: Session, metrics, by_series, forecast, history) -> None:
    """metrics.json, metrics_by_series.csv, the pictures, forecast.csv and the model files."""
    prepared = session.prepared
    write_csv_atomic(run.metrics_by_series_csv, by_series)
    run.write_metrics(metrics)
    if history:  # none without training: trainer.epochs=0, or a model with no weights (`last`)
        plot_history(history, run.history_png)
    if forecast is not None:
        write_csv_atomic(run.forecast_csv, forecast.rows())
        plot_window_forecast(forecast, run.forecast_png, f"{run.root.name}: the last {forecast.split} window")
    save_model(session.model, run, prepared.spec, prepared.scaler)


def in_order_datasets(prepared, datasets, eval_batch: int, seed: int, drop_last: bool) -> Dict[str, object]:
    """Every window of every split, in order, at the eval batch: the val and test pipelines already are,
    unless drop_last shuffles and drops val's; train is shuffled."""
    reordered = ("train", "val") if drop_last else ("train",)
    in_order = {
        name: make_dataset(prepared.splits[name].values, prepared.splits[name].starts, prepared.spec, eval_batch, False, seed)
        for name in reordered
        if name in prepared.splits
    }
    return {**datasets, **in_order}


def score_splits(model, prepared, eval_sets, loss: str):
    """`split/metric` of every split the run has (evaluation/score.py) and the per-series rows of all of them."""
    from forecast_cli.evaluation.score import score_split

    forward = inference_function(model)
    metrics, rows = {}, []
    for split in (s for s in SPLITS if s in prepared.splits):
        reset_states(model)  # a stateful model's streams start every split from a zero state
        figures, by_series = score_split(lambda x: forward(x).numpy(), eval_sets[split], prepared, split, loss)
        metrics.update({f"{split}/{name}": value for name, value in figures.items()})
        rows.extend(by_series)
    return metrics, rows
