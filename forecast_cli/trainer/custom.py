"""`trainer=custom`: a GradientTape loop under the run's strategy, driving the same Keras callbacks as `fit`."""

from dataclasses import dataclass
from typing import Any, Dict, List

from forecast_cli.trainer.config import TrainerConfig
from forecast_cli.trainer.context import TrainingContext
from forecast_cli.trainer.registry import TRAINERS


@dataclass
class CustomTrainerConfig(TrainerConfig):
    name: str = "custom"
    # XLA-compile the train and eval steps (single replica only: ignored, with a warning, on 2+ replicas)
    jit_compile: bool = False


@TRAINERS.register("custom", CustomTrainerConfig)
def train_with_custom_loop(ctx: TrainingContext) -> List[Dict[str, Any]]:
    from forecast_cli.trainer._custom_loop import run_custom_loop

    return run_custom_loop(ctx)
