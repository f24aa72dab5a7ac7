"""Chronological train/val/test splits: the exact row boundaries of both protocols.

tutorial (TensorFlow tutorial): [0, int(n*0.7)), [int(n*0.7), int(n*0.9)), [int(n*0.9), n); windows stay
inside their split. ltsf (Time-Series-Library): n_train = int(n*0.7), n_test = int(n*0.2), n_val the rest,
or fixed row counts (ETT: 8640/2880/2880 hours); validation and test start `lookback` rows early (the
window's input part), so that their first target is the split's first row.
SPLIT_BY_SERIES assigns whole series instead (the Hands-On ML protocol for many short series).
"""

from typing import TYPE_CHECKING, Dict, List, Tuple

from forecast_cli.data.base import SPLIT_BY_SERIES, SeriesData, SplitConfig
from forecast_cli.errors import ForecastError

if TYPE_CHECKING:
    import numpy as np

SPLITS = ("train", "val", "test")


def split_bounds(n: int, cfg: SplitConfig) -> Tuple[int, int]:
    """Indices where val and test start, as the tutorial computes them: int(n*0.7), int(n*0.9).

    The rounding keeps 0.7 + 0.2 (= 0.8999999999999999 in floating point) from moving a boundary.
    """
    return int(n * cfg.train), int(n * round(cfg.train + cfg.val, 12))


def split_ranges(n: int, cfg: SplitConfig, lookback: int) -> Dict[str, Tuple[int, int]]:
    """[start, end) rows of each split of a series of n rows."""
    if cfg.protocol == "tutorial":
        val_start, test_start = split_bounds(n, cfg)
        return {"train": (0, val_start), "val": (val_start, test_start), "test": (test_start, n)}
    if cfg.rows is not None:
        n_train, n_val, n_test = cfg.rows
        if n_train + n_val + n_test > n:
            raise ForecastError(
                f"data.split.rows {list(cfg.rows)} need {n_train + n_val + n_test} rows but the data has {n}: "
                "lower them or use the fractions (data.split.rows=null)"
            )
    else:
        n_train, n_test = int(n * cfg.train), int(n * round(1 - cfg.train - cfg.val, 12))
        n_val = n - n_train - n_test
    val_start, test_start = n_train, n_train + n_val
    return {
        "train": (0, val_start),
        "val": (max(val_start - lookback, 0), test_start),
        "test": (max(test_start - lookback, 0), test_start + n_test),
    }


def split_series(data: SeriesData, cfg: SplitConfig, lookback: int = 0) -> "Dict[str, List[np.ndarray]]":
    """The segments of each split; `lookback` rows of the previous split lead val and test under ltsf."""
    if data.split_by == SPLIT_BY_SERIES:
        val_start, test_start = split_bounds(len(data.segments), cfg)
        return {
            "train": data.segments[:val_start],
            "val": data.segments[val_start:test_start],
            "test": data.segments[test_start:],
        }
    parts: "Dict[str, List[np.ndarray]]" = {name: [] for name in SPLITS}
    for segment in data.segments:
        for name, (start, end) in split_ranges(len(segment), cfg, lookback).items():
            parts[name].append(segment[start:end])
    return parts
