"""The `trainer` config group: training loops, one module per `conf/trainer/*.yaml`."""

from forecast_cli.trainer.registry import TRAINERS

__all__ = ["TRAINERS"]
