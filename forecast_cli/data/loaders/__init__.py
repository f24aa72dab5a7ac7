"""The `data` config group: one loader module per `conf/data/*.yaml`, registered by name with its schema.

A loader turns its config into validated numeric `SeriesData`; splitting, scaling and windowing are
the rest of the `data` package. Adding a loader = one module here + one `conf/data/<name>.yaml`.
"""

from forecast_cli.registry import Registry

DATA = Registry("data", "forecast_cli.data.loaders")


def load_series(cfg, total_window: int):
    """Load the data that `cfg` (a `data` config node) describes, validated and numeric (SeriesData)."""
    from omegaconf import OmegaConf

    entry = DATA.get(cfg.name)
    typed = OmegaConf.to_object(cfg) if OmegaConf.is_config(cfg) else cfg
    return entry.implementation(typed, total_window)


__all__ = ["DATA", "load_series"]
