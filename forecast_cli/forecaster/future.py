"""A forecast past the end of one series, in real units: the last `input_width` rows, scaled with the
run's scaler, forecast (directly, or recursively beyond the model's direct steps, with calendar
columns computed for the future timestamps), and the scaling inverted."""

from dataclasses import dataclass
from typing import Callable, List, Optional

import numpy as np

from forecast_cli.data.scaling import Scaler
from forecast_cli.data.series import SPLIT_BY_SERIES, SeriesData
from forecast_cli.data.timestamps import future_timestamps, infer_frequency
from forecast_cli.errors import ForecastError
from forecast_cli.forecaster.engine import forecast_windows
from forecast_cli.forecaster.plan import ForecastPlan


@dataclass
class History:
    """The series a forecast continues: raw rows [rows, columns] and their timestamps (None: no dates)."""

    values: np.ndarray
    columns: List[str]
    timestamps: Optional[np.ndarray]
    frequency: Optional[str]


@dataclass
class Prediction:
    history: History
    timestamps: Optional["object"]  # pandas DatetimeIndex of the forecast steps; None: steps 1..horizon
    values: np.ndarray  # [horizon, n_labels], real units
    label_columns: List[str]
    method: str  # direct | recursive
    direct_steps: int


def series_history(series: SeriesData, input_width: int, recorded_frequency: Optional[str]) -> History:
    """The one series of the run's data (or of a newer file) that a forecast continues, checked."""
    if series.split_by == SPLIT_BY_SERIES or len(series.segments) != 1:
        raise ForecastError(
            f"the run's data holds {len(series.segments)} separate series (whole series were split for training): "
            "a forecast continues one series past its end; train on one long series (data=csv, jena, ett, ...)"
        )
    values = series.segments[0]
    if len(values) < input_width:
        raise ForecastError(
            f"the data has {len(values)} rows, fewer than the run's window.input_width ({input_width}): "
            "give at least that many rows"
        )
    dates = series.timestamps[0] if series.timestamps is not None else None
    if dates is not None and not (np.diff(dates[-input_width:]) > np.timedelta64(0)).all():
        raise ForecastError(
            f"the timestamps of the last {input_width} rows, which the forecast starts from, do not increase: "
            "sort the file by date and remove duplicated timestamps"
        )
    frequency = recorded_frequency or (infer_frequency(dates) if dates is not None else None)
    if dates is not None and frequency is None:
        raise ForecastError("cannot tell the data's frequency from its timestamps: give at least two rows")
    return History(values=values, columns=list(series.columns), timestamps=dates, frequency=frequency)


def future_of(history: History, horizon: int):
    """The DatetimeIndex of the `horizon` rows after `history` (None without dates); a ForecastError
    when they would leave the range of timestamps."""
    if history.timestamps is None:
        return None
    return future_timestamps(history.timestamps[-1], history.frequency, horizon)


def predict_future(
    forward: Callable[[np.ndarray], np.ndarray],
    scaler: Scaler,
    plan: ForecastPlan,
    history: History,
    horizon: int,
    time_features=None,
) -> Prediction:
    """`horizon` rows past the end of `history`, in real units. `time_features`: the loader's function
    from timestamps to its derived columns (SeriesData.time_features)."""
    spec = plan.spec
    recursive = plan.check_horizon(horizon)
    last = history.values[-spec.input_width :]
    bad = ~np.isfinite(last)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise ForecastError(
            f"the last {spec.input_width} rows, which the forecast starts from, hold a missing or infinite value "
            f"(row {len(history.values) - spec.input_width + row}, column '{history.columns[column]}'): clean the file "
            "or set data.missing=ffill|interpolate|drop"
        )
    future = future_of(history, horizon)
    window = scaler.transform(last)[None].astype(np.float32)  # [1, input_width, columns]
    scaled = forecast_windows(forward, plan, window, horizon, _derived_future(plan, scaler, future, time_features))
    values = scaler.inverse_transform(scaled[0].astype(np.float64), spec.label_columns)
    return Prediction(
        history=history,
        timestamps=future,
        values=values,
        label_columns=list(spec.label_columns),
        method="recursive" if recursive else "direct",
        direct_steps=plan.direct_steps,
    )


def _derived_future(plan: ForecastPlan, scaler: Scaler, future, time_features):
    """The scaled calendar columns of future steps [first, first + count), from their timestamps."""
    derived = [c for c in plan.derived_columns if c in plan.spec.columns]
    if not derived or future is None or time_features is None:
        return None

    def values(first: int, count: int) -> np.ndarray:
        raw = time_features(future[first : first + count])
        block = np.stack([raw[c] for c in derived], axis=1)  # [count, n_derived]
        return scaler.transform(block, derived)[None].astype(np.float32)

    return values
