"""The timestamps of a series: the frequency they step by (inferred at training and recorded in
run.json) and the timestamps that continue them past the end of the data."""

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def infer_frequency(dates: "np.ndarray") -> Optional[str]:
    """A pandas offset alias ('h', 'D', 'MS', '10min', ...): pandas' own inference on regular dates,
    else the most common step (an hourly file with a few missing hours is still hourly)."""
    import pandas as pd

    index = pd.DatetimeIndex(dates)
    if len(index) < 2:
        return None
    frequency = pd.infer_freq(index) if len(index) >= 3 else None
    if frequency is None:
        steps = pd.Series(index[1:] - index[:-1])
        frequency = pd.tseries.frequencies.to_offset(steps.mode().iloc[0]).freqstr
    return frequency


def future_timestamps(last, frequency: str, steps: int) -> "pd.DatetimeIndex":
    """The `steps` timestamps after `last`, one `frequency` apart (calendar-aware: 'MS' steps by month)."""
    import pandas as pd

    offset = pd.tseries.frequencies.to_offset(frequency)
    start = pd.Timestamp(last)
    return pd.DatetimeIndex([start + offset * k for k in range(1, steps + 1)])


def format_timestamps(index: "pd.DatetimeIndex") -> list:
    """ISO text without the parts that are always zero: 1961-01-01, 2016-12-31 23:00, 2016-12-31 23:00:30."""
    import pandas as pd

    index = pd.DatetimeIndex(index)
    if (index == index.normalize()).all():
        return [t.strftime("%Y-%m-%d") for t in index]
    if (index.second == 0).all() and (index.microsecond == 0).all():
        return [t.strftime("%Y-%m-%d %H:%M") for t in index]
    return [t.isoformat(sep=" ") for t in index]


def seasonal_period(frequency: Optional[str]) -> int:
    """The season of a frequency for seasonal-naive baselines (MASE): a day of hours or of minutes, a
    week of days, a year of months or quarters; 1 when unknown."""
    import pandas as pd

    if not frequency:
        return 1
    offset = pd.tseries.frequencies.to_offset(frequency)
    if isinstance(offset, pd.offsets.Tick):
        step = pd.Timedelta(offset)
        day = pd.Timedelta(days=1)
        if step < day and day % step == pd.Timedelta(0):
            return int(day / step)
        return 7 if step == day else 1
    name = offset.name.split("-")[0]
    if name == "D" and offset.n == 1:
        return 7
    for prefixes, season in ((("B",), 5), (("W",), 52), (("M", "SM", "BM", "CBM"), 12), (("Q", "BQ"), 4)):
        if any(name.startswith(p) for p in prefixes):
            return season
    return 1
