"""The registry of model families: `model.name` -> build(cfg, window_spec) -> keras.Model."""

from forecast_cli.registry import Registry

MODELS = Registry("model", "forecast_cli.models")
