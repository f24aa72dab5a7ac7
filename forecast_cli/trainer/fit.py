"""`trainer=fit`: Keras `Model.fit` with early stopping, TensorBoard and per-epoch history."""

from dataclasses import dataclass
from typing import Any, Dict, List

from forecast_cli.metrics import keras_metrics
from forecast_cli.registry import require
from forecast_cli.trainer.config import TrainerConfig
from forecast_cli.trainer.context import TrainingContext, build_callbacks, keras_verbosity
from forecast_cli.trainer.registry import TRAINERS


@dataclass
class FitTrainerConfig(TrainerConfig):
    name: str = "fit"
    steps_per_execution: int = 1
    jit_compile: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        require(
            self.steps_per_execution >= 1,
            "trainer.steps_per_execution",
            f"must be >= 1, got {self.steps_per_execution}",
        )


@TRAINERS.register("fit", FitTrainerConfig)
def train_with_fit(ctx: TrainingContext) -> List[Dict[str, Any]]:
    from forecast_cli.trainer._callbacks import EpochRecorder

    cfg = ctx.cfg
    with ctx.strategy.scope():
        ctx.model.compile(
            optimizer=ctx.optimizer,
            loss=ctx.loss,
            metrics=keras_metrics(),
            steps_per_execution=cfg.steps_per_execution,
            jit_compile=cfg.jit_compile,
        )
    if cfg.epochs == 0 or not ctx.model.trainable_weights:
        return []
    recorder = EpochRecorder(ctx.run.history_csv)
    ctx.model.fit(
        ctx.datasets["train"],
        validation_data=ctx.datasets["val"],
        epochs=cfg.epochs,
        initial_epoch=ctx.initial_epoch,
        callbacks=[recorder, *build_callbacks(cfg, ctx.run)],
        verbose=keras_verbosity(cfg.verbose),
        shuffle=False,  # the train pipeline shuffles its window indices itself
    )
    return recorder.rows
