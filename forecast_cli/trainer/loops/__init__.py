"""The `trainer` config group: training loops, one module per `conf/trainer/*.yaml`, each registered
with its schema. A loop takes a TrainingContext, trains, and returns when training ends."""

from forecast_cli.registry import Registry

TRAINERS = Registry("trainer", "forecast_cli.trainer.loops")


def train(ctx) -> None:
    """Run the loop that `ctx.cfg.name` names."""
    TRAINERS.get(ctx.cfg.name).implementation(ctx)
