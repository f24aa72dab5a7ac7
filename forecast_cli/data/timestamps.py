"""The timestamps of a series: the frequency they step by (inferred at training and recorded in
run.json), the timestamps that continue them past the end of the data, and the range they must stay in.

Timestamps are datetime64[ns] end to end (pandas' default unit), which holds 1677-09-21 00:12:43 to
2262-04-11 23:47:16: a date outside that range is refused where it is read or forecast, since converting
it to nanoseconds would silently wrap it around (2300-01-01 became 1715-06-13)."""

from typing import TYPE_CHECKING, Callable, Optional

from forecast_cli.errors import ForecastError

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


def nanosecond_range() -> str:
    import pandas as pd

    return f"{pd.Timestamp.min:%Y-%m-%d %H:%M:%S} to {pd.Timestamp.max:%Y-%m-%d %H:%M:%S}"


def to_nanoseconds(dates, place: Callable[[int], str]) -> "np.ndarray":
    """`dates` (datetime64 of any unit, a Series or an index) as datetime64[ns]; a ForecastError naming
    `place(row)` of the first date outside the nanosecond range."""
    import numpy as np
    import pandas as pd

    index = pd.DatetimeIndex(dates)
    outside = np.flatnonzero((index < pd.Timestamp.min) | (index > pd.Timestamp.max))
    if len(outside):
        row = int(outside[0])
        raise ForecastError(
            f"{place(row)} is {index[row]}, the first of {len(outside)} dates outside the range this tool holds "
            f"({nanosecond_range()}, pandas' nanosecond timestamps): correct the dates or remove those rows"
        )
    return index.as_unit("ns").to_numpy()


def future_timestamps(last, frequency: str, steps: int) -> "pd.DatetimeIndex":
    """The `steps` timestamps after `last`, one `frequency` apart (calendar-aware: 'MS' steps by month);
    a ForecastError when the last of them would leave the nanosecond range."""
    import pandas as pd

    offset = pd.tseries.frequencies.to_offset(frequency)
    start = pd.Timestamp(last).as_unit("us")  # microseconds reach the year 294,000: no overflow while stepping
    try:
        end = start + offset * steps
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        end = None
    if end is None or end > pd.Timestamp.max:
        raise ForecastError(
            f"a forecast of {steps} steps of '{frequency}' after {pd.Timestamp(last)} would reach past "
            f"{pd.Timestamp.max:%Y-%m-%d %H:%M:%S}, the last date this tool holds ({nanosecond_range()}, pandas' "
            "nanosecond timestamps): lower horizon"
        )
    return pd.DatetimeIndex([start + offset * k for k in range(1, steps + 1)]).as_unit("ns")


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
