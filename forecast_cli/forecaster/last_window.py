"""`forecast.csv` and `forecast.png` of a run: the model's forecast of the last window of the test
split (of validation when the run trains on every row), in real units next to the actual values, as
the airline article's 12-month forecast in passengers, and a readable check of any run."""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import numpy as np

from forecast_cli.data.panel import series_positions_of_windows
from forecast_cli.data.real_units import readable
from forecast_cli.data.timestamps import format_timestamps


@dataclass
class WindowForecast:
    split: str
    columns: List[str]  # the label columns
    x_kind: str  # timestamp | row (of the one series) | position (in the window: many series)
    history_x: np.ndarray  # x of the window's input steps
    history: np.ndarray  # [input_width, n_labels] real units
    x: np.ndarray  # x of the label steps
    actual: np.ndarray  # [label_width, n_labels] real units
    forecast: np.ndarray  # [label_width, n_labels] real units

    def rows(self) -> List[Dict[str, Any]]:
        shown = format_timestamps(self.x) if self.x_kind == "timestamp" else [int(x) for x in self.x]
        rows = []
        for step, x in enumerate(shown):
            row: Dict[str, Any] = {"step": step + 1}
            if self.x_kind != "position":
                row[self.x_kind] = x
            for j, column in enumerate(self.columns):
                row[f"{column}_actual"] = readable(self.actual[step, j])
                row[f"{column}_forecast"] = readable(self.forecast[step, j])
            rows.append(row)
        return rows


def last_window_forecast(model, prepared) -> Optional[WindowForecast]:
    """The last window of the test split (else validation): inputs, actual and forecast label steps.
    None when a label step holds several values ahead (steps_ahead > 1)."""
    spec = prepared.spec
    if spec.steps_ahead != 1:
        return None
    name = "test" if prepared.has_test else "val"
    split = prepared.splits[name]
    start = int(split.starts[-1])
    window = split.values[start : start + spec.total_width]  # [total_width, columns], scaled
    inputs = window[: spec.input_width][:, spec.input_indices][None]  # [1, input_width, n_features]
    labels = window[spec.label_start : spec.label_start + spec.label_width][:, spec.label_indices]
    predicted = np.asarray(model(inputs, training=False))[0]  # [label_width, n_labels]
    (segment,), _ = series_positions_of_windows(np.array([start]), split.lengths)
    series = split.series[[segment]]

    def inverse(values, columns):  # with the window's own series' scaling
        return prepared.to_real(values[None], series, columns)[0]

    past = window[: spec.input_width][:, spec.label_indices].astype(np.float64)
    kind, x = _window_x(prepared, name, start, spec.total_width)
    return WindowForecast(
        split=name,
        columns=list(spec.label_columns),
        x_kind=kind,
        history_x=x[: spec.input_width],
        history=inverse(past, spec.label_columns),
        x=x[spec.label_start : spec.label_start + spec.label_width],
        actual=inverse(labels.astype(np.float64), spec.label_columns),
        forecast=inverse(predicted.astype(np.float64), spec.label_columns),
    )


def _window_x(prepared, split: str, start: int, width: int):
    """(kind, x) of the `width` rows of a split's window from `start`: their timestamps, else their
    rows in the series (one series cut by time), else their positions in the window."""
    timestamps = prepared.splits[split].timestamps
    if timestamps is not None:
        return "timestamp", timestamps[start : start + width]
    if prepared.single_series_by_time:
        first = prepared.split_ranges[split][0] + start
        return "row", np.arange(first, first + width)
    return "position", np.arange(width)
