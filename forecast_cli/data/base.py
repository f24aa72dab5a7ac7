"""What every data loader returns, and the options every data config shares."""

from dataclasses import dataclass, field
from typing import List

import numpy as np

from forecast_cli.registry import require

SPLIT_BY_TIME = "time"  # each series is cut chronologically into train/val/test
SPLIT_BY_SERIES = "series"  # whole series go to train, val or test (many short series)
SCALERS = ("standard", "minmax", "none")


@dataclass
class SplitConfig:
    """Chronological fractions; the test split gets the rest (tutorial: 70/20/10)."""

    train: float = 0.7
    val: float = 0.2

    def __post_init__(self) -> None:
        require(0 < self.train < 1, "data.split.train", f"must be in (0, 1), got {self.train}")
        require(0 <= self.val < 1, "data.split.val", f"must be in [0, 1), got {self.val}")
        require(
            self.train + self.val < 1,
            "data.split",
            f"train + val must leave rows for test (got {self.train} + {self.val}): lower one of them",
        )


@dataclass
class DataConfig:
    name: str = "???"
    scaler: str = "standard"
    scaler_range: List[float] = field(default_factory=lambda: [0.0, 1.0])
    split: SplitConfig = field(default_factory=SplitConfig)

    def __post_init__(self) -> None:
        require(self.scaler in SCALERS, "data.scaler", f"must be one of {', '.join(SCALERS)}, got '{self.scaler}'")
        require(
            len(self.scaler_range) == 2 and self.scaler_range[0] < self.scaler_range[1],
            "data.scaler_range",
            f"must be [low, high] with low < high, got {list(self.scaler_range)}",
        )


@dataclass
class SeriesData:
    """Loaded, validated numeric data, before splitting and scaling."""

    segments: List[np.ndarray]  # each [time, features], float64
    columns: List[str]
    targets: List[str]
    split_by: str
    source: str
    sha256: str

    @property
    def n_rows(self) -> int:
        return int(sum(len(s) for s in self.segments))
