"""The options every data config shares, and the series of one file cut by time."""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

from omegaconf import MISSING

from forecast_cli.data.calendar import CALENDARS
from forecast_cli.data.scaling import SCALERS
from forecast_cli.data.series import SPLIT_BY_TIME, SeriesData
from forecast_cli.data.split import SplitConfig
from forecast_cli.errors import require
from forecast_cli.run.provenance import sha256_file

if TYPE_CHECKING:
    import numpy as np


@dataclass
class DataConfig:
    name: str = MISSING
    scaler: str = MISSING
    scaler_range: List[float] = MISSING
    split: SplitConfig = MISSING
    # calendar columns computed from the timestamps, appended to the inputs (data/calendar.py): null or
    # timef (Time-Series-Library's encoding); calendar_frequency: the step they encode (null: the data's)
    calendar: Optional[str] = MISSING
    calendar_frequency: Optional[str] = MISSING

    def __post_init__(self) -> None:
        require(
            self.calendar is None or self.calendar in CALENDARS,
            "data.calendar",
            f"must be null or one of {', '.join(CALENDARS)}, got '{self.calendar}'",
        )
        require(self.scaler in SCALERS, "data.scaler", f"must be one of {', '.join(SCALERS)}, got '{self.scaler}'")
        require(
            len(self.scaler_range) == 2 and self.scaler_range[0] < self.scaler_range[1],
            "data.scaler_range",
            f"must be [low, high] with low < high, got {list(self.scaler_range)}",
        )


def file_series(
    path: Path, values: "np.ndarray", columns: List[str], targets: List[str], dates: "Optional[np.ndarray]", **extra
) -> SeriesData:
    """One series read from `path` (its absolute path and sha256 recorded), split by time."""
    return SeriesData(
        segments=[values],
        columns=list(columns),
        targets=list(targets),
        split_by=SPLIT_BY_TIME,
        source=str(Path(path).resolve()),
        sha256=sha256_file(path),
        timestamps=None if dates is None else [dates],
        ids=[Path(path).name.split(".")[0] or "series"],
        **extra,
    )
