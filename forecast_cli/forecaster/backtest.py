"""Historical forecasts of a saved model (no refit), for one series or ten thousand: from every origin of a
split (`stride` rows apart within each series, `input_width` rows before each and `horizon` actual rows
from it), exactly as a forecast past the data would be made then (recursively beyond the model's direct
steps, calendar columns from the data's own rows), each series unscaled with its own scaling.

Scored with the one vocabulary of evaluation/: the split's figures (the means over series, by_series.py),
and the values pooled overall, per horizon step and per label column (scaled MAE/MSE/RMSE; real MAE, RMSE,
MAPE, sMAPE and MASE, each value scaled by its series' in-sample naive error, the rows before the split).
"""

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence, Tuple

import numpy as np

from forecast_cli.data.panel import series_positions_of_windows
from forecast_cli.errors import ForecastError
from forecast_cli.evaluation.by_series import SeriesScores, series_rows, summarize
from forecast_cli.evaluation.point import point_metrics
from forecast_cli.evaluation.score import mase_scales
from forecast_cli.evaluation.seasonal import naive_source_rows
from forecast_cli.forecaster.engine import forecast_windows
from forecast_cli.forecaster.finite import require_finite_forecast
from forecast_cli.forecaster.plan import ForecastPlan


@dataclass
class Backtest:
    split: str
    columns: List[str]  # the label columns
    # [origins]: the first row forecast from each origin, in the split's values (the forecast is made after
    # the row before it, which backtest.csv names as the origin), its series (a position in the data's
    # series) and that row in its series
    origins: np.ndarray
    series: np.ndarray
    origin_rows: np.ndarray
    # [origins, horizon, n_labels]: scaled as the model sees them, and in real units (the actual values
    # and the seasonal naive read from the data's own rows)
    forecast_scaled: np.ndarray
    actual_scaled: np.ndarray
    forecast: np.ndarray
    actual: np.ndarray
    naive: np.ndarray

    @property
    def horizon(self) -> int:
        return self.forecast.shape[1]

    @property
    def label_rows(self) -> np.ndarray:
        """[origins, horizon]: the rows forecast, in their series."""
        return self.origin_rows[:, None] + np.arange(self.horizon)


def origins_of(lengths: Sequence[int], input_width: int, horizon: int, stride: int) -> np.ndarray:
    """Every row where a forecast can start with `input_width` rows before it and `horizon` actual rows
    from it, inside one series, `stride` apart from the first of each series."""
    origins, offset = [], 0
    for length in lengths:
        first, last = offset + input_width, offset + length - horizon
        if last >= first:
            origins.append(np.arange(first, last + 1, stride, dtype=np.int64))
        offset += length
    return np.concatenate(origins) if origins else np.zeros(0, dtype=np.int64)


def run_backtest(forward: Callable[[np.ndarray], np.ndarray], plan: ForecastPlan, prepared, split: str, horizon: int, stride: int) -> Backtest:
    """Forecasts of `split` from every origin (forward: scaled inputs -> scaled outputs)."""
    spec = plan.spec
    part = prepared.splits[split]
    origins = origins_of(part.lengths, spec.input_width, horizon, stride)
    if len(origins) == 0:
        raise ForecastError(
            f"no series of the {split} split has {spec.input_width} rows before an origin and {horizon} after it: "
            "lower horizon, or use a longer split"
        )
    values = part.values
    windows = values[origins[:, None] + np.arange(-spec.input_width, 0)]  # [origins, input_width, columns]
    derived = [spec.columns.index(c) for c in plan.derived_columns if c in spec.columns]

    def derived_future(first: int, count: int) -> np.ndarray:
        return values[origins[:, None] + np.arange(first, first + count)][:, :, derived]

    forecast_scaled = forecast_windows(forward, plan, windows, horizon, derived_future if derived else None).astype(np.float64)
    segment, row_in_segment = series_positions_of_windows(origins, part.lengths)
    series = part.series[segment]
    forecast = prepared.to_real(forecast_scaled, series, spec.label_columns)
    require_finite_forecast(forecast, spec.label_columns, f"the backtest's forecast of the {split} split")
    origin_rows = part.first_rows[segment] + row_in_segment
    label_rows = origin_rows[:, None] + np.arange(horizon)
    labels = list(spec.label_indices)
    return Backtest(
        split=split,
        columns=list(spec.label_columns),
        origins=origins,
        series=series,
        origin_rows=origin_rows,
        forecast_scaled=forecast_scaled,
        actual_scaled=values[origins[:, None] + np.arange(horizon)][:, :, labels].astype(np.float64),
        forecast=forecast,
        actual=prepared.raw_labels(series, label_rows),
        naive=prepared.raw_labels(series, naive_source_rows(label_rows, origin_rows, prepared.season)),
    )


