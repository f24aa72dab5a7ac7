"""What every data loader returns: validated numeric series, before splitting and scaling."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, List, Optional

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

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
    # per segment, datetime64 [time]; None: the data has no dates (forecasts are numbered by step)
    timestamps: "Optional[List[np.ndarray]]" = None
    # the columns a loader derives from the timestamps alone (the Jena time of day and of year),
    # computed for any timestamps: a recursive forecast knows them for future steps too
    time_features: "Optional[Callable[[pd.DatetimeIndex], Dict[str, np.ndarray]]]" = None
    # the name of every segment, one series each: a file's stem for the one series of a file, the panel's
    # ids column; none given: "0".."N-1" (generated series)
    ids: List[str] = field(default_factory=list)
    # what the data itself declares (a .tsf header's @horizon and @frequency; a panel's data.horizon,
    # data.season): None where it declares nothing
    horizon: Optional[int] = None
    season: Optional[int] = None
    frequency: Optional[str] = None  # a pandas offset alias; None: inferred from the timestamps
    # columns the scaler leaves as they are (data.calendar's, already in [-0.5, 0.5])
    unscaled: List[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.ids:
            self.ids = [str(i) for i in range(len(self.segments))]
        if len(self.ids) != len(self.segments):
            raise ValueError(f"{len(self.segments)} series but {len(self.ids)} ids")

    @property
    def n_rows(self) -> int:
        return int(sum(len(s) for s in self.segments))

    def derived_columns(self) -> List[str]:
        if self.time_features is None or self.timestamps is None:
            return []
        import pandas as pd

        return [c for c in self.time_features(pd.DatetimeIndex(self.timestamps[0][:1])) if c in self.columns]
