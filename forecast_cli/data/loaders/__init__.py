"""The `data` config group: one loader module per `conf/data/*.yaml`, registered by name with its schema.

A loader turns its config into validated numeric `SeriesData`; splitting, scaling and windowing are
the rest of the `data` package. Adding a loader = one module here + one `conf/data/<name>.yaml`.
"""

from forecast_cli.registry import Registry

DATA = Registry("data", "forecast_cli.data.loaders")


def load_series(cfg, window_rows: int):
    """Load the data that `cfg` (a `data` config node) describes, validated and numeric (SeriesData),
    with the calendar columns that `data.calendar` asks for. `window_rows`: the rows one window spans,
    the length of a generated series unless its config gives one (whether the data holds enough rows is
    for the stage that uses them: prepare_data, a forecast)."""
    from omegaconf import OmegaConf

    from forecast_cli.data.calendar import with_calendar

    entry = DATA.get(cfg.name)
    typed = OmegaConf.to_object(cfg) if OmegaConf.is_config(cfg) else cfg
    return with_calendar(entry.implementation(typed, window_rows), typed.calendar, typed.calendar_frequency)


__all__ = ["DATA", "load_series"]
