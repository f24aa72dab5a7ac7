"""What every data loader returns, and the options every data config shares."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional

from forecast_cli.registry import require

if TYPE_CHECKING:
    import numpy as np

SPLIT_BY_TIME = "time"  # each series is cut chronologically into train/val/test
SPLIT_BY_SERIES = "series"  # whole series go to train, val or test (many short series)
SCALERS = ("standard", "minmax", "none")
# tutorial: windows inside each split; ltsf (Time-Series-Library): validation and test windows look
# back into the previous split, so that their first target is the split's first row
PROTOCOLS = ("tutorial", "ltsf")


@dataclass
class SplitConfig:
    """Chronological fractions; the test split gets the rest (tutorial: 70/20/10, ltsf: 7:1:2)."""

    protocol: str = "tutorial"
    train: float = 0.7
    val: float = 0.2
    # ltsf only: fixed [train, val, test] row counts from the first row (ETTh: 12/4/4 months of 720
    # hours); rows after them are unused. null: the fractions.
    rows: Optional[List[int]] = None

    def __post_init__(self) -> None:
        require(self.protocol in PROTOCOLS, "data.split.protocol", f"must be one of {', '.join(PROTOCOLS)}, got '{self.protocol}'")
        require(
            self.rows is None or (len(self.rows) == 3 and all(r >= 1 for r in self.rows)),
            "data.split.rows",
            f"must be null or [train, val, test] row counts >= 1, got {self.rows}",
        )
        require(self.rows is None or self.protocol == "ltsf", "data.split.rows", "needs data.split.protocol=ltsf")
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

    segments: "List[np.ndarray]"  # each [time, features], float64
    columns: List[str]
    targets: List[str]
    split_by: str
    source: str
    sha256: str

    @property
    def n_rows(self) -> int:
        return int(sum(len(s) for s in self.segments))