def score_backtest(backtest: Backtest, prepared) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """The split's figures (means over series: SERIES_METRICS, OWA, per column), then the values pooled:
    `scaled` and `real` overall, `by_step` and `by_column`; and one row per series with origins
    (metrics_by_series.csv)."""
    scales = mase_scales(prepared, backtest.split)  # [series, n_labels]
    scores = SeriesScores(len(prepared.series.segments), len(backtest.columns))
    scores.update(backtest.actual, backtest.forecast, backtest.naive, backtest.series, scales)
    value_scales = np.broadcast_to(scales[backtest.series][:, None, :], backtest.actual.shape)
    a, f, sa, sf = backtest.actual, backtest.forecast, backtest.actual_scaled, backtest.forecast_scaled

    def real(part):
        figures = point_metrics(a[part], f[part])
        scaled_errors = np.abs(f[part] - a[part]) / value_scales[part]
        defined = scaled_errors[np.isfinite(scaled_errors)]
        figures["mase"] = float(defined.mean()) if defined.size else float("nan")
        return figures

    def scaled(part):
        error = sf[part] - sa[part]
        mse = float(np.mean(error**2))
        return {"mae": float(np.mean(np.abs(error))), "mse": mse, "rmse": float(np.sqrt(mse))}

    every = (slice(None),)
    metrics = {
        **summarize(scores, backtest.columns, over_series=not prepared.whole_series_split),
        "scaled": scaled(every),
        "real": real(every),
        "by_step": [
            {"step": h + 1, "scaled": scaled((slice(None), h)), "real": real((slice(None), h))} for h in range(backtest.horizon)
        ],
        "by_column": {
            column: {"scaled": scaled((Ellipsis, j)), "real": real((Ellipsis, j))} for j, column in enumerate(backtest.columns)
        },
    }
    return metrics, series_rows(prepared.series.ids, scores, split=backtest.split)


def backtest_frame(backtest: Backtest, prepared):
    """One row per origin, step and label column (long format), real units: id, origin (the last row observed),
    timestamp (or row: the row in its series) of the row forecast, step, column, actual, forecast."""
    import pandas as pd

    from forecast_cli.data.timestamps import format_timestamps

    horizon = backtest.horizon
    series = np.repeat(backtest.series, horizon)
    rows = backtest.label_rows.reshape(-1)
    origin = np.repeat(backtest.origin_rows - 1, horizon)
    frame = pd.DataFrame({"id": np.asarray(prepared.series.ids, dtype=object)[series]})
    stamps = prepared.series.timestamps
    if stamps is not None:
        frame["origin"] = format_timestamps([stamps[s][r] for s, r in zip(series, origin)])
        frame["timestamp"] = format_timestamps([stamps[s][r] for s, r in zip(series, rows)])
    else:
        frame["origin"], frame["row"] = origin, rows
    frame["step"] = np.tile(np.arange(1, horizon + 1), len(backtest.origins))
    parts = [
        frame.assign(column=c, actual=backtest.actual[:, :, j].reshape(-1), forecast=backtest.forecast[:, :, j].reshape(-1))
        for j, c in enumerate(backtest.columns)
    ]
    return pd.concat(parts, ignore_index=True)
