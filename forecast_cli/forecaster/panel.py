"""A global model's forecasts of every window of a panel's split, in real units and scored per series
(`forecast train` and `forecast evaluate` on data=panel / data=tsf), and its forecasts past the end of
every series (`forecast predict`).

Actual values are read from the loaded series themselves (never unscaled back), forecasts are unscaled
with their own series' scaling, and the seasonal naive of OWA comes from the same rows of the same series.
"""

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from forecast_cli.data.panel import series_positions_of_windows
from forecast_cli.errors import ForecastError
from forecast_cli.forecaster.engine import CHUNK
from forecast_cli.metrics_competition import aggregate, mase_scale, naive_source_rows, score_series, series_rows


@dataclass
class SplitForecast:
    """Every window of one split: its series, the rows forecast (in that series), actual, forecast and the
    seasonal naive [windows, label_width, n_labels], real units."""

    split: str
    series: np.ndarray  # [windows] position of the window's series in prepared.series
    label_rows: np.ndarray  # [windows, label_width] rows of the series
    actual: np.ndarray
    forecast: np.ndarray
    naive: np.ndarray


def insample_end(prepared, split: str, series: int) -> int:
    """Rows of a series before the split's forecasts: the training rows for train and val, the rows
    before the test part for test (the Monash archive's MASE scale for the test)."""
    ranges = prepared.ranges[series]
    return ranges["val"][1] if split == "test" else ranges["train"][1]


def forecast_split(forward: Callable[[np.ndarray], np.ndarray], prepared, split: str) -> SplitForecast:
    """The model's forecast of every window of `split` (forward: scaled inputs -> scaled outputs)."""
    spec = prepared.spec
    if spec.steps_ahead != 1:
        raise ForecastError("per-series metrics need window.steps_ahead=1 (one value per label step)")
    part = prepared.splits[split]
    series, row_in_segment = series_positions_of_windows(part.starts, part.lengths)
    first = np.array([0 if split == "all" else r[split][0] for r in prepared.ranges], dtype=np.int64)
    window_rows = first[series] + row_in_segment  # row of the series where each window starts
    label_rows = window_rows[:, None] + spec.label_start + np.arange(spec.label_width)  # [windows, label_width]
    offsets = np.arange(spec.input_width)
    outputs = []
    for i in range(0, len(part.starts), CHUNK):
        starts = part.starts[i : i + CHUNK]
        inputs = part.values[starts[:, None] + offsets][:, :, spec.input_indices]  # [chunk, input_width, n_features]
        outputs.append(np.asarray(forward(inputs), dtype=np.float64))
    scaled = np.concatenate(outputs) if outputs else np.zeros((0, spec.label_width, spec.n_labels))
    forecast = prepared.to_real(scaled, series, spec.label_columns)
    raw, starts_of_series = _concatenated(prepared.series.segments)
    labels = list(spec.label_indices)
    actual = raw[starts_of_series[series][:, None] + label_rows][:, :, labels]
    origin = window_rows + spec.input_width  # first row the window does not observe
    naive_rows = naive_source_rows(label_rows, origin, prepared.season)
    naive = raw[starts_of_series[series][:, None] + naive_rows][:, :, labels]
    return SplitForecast(split, series, label_rows, actual, forecast, naive)


def _concatenated(segments) -> Tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(s) for s in segments], dtype=np.int64)
    return np.concatenate(segments).astype(np.float64), np.concatenate([[0], np.cumsum(lengths)[:-1]])


def mase_scales(prepared, split: str) -> np.ndarray:
    """[series, n_labels]: the in-sample seasonal-naive MAE of every series and label column."""
    labels = list(prepared.spec.label_indices)
    return np.array(
        [
            [mase_scale(segment[: insample_end(prepared, split, i), j], prepared.season) for j in labels]
            for i, segment in enumerate(prepared.series.segments)
        ]
    ).reshape(len(prepared.series.segments), len(labels))


def score_split(forward, prepared, split: str) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """The split's averages over series (real_mae, real_rmse, real_smape, mase, owa, naive_smape,
    naive_mase, series) and one row per series."""
    result = forecast_split(forward, prepared, split)
    n_series = len(prepared.series.segments)
    scores = score_series(result.actual, result.forecast, result.naive, result.series, mase_scales(prepared, split), n_series)
    return aggregate(scores), series_rows(prepared.series.ids, scores, split=split)


def score_splits(forward, prepared, splits) -> Tuple[Dict[str, float], List[Dict[str, Any]]]:
    """`split/metric` averages of every split and the per-series rows of all of them."""
    metrics: Dict[str, float] = {}
    rows: List[Dict[str, Any]] = []
    for split in splits:
        averages, per_series = score_split(forward, prepared, split)
        metrics.update({f"{split}/{name}": value for name, value in averages.items()})
        rows.extend(per_series)
    return metrics, rows


def last_windows(prepared, input_width: int, positions: Optional[np.ndarray] = None):
    """The last `input_width` raw rows of every series long enough: (their positions, [series, input_width,
    columns]) and the ids of the series too short (left out)."""
    segments = prepared.series.segments
    long_enough = [i for i, s in enumerate(segments) if len(s) >= input_width]
    short = [prepared.series.ids[i] for i, s in enumerate(segments) if len(s) < input_width]
    windows = np.stack([segments[i][-input_width:] for i in long_enough]) if long_enough else None
    return np.array(long_enough, dtype=np.int64), windows, short
