"""The registry of training loops: `trainer.name` -> train(context) -> history rows."""

from forecast_cli.registry import Registry

TRAINERS = Registry("trainer", "forecast_cli.trainer")
