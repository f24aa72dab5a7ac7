"""Chronological train/val/test splits with the tutorial's boundaries: [0, int(n*0.7)), ...

SPLIT_BY_TIME cuts every series at the same fractions of its length; SPLIT_BY_SERIES assigns whole
series (the Hands-On ML protocol for many short series).
"""

from typing import Dict, List, Tuple

import numpy as np

from forecast_cli.data.base import SPLIT_BY_SERIES, SeriesData, SplitConfig

SPLITS = ("train", "val", "test")


def split_bounds(n: int, cfg: SplitConfig) -> Tuple[int, int]:
    """Indices where val and test start, as the tutorial computes them: int(n*0.7), int(n*0.9).

    The rounding keeps 0.7 + 0.2 (= 0.8999999999999999 in floating point) from moving a boundary.
    """
    return int(n * cfg.train), int(n * round(cfg.train + cfg.val, 12))


def split_series(data: SeriesData, cfg: SplitConfig) -> Dict[str, List[np.ndarray]]:
    if data.split_by == SPLIT_BY_SERIES:
        val_start, test_start = split_bounds(len(data.segments), cfg)
        return {
            "train": data.segments[:val_start],
            "val": data.segments[val_start:test_start],
            "test": data.segments[test_start:],
        }
    parts: Dict[str, List[np.ndarray]] = {name: [] for name in SPLITS}
    for segment in data.segments:
        val_start, test_start = split_bounds(len(segment), cfg)
        parts["train"].append(segment[:val_start])
        parts["val"].append(segment[val_start:test_start])
        parts["test"].append(segment[test_start:])
    return parts
