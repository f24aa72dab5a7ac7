"""The `${...}` resolvers the YAML files of conf/ use. A run saves its config resolved, so reading a run
directory never needs them."""

from typing import List

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


def register_config_resolvers() -> None:
    from omegaconf import OmegaConf

    for name, resolver in (("forecast_horizon", window_horizon), ("forecast_ett_rows", ett_split_rows)):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)
