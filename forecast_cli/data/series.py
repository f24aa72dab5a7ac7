"""What every data loader returns: validated numeric series, before splitting and scaling."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, List

if TYPE_CHECKING:
    import numpy as np

SPLIT_BY_TIME = "time"  # each series is cut chronologically into train/val/test
SPLIT_BY_SERIES = "series"  # whole series go to train, val or test (many short series)


@dataclass
class SeriesData:
    segments: "List[np.ndarray]"  # each [time, features], float64
    columns: List[str]
    targets: List[str]
    split_by: str
    source: str
    sha256: str

    @property
    def n_rows(self) -> int:
        return int(sum(len(s) for s in self.segments))
