"""`trainer=fit`: Keras `Model.fit`, driving the run's callbacks (TrainingContext.callbacks)."""

import logging
from dataclasses import dataclass

from omegaconf import MISSING

from forecast_cli.errors import require
from forecast_cli.trainer.config import TrainerConfig
from forecast_cli.trainer.context import TrainingContext, keras_verbosity
from forecast_cli.trainer.loops import TRAINERS

log = logging.getLogger("forecast.train")


@dataclass
class FitTrainerConfig(TrainerConfig):
    steps_per_execution: int = MISSING
    jit_compile: bool = MISSING

    def __post_init__(self) -> None:
        super().__post_init__()
        require(
            self.steps_per_execution >= 1,
            "trainer.steps_per_execution",
            f"must be >= 1, got {self.steps_per_execution}",
        )


def steps_per_execution(cfg, strategy) -> int:
    """Keras 3.15 `fit` fails with several steps per execution under MirroredStrategy with 2+ replicas
    (a `Placeholder` error in its multi-step while loop, even with the optimizer built): one step there.
    TPUStrategy keeps the setting: steps per execution is what TPUs are fed with (not testable here)."""
    tpu = "TPU" in type(strategy).__name__
    if cfg.steps_per_execution > 1 and strategy.num_replicas_in_sync > 1 and not tpu:
        log.warning(
            "trainer.steps_per_execution=%d needs a single replica in Keras fit: using 1 under %d replicas",
            cfg.steps_per_execution, strategy.num_replicas_in_sync,
        )
        return 1
    return cfg.steps_per_execution


@TRAINERS.register("fit", FitTrainerConfig)
def train_with_fit(ctx: TrainingContext) -> None:
    from forecast_cli.trainer.losses import keras_metrics

    cfg = ctx.cfg
    with ctx.strategy.scope():
        ctx.model.compile(
            optimizer=ctx.optimizer,
            loss=ctx.loss,
            metrics=keras_metrics(),
            steps_per_execution=steps_per_execution(cfg, ctx.strategy),
            jit_compile=cfg.jit_compile,
        )
    if cfg.epochs == 0 or not ctx.model.trainable_weights:
        return
    ctx.model.fit(
        ctx.datasets["train"],
        validation_data=ctx.datasets["val"],
        epochs=cfg.epochs,
        initial_epoch=ctx.initial_epoch,
        callbacks=ctx.callbacks,
        verbose=keras_verbosity(cfg.verbose),
        shuffle=False,  # the train pipeline shuffles its window indices itself
    )
