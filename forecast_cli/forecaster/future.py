"""A forecast past the end of every series of the data (one or ten thousand), in real units: each series'
last `input_width` rows, scaled with its own scaling group, forecast (directly, or recursively beyond the
model's direct steps, with calendar columns computed for each series' future timestamps), and unscaled.

`forecast_origins` checks what can be checked without a model (which series can be continued, their last
rows, their timestamps and frequency), so that a refused forecast costs one line before TensorFlow loads.
"""

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

import numpy as np

from forecast_cli.data.panel import subset
from forecast_cli.data.scaling import Scaler
from forecast_cli.data.series import SeriesData
from forecast_cli.data.series_index import append_window_index, has_series_index
from forecast_cli.data.timestamps import future_timestamps, infer_frequency
from forecast_cli.errors import ForecastError
from forecast_cli.forecaster.engine import forecast_windows
from forecast_cli.forecaster.plan import ForecastPlan


@dataclass
class Origins:
    """The series a forecast continues from their last rows, and why the others are left out."""

    series: SeriesData  # the series continued, in the data's order
    groups: np.ndarray  # [series] each one's scaling group (its row in a per-series scaler)
    future: Optional[List[object]]  # per series, the DatetimeIndex of its forecast steps; None: undated
    frequency: Optional[str]
    left_out: Dict[str, List[str]]  # why -> ids of the series not forecast


@dataclass
class Prediction:
    origins: Origins
    values: np.ndarray  # [series, horizon, n_labels], real units
    label_columns: List[str]
    method: str  # direct | recursive
    direct_steps: int

    @property
    def ids(self) -> List[str]:
        return list(self.origins.series.ids)


def forecast_origins(
    series: SeriesData, scaler: Scaler, input_width: int, horizon: int, recorded_frequency: Optional[str]
) -> Origins:
    """The series of `series` a forecast of `horizon` steps can continue: every one the scaler knows with at
    least `input_width` rows. A ForecastError when none can be, or when the rows a kept series' forecast
    starts from are not finite or their timestamps do not increase."""
    ids = list(series.ids)
    known = [scaler.knows(name) for name in ids]
    unknown = [name for name, ok in zip(ids, known) if not ok]
    short = [name for name, ok, s in zip(ids, known, series.segments) if ok and len(s) < input_width]
    kept = [i for i, ok in enumerate(known) if ok and len(series.segments[i]) >= input_width]
    if not kept:
        raise ForecastError(_none_forecastable(series, unknown, short, input_width))
    continued = subset(series, kept) if len(kept) < len(ids) else series
    for name, values in zip(continued.ids, continued.segments):
        bad = ~np.isfinite(values[-input_width:])
        if bad.any():
            row, column = (int(i) for i in np.argwhere(bad)[0])
            raise ForecastError(
                f"series '{name}': the last {input_width} rows, which the forecast starts from, hold a missing or "
                f"infinite value (row {len(values) - input_width + row}, column '{continued.columns[column]}'): "
                "clean the file or set data.missing=ffill|interpolate|drop"
            )
    frequency, future = None, None
    if continued.timestamps is not None:
        for name, dates in zip(continued.ids, continued.timestamps):
            if not (np.diff(dates[-input_width:]) > np.timedelta64(0)).all():
                raise ForecastError(
                    f"series '{name}': the timestamps of the last {input_width} rows, which the forecast starts from, "
                    "do not increase: sort the file by date and remove duplicated timestamps"
                )
        frequency = recorded_frequency or continued.frequency or infer_frequency(continued.timestamps[0])
        if frequency is None:
            raise ForecastError("cannot tell the data's frequency from its timestamps: give series of at least two rows")
        future = [future_timestamps(dates[-1], frequency, horizon) for dates in continued.timestamps]
    left_out = {why: group for why, group in (("not_in_run", unknown), ("shorter_than_input", short)) if group}
    return Origins(continued, scaler.positions(continued.ids), future, frequency, left_out)


def _none_forecastable(series: SeriesData, unknown: List[str], short: List[str], input_width: int) -> str:
    if short:
        rows = len(series.segments[list(series.ids).index(short[0])])
        first = f"series '{short[0]}' has {rows} rows" if len(series.ids) > 1 else f"the data has {rows} rows"
        more = f" (and {len(short) - 1} more series)" if len(short) > 1 else ""
        unknown_too = f"; {len(unknown)} more are not among the run's series" if unknown else ""
        return (
            f"{first}, fewer than the run's window.input_width ({input_width}){more}{unknown_too}: "
            "give at least that many rows"
        )
    return (
        f"none of the data's {len(series.ids)} series are among the run's series (series_scaler.json; first: "
        f"'{unknown[0]}'): the run scales each series by its own training statistics, so it can only forecast "
        "the series it was trained on"
    )


def predict_series(
    forward: Callable[[np.ndarray], np.ndarray],
    scaler: Scaler,
    plan: ForecastPlan,
    origins: Origins,
    horizon: int,
    time_features=None,
) -> Prediction:
    """`horizon` steps past the end of every series of `origins`, in real units. `time_features`: the
    loader's function from timestamps to its derived columns (SeriesData.time_features)."""
    spec = plan.spec
    recursive = plan.check_horizon(horizon)
    windows = np.stack([values[-spec.input_width :] for values in origins.series.segments])  # raw
    scaled = scaler.transform(windows, groups=origins.groups).astype(np.float32)  # [series, input_width, columns]
    if has_series_index(spec):
        scaled = append_window_index(scaled, origins.groups)
    derived = _derived_future(plan, scaler, origins, time_features)
    forecast = forecast_windows(forward, plan, scaled, horizon, derived).astype(np.float64)
    return Prediction(
        origins=origins,
        values=scaler.inverse_transform(forecast, spec.label_columns, origins.groups),
        label_columns=list(spec.label_columns),
        method="recursive" if recursive else "direct",
        direct_steps=plan.direct_steps,
    )


def _derived_future(plan: ForecastPlan, scaler: Scaler, origins: Origins, time_features):
    """The scaled calendar columns [series, count, n_derived] of future steps [first, first + count) of every
    series, from its own future timestamps."""
    derived = [c for c in plan.derived_columns if c in plan.spec.columns]
    if not derived or origins.future is None or time_features is None:
        return None

    def values(first: int, count: int) -> np.ndarray:
        blocks = []
        for future in origins.future:
            raw = time_features(future[first : first + count])
            blocks.append(np.stack([raw[c] for c in derived], axis=1))  # [count, n_derived]
        return scaler.transform(np.stack(blocks), derived, origins.groups).astype(np.float32)

    return values


def prediction_frame(prediction: Prediction):
    """predictions.csv: one row per (series, step): id, timestamp (dated data), step, one column per label
    (written to the 7 significant digits a float32 holds)."""
    import pandas as pd

    from forecast_cli.data.timestamps import format_timestamps

    count, horizon = prediction.values.shape[:2]
    frame = pd.DataFrame({"id": np.repeat(np.asarray(prediction.ids, dtype=object), horizon)})
    if prediction.origins.future is not None:
        frame["timestamp"] = [text for index in prediction.origins.future for text in format_timestamps(index)]
    frame["step"] = np.tile(np.arange(1, horizon + 1), count)
    for j, column in enumerate(prediction.label_columns):
        frame[column] = prediction.values[:, :, j].reshape(-1)
    return frame
