"""`trainer=custom`: a GradientTape loop under the run's strategy, driving the same Keras callbacks as `fit`."""

from dataclasses import dataclass

from omegaconf import MISSING

from forecast_cli.trainer.config import TrainerConfig
from forecast_cli.trainer.context import TrainingContext
from forecast_cli.trainer.loops import TRAINERS


@dataclass
class CustomTrainerConfig(TrainerConfig):
    # XLA-compile the train and eval steps (single replica only: ignored, with a warning, on 2+ replicas)
    jit_compile: bool = MISSING


@TRAINERS.register("custom", CustomTrainerConfig)
def train_with_custom_loop(ctx: TrainingContext) -> None:
    from forecast_cli.trainer.gradient_tape import run_custom_loop

    run_custom_loop(ctx)
