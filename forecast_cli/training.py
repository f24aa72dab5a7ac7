"""One training run, from composed config to metrics and artifacts in the run directory."""

import logging
from typing import Any, Dict

from omegaconf import OmegaConf

from forecast_cli.artifacts import save_model
from forecast_cli.atomic import write_text_atomic
from forecast_cli.data.split import SPLITS
from forecast_cli.forecast_output import last_test_forecast
from forecast_cli.metrics import evaluate_model, keras_loss
from forecast_cli.models import build_model
from forecast_cli.optimizer import build_optimizer
from forecast_cli.prepare import PreparedData, prepare_data
from forecast_cli.run_layout import RunDir
from forecast_cli.strategy import make_strategy
from forecast_cli.sweep import rows_to_csv
from forecast_cli.tf_runtime import import_tensorflow, seed_everything
from forecast_cli.trainer import TRAINERS
from forecast_cli.trainer.context import TrainingContext
from forecast_cli.window import make_dataset

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


def split_datasets(prepared: PreparedData, batch_size: int, seed: int, shuffle_train: bool):
    return {
        name: make_dataset(split.values, split.starts, prepared.spec, batch_size, shuffle_train and name == "train", seed)
        for name, split in prepared.splits.items()
    }


def run_training(cfg, run: RunDir) -> Dict[str, float]:
    """Train as `cfg` says, write every artifact into `run`, and return the metrics."""
    prepared = prepare_data(cfg.data, cfg.window)
    run.update_record(**data_record(prepared))
    prepared.scaler.save(run.scaler_json)
    log.info("windows per split: %s", prepared.window_counts())

    import_tensorflow()
    import keras

    keras.backend.clear_session()  # in-process sweeps: start every job from a clean graph
    seed_everything(int(cfg.seed), bool(cfg.trainer.deterministic))
    strategy = make_strategy(cfg.strategy)
    replicas = int(strategy.num_replicas_in_sync)
    global_batch = int(cfg.trainer.batch_size) * replicas
    eval_batch = int(cfg.trainer.eval_batch_size or cfg.trainer.batch_size) * replicas
    run.update_record(
        strategy={"name": cfg.strategy.name, "class": type(strategy).__name__, "replicas": replicas},
        global_batch_size=global_batch,
    )

    with strategy.scope():
        model = build_model(cfg.model, prepared.spec)
        optimizer = build_optimizer(cfg.optimizer)
    context = TrainingContext(
        model=model,
        optimizer=optimizer,
        loss=keras_loss(cfg.trainer.loss),
        datasets=split_datasets(prepared, global_batch, int(cfg.seed), shuffle_train=True),
        cfg=cfg.trainer,
        run=run,
        strategy=strategy,
    )
    history = TRAINERS.get(cfg.trainer.name).build(context)
    run.update_record(epochs_completed=len(history))

    eval_sets = split_datasets(prepared, eval_batch, int(cfg.seed), shuffle_train=False)
    metrics = {}
    for split in SPLITS:
        for name, value in evaluate_model(model, eval_sets[split], cfg.trainer.loss).items():
            metrics[f"{split}/{name}"] = value
    run.write_metrics(metrics)
    forecast = last_test_forecast(model, prepared)
    if forecast is not None:
        write_text_atomic(run.forecast_csv, rows_to_csv(forecast))
    save_model(model, run, prepared.spec)
    return metrics


def resolved_config_yaml(cfg) -> str:
    return OmegaConf.to_yaml(cfg, resolve=True)
