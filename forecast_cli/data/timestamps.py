"""The timestamps of a series: the frequency they step by (inferred at training and recorded in
run.json) and the timestamps that continue them past the end of the data."""

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


CALENDAR_MONTHS = ((28, 31, 1), (89, 92, 3), (365, 366, 12))  # days of a step -> months


def infer_frequency(dates: "np.ndarray") -> Optional[str]:
    """A pandas offset alias ('h', 'D', 'MS', '3MS', 'ME', '10min', ...): pandas' own inference on
    regular dates, else the most common step, so that a file with a few missing rows keeps its
    frequency (hourly stays 'h', daily 'D', months on the 1st 'MS' however long each month is)."""
    import pandas as pd

    index = pd.DatetimeIndex(dates)
    if len(index) < 2:
        return None
    frequency = pd.infer_freq(index) if len(index) >= 3 else None
    if frequency is not None:
        return frequency
    step = pd.Series(index[1:] - index[:-1]).mode().iloc[0]
    for low, high, months in CALENDAR_MONTHS:
        if pd.Timedelta(days=low) <= step <= pd.Timedelta(days=high):
            prefix = "" if months == 1 else str(months)
            if (index.day == 1).all():
                return f"{prefix}MS"
            if index.is_month_end.all():
                return f"{prefix}ME"
    if step >= pd.Timedelta(days=1) and step % pd.Timedelta(days=1) == pd.Timedelta(0):
        days = step // pd.Timedelta(days=1)
        return "D" if days == 1 else f"{days}D"
    return pd.tseries.frequencies.to_offset(step).freqstr


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
    for prefixes, per_year in ((("B",), 5), (("W",), 52), (("M", "SM", "BM", "CBM"), 12), (("Q", "BQ"), 4)):
        if any(name.startswith(p) for p in prefixes):
            return per_year // offset.n if per_year % offset.n == 0 else 1
    return 1
