"""The registry of data loaders: `data.name` -> load(cfg, total_window) -> SeriesData."""

from forecast_cli.registry import Registry

DATA = Registry("data", "forecast_cli.data")
