"""Forecasts of a global model from many origins of many series, in real units: a backtest's (every origin of a
split, scored per series) and `forecast predict`'s (past the end of every series).

Actual values are read from the loaded series themselves, forecasts are unscaled with their own series'
scaling, and the seasonal naive of OWA comes from the same rows of the same series.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import numpy as np

from forecast_cli.data.series_index import append_window_index, has_series_index
from forecast_cli.errors import ForecastError


@dataclass
class PanelPrediction:
    ids: List[str]  # the series forecast
    timestamps: Optional[List[Any]]  # per series, the DatetimeIndex of its forecast steps; None: undated
    values: np.ndarray  # [series, horizon, n_labels] real units
    label_columns: List[str]
    left_out: Dict[str, List[str]]  # why -> ids of the series not forecast
    method: str
    direct_steps: int


def predict_panel(forward, plan, series_data, scaler, series_scaler, horizon: int, frequency: Optional[str]) -> PanelPrediction:
    """`horizon` steps past the end of every series of a panel (its own scaling, or the run's global one),
    in real units. A series shorter than the input window, or (scaled per series) not in the run's
    series_scaler.json, is left out and listed."""
    from forecast_cli.data.timestamps import future_timestamps
    from forecast_cli.forecaster.engine import forecast_windows

    spec = plan.spec
    recursive = plan.check_horizon(horizon)
    ids = list(series_data.ids)
    known = set(series_scaler.ids) if series_scaler is not None else set(ids)
    unknown = [name for name in ids if name not in known]
    short = [name for name, s in zip(ids, series_data.segments) if len(s) < spec.input_width and name in known]
    kept = [i for i, name in enumerate(ids) if name in known and len(series_data.segments[i]) >= spec.input_width]
    if not kept:
        raise ForecastError(
            f"none of the {len(ids)} series can be forecast: {len(unknown)} are not among the run's series "
            f"(series_scaler.json) and {len(short)} have fewer rows than window.input_width ({spec.input_width})"
        )
    timestamps = None
    if series_data.timestamps is not None:
        if frequency is None:
            raise ForecastError("cannot tell the data's frequency from its timestamps: give series of at least two rows")
        timestamps = [future_timestamps(series_data.timestamps[i][-1], frequency, horizon) for i in kept]
    windows = np.stack([series_data.segments[i][-spec.input_width :] for i in kept])  # [series, input_width, columns], raw
    bad = ~np.isfinite(windows)
    if bad.any():
        position = int(np.argwhere(bad)[0][0])
        raise ForecastError(
            f"series '{ids[kept[position]]}': its last {spec.input_width} rows, which the forecast starts from, hold a "
            "missing or infinite value; clean the file or set data.missing=ffill|interpolate|drop"
        )
    if series_scaler is not None:
        at = series_scaler.positions([ids[i] for i in kept])
        scaled = (windows - series_scaler.offset[at][:, None, :]) / series_scaler.scale[at][:, None, :]
        if has_series_index(spec):
            scaled = append_window_index(scaled, at)
        values = forecast_windows(forward, plan, scaled.astype(np.float32), horizon).astype(np.float64)
        values = series_scaler.inverse_rows(values, at, spec.label_columns)
    else:
        scaled = scaler.transform(windows).astype(np.float32)
        values = scaler.inverse_transform(forecast_windows(forward, plan, scaled, horizon).astype(np.float64), spec.label_columns)
    return PanelPrediction(
        ids=[ids[i] for i in kept],
        timestamps=timestamps,
        values=values,
        label_columns=list(spec.label_columns),
        left_out={name: group for name, group in (("not_in_run", unknown), ("shorter_than_input", short)) if group},
        method="recursive" if recursive else "direct",
        direct_steps=plan.direct_steps,
    )


def prediction_frame(prediction: PanelPrediction):
    """One row per (series, step): id, timestamp (or step), one column per label, 7 significant digits."""
    import pandas as pd

    from forecast_cli.data.timestamps import format_timestamps

    horizon = prediction.values.shape[1]
    frame = pd.DataFrame({"id": np.repeat(prediction.ids, horizon)})
    if prediction.timestamps is not None:
        frame["timestamp"] = [text for index in prediction.timestamps for text in format_timestamps(index)]
    else:
        frame["step"] = np.tile(np.arange(1, horizon + 1), len(prediction.ids))
    for j, column in enumerate(prediction.label_columns):
        frame[column] = prediction.values[:, :, j].reshape(-1)
    return frame
