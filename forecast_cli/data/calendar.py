"""Calendar columns computed from a series' timestamps (`data.calendar`), known for future steps too.

`timef` is Time-Series-Library's `timeF` encoding, the marks its models (iTransformer's variate tokens,
the Informer family's temporal embedding) see next to the data: which calendar fields depend on the step
(hourly data: hour of day, day of week, day of month, day of year), each mapped onto [-0.5, 0.5] as
`utils/timefeatures.py` does it. The columns are appended after the data's own and left unscaled
(SeriesData.unscaled): the scaler and RevIN pass them through, as TSLib normalizes only the data.
"""

import dataclasses
from typing import TYPE_CHECKING, Callable, Dict, Optional, Tuple

from forecast_cli.data.series import SeriesData
from forecast_cli.errors import ForecastError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CALENDARS = ("timef",)

# name -> (the timestamp field, its first value, its last value): (field - first) / (last - first) - 0.5
TIMEF_FIELDS: Dict[str, Tuple[str, int, int]] = {
    "second_of_minute": ("second", 0, 59),
    "minute_of_hour": ("minute", 0, 59),
    "hour_of_day": ("hour", 0, 23),
    "day_of_week": ("dayofweek", 0, 6),
    "day_of_month": ("day", 1, 31),
    "day_of_year": ("dayofyear", 1, 366),
    "month_of_year": ("month", 1, 12),
    "week_of_year": ("week", 1, 53),
}
DAILY = ("day_of_week", "day_of_month", "day_of_year")
HOURLY = ("hour_of_day",) + DAILY


def timef_columns(frequency: str) -> Tuple[str, ...]:
    """The fields `timef` encodes for data stepping by `frequency` (a pandas offset alias), finest first."""
    import pandas as pd

    offsets = pd.offsets
    try:
        offset = pd.tseries.frequencies.to_offset(frequency)
    except ValueError:
        raise ForecastError(
            f"data.calendar_frequency='{frequency}' is not a pandas frequency: use h, 15min, D, W, MS, ..."
        ) from None
    by_type = (
        ((offsets.YearBegin, offsets.YearEnd, offsets.BYearBegin, offsets.BYearEnd), ()),
        ((offsets.QuarterBegin, offsets.QuarterEnd, offsets.MonthBegin, offsets.MonthEnd, offsets.BusinessMonthBegin,
          offsets.BusinessMonthEnd), ("month_of_year",)),
        ((offsets.Week,), ("day_of_month", "week_of_year")),
        ((offsets.Day, offsets.BusinessDay), DAILY),
        ((offsets.Hour,), HOURLY),
        ((offsets.Minute,), ("minute_of_hour",) + HOURLY),
        ((offsets.Second, offsets.Milli, offsets.Micro, offsets.Nano), ("second_of_minute", "minute_of_hour") + HOURLY),
    )
    for types, columns in by_type:
        if isinstance(offset, types):
            return columns
    raise ForecastError(f"data.calendar=timef does not know the frequency '{frequency}': set data.calendar_frequency (h, D, MS, ...)")


def timef_features(columns: Tuple[str, ...]) -> "Callable[[pd.DatetimeIndex], Dict[str, np.ndarray]]":
    """fn(timestamps) -> {column: values in [-0.5, 0.5]} for the given timef columns."""

    def features(timestamps) -> "Dict[str, np.ndarray]":
        import numpy as np
        import pandas as pd

        index = pd.DatetimeIndex(timestamps)
        out = {}
        for name in columns:
            field, first, last = TIMEF_FIELDS[name]
            raw = index.isocalendar().week.to_numpy() if field == "week" else getattr(index, field)
            out[name] = (np.asarray(raw, dtype=np.float64) - first) / (last - first) - 0.5
        return out

    return features


def with_calendar(series: SeriesData, kind: Optional[str], frequency: Optional[str]) -> SeriesData:
    """`series` with the calendar columns of `kind` appended to every segment (None: unchanged)."""
    import numpy as np

    from forecast_cli.data.timestamps import infer_frequency

    if kind is None:
        return series
    if series.timestamps is None:
        raise ForecastError(
            f"data.calendar={kind} computes columns from the timestamps, and {series.source} has none: "
            "give the data a date column (data.date_column for data=csv) or set data.calendar=null"
        )
    frequency = frequency or series.frequency or infer_frequency(series.timestamps[0])
    if frequency is None:
        raise ForecastError(f"data.calendar={kind} cannot tell the data's frequency: set data.calendar_frequency (h, D, MS, ...)")
    columns = timef_columns(frequency)
    if not columns:
        raise ForecastError(f"data.calendar={kind} has no calendar field finer than a year for frequency '{frequency}': set data.calendar=null")
    clash = [c for c in columns if c in series.columns]
    if clash:
        raise ForecastError(f"data.calendar={kind} adds columns {clash} that the data already has: rename them or set data.calendar=null")
    calendar = timef_features(columns)
    segments = [
        np.concatenate([values, np.stack(list(calendar(dates).values()), axis=1)], axis=1)
        for values, dates in zip(series.segments, series.timestamps)
    ]
    return dataclasses.replace(
        series,
        segments=segments,
        columns=list(series.columns) + list(columns),
        time_features=_joined(series.time_features, calendar),
        unscaled=list(series.unscaled) + list(columns),
    )


def _joined(first, second):
    """One function from timestamps to both functions' columns."""
    if first is None:
        return second
    return lambda timestamps: {**first(timestamps), **second(timestamps)}
