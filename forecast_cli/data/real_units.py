"""Forecasts back in real units (the scaler inverted). `forecast.csv`: the forecast of the last test
window, as the airline article's 12-month forecast in passengers, and a readable check of any run.
`LabelUnscaler`: labels and model outputs in real units, for the real-unit metrics."""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from forecast_cli.data.scaling import Scaler
from forecast_cli.data.series import SPLIT_BY_SERIES
from forecast_cli.data.window import WindowSpec


@dataclass(frozen=True)
class LabelUnscaler:
    """Scaled [batch, label_width, n_outputs] labels or outputs -> [batch, label_width, steps_ahead,
    n_labels] in real units. Output j belongs to label column j % n_labels (WindowSpec.n_outputs)."""

    scaler: Scaler
    spec: WindowSpec

    @property
    def columns(self) -> Tuple[str, ...]:
        return self.spec.label_columns

    def __call__(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        by_column = values.reshape(*values.shape[:-1], self.spec.steps_ahead, self.spec.n_labels)
        return self.scaler.inverse_transform(by_column, self.spec.label_columns)


def last_test_forecast(model, prepared) -> Optional[List[Dict[str, Any]]]:
    """One row per label step: its row in the data (where the data is one series cut by time), and
    the actual and forecast value of each label column. None when a step holds several values ahead."""
    spec = prepared.spec
    if spec.steps_ahead != 1:
        return None
    split = prepared.splits["test"]
    start = int(split.starts[-1])
    window = split.values[start : start + spec.total_width]  # [total_width, columns], scaled
    inputs = window[: spec.input_width][:, spec.input_indices][None]  # [1, input_width, n_features]
    labels = window[spec.label_start : spec.label_start + spec.label_width][:, spec.label_indices]
    predicted = np.asarray(model(inputs, training=False))[0]  # [label_width, n_labels]
    actual = prepared.scaler.inverse_transform(labels.astype(np.float64), spec.label_columns)
    forecast = prepared.scaler.inverse_transform(predicted.astype(np.float64), spec.label_columns)
    by_time = prepared.series.split_by != SPLIT_BY_SERIES and len(prepared.series.segments) == 1
    first_row = prepared.split_ranges["test"][0] + start + spec.label_start if by_time else None
    rows = []
    for step in range(spec.label_width):
        row: Dict[str, Any] = {"step": step + 1, "row": None if first_row is None else first_row + step}
        for j, column in enumerate(spec.label_columns):
            row[f"{column}_actual"] = float(actual[step, j])
            row[f"{column}_forecast"] = float(forecast[step, j])
        rows.append(row)
    return rows
