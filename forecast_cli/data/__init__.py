"""The `data` config group: loaders (one module per `conf/data/*.yaml`), splits and scalers."""

from forecast_cli.data.base import DataConfig, SeriesData
from forecast_cli.data.registry import DATA


def load_series(cfg, total_window: int) -> SeriesData:
    """Load the data that `cfg` (a `data` config node) describes, validated and numeric."""
    from omegaconf import OmegaConf

    entry = DATA.get(cfg.name)
    typed = OmegaConf.to_object(cfg) if OmegaConf.is_config(cfg) else cfg
    return entry.build(typed, total_window)


__all__ = ["DATA", "DataConfig", "SeriesData", "load_series"]
