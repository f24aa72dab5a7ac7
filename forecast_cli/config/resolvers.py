"""The `${...}` resolvers the YAML files of conf/ use. A run saves its config resolved, so reading a run
directory never needs them."""

from typing import Any, List, Mapping

# Time-Series-Library's borders of the ETT sets: 12/4/4 months from the first row
ETT_HOURS = [12 * 30 * 24, 4 * 30 * 24, 4 * 30 * 24]
ETT_ROWS_PER_HOUR = {"ETTh1": 1, "ETTh2": 1, "ETTm1": 4, "ETTm2": 4}


def window_horizon(default: int, *, _parent_) -> int:
    """`label_width: ${forecast_horizon:1}`: window.horizon when it is set, else `default`, so that
    `window.horizon=96` sets the labels' width and their shift at once."""
    horizon = _parent_.get("horizon")
    return int(default if horizon is None else horizon)


def ett_split_rows(dataset: str) -> List[int]:
    """[train, val, test] rows of an ETT set (ETTm: 15 minutes, four rows an hour); the loader's schema
    refuses unknown names, so any other name gets the hourly borders here."""
    return [rows * ETT_ROWS_PER_HOUR.get(dataset, 1) for rows in ETT_HOURS]


def by_horizon(horizon: int, settings: Mapping[int, Any]) -> Any:
    """`n_heads: ${forecast_by_horizon:${window.label_width},{96: 2, 192: 8, 720: 16}}`: a setting that a
    paper's scripts change with the horizon. A horizon the table does not list takes the setting of the
    nearest listed horizon below it (the first one's below them all), as a script's 336 run shares its
    192 run's settings."""
    if not settings:
        raise ValueError("forecast_by_horizon needs at least one {horizon: setting} pair")
    listed = sorted((int(key), key) for key in settings)
    below = [key for listed_horizon, key in listed if listed_horizon <= int(horizon)]
    return settings[below[-1] if below else listed[0][1]]


def register_config_resolvers() -> None:
    from omegaconf import OmegaConf

    for name, resolver in (
        ("forecast_horizon", window_horizon),
        ("forecast_ett_rows", ett_split_rows),
        ("forecast_by_horizon", by_horizon),
    ):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)
