"""A global model's forecasts of every window of a panel's split, in real units and scored per series
(`forecast train` and `forecast evaluate` on data=panel / data=tsf), and its forecasts past the end of
every series (`forecast predict`).

Actual values are read from the loaded series themselves (never unscaled back), forecasts are unscaled
with their own series' scaling, and the seasonal naive of OWA comes from the same rows of the same series.
"""

from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import numpy as np

from forecast_cli.data.panel import series_positions_of_windows
from forecast_cli.data.series_index import append_window_index, has_series_index
from forecast_cli.errors import ForecastError
from forecast_cli.forecaster.engine import CHUNK
from forecast_cli.forecaster.finite import require_finite_forecast
from forecast_cli.metrics import MetricAccumulator
from forecast_cli.metrics_competition import SeriesScores, aggregate, mase_scale, naive_source_rows, series_rows


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
    # (labels, outputs) as the model sees them, scaled: the split's scaled metrics come from the same
    # forward pass as its real-unit ones (forecast_split only; a backtest scores real units)
    scaled: Optional[Tuple[np.ndarray, np.ndarray]] = None


def insample_end(prepared, split: str, series: int) -> int:
    """Rows of a series before the split's forecasts: the training rows for train and val, the rows
    before the test part for test (the Monash archive's MASE scale for the test)."""
    ranges = prepared.ranges[series]
    return ranges["val"][1] if split == "test" else ranges["train"][1]


def forecast_split(forward: Callable[[np.ndarray], np.ndarray], prepared, split: str) -> Iterator[SplitForecast]:
    """The model's forecast of every window of `split`, CHUNK windows at a time (forward: scaled inputs ->
    scaled outputs): memory holds the split's rows and one chunk of windows, never all of them."""
    spec = prepared.spec
    if spec.steps_ahead != 1:
        raise ForecastError("per-series metrics need window.steps_ahead=1 (one value per label step)")
    part = prepared.splits[split]
    first = np.array([0 if split == "all" else r[split][0] for r in prepared.ranges], dtype=np.int64)
    raw, starts_of_series = _concatenated(prepared.series.segments)
    labels = list(spec.label_indices)
    offsets = np.arange(spec.input_width)
    label_offsets = spec.label_start + np.arange(spec.label_width)
    for i in range(0, len(part.starts), CHUNK):
        starts = part.starts[i : i + CHUNK]
        series, row_in_segment = series_positions_of_windows(starts, part.lengths)
        window_rows = first[series] + row_in_segment  # row of the series where each window starts
        label_rows = window_rows[:, None] + label_offsets  # [chunk, label_width]
        inputs = part.values[starts[:, None] + offsets][:, :, spec.input_indices]  # [chunk, input_width, n_features]
        outputs = np.asarray(forward(inputs))
        scaled_labels = part.values[starts[:, None] + label_offsets][:, :, labels]
        forecast = prepared.to_real(outputs.astype(np.float64), series, spec.label_columns)
        require_finite_forecast(forecast, spec.label_columns, f"the model's forecast of the {split} windows")
        origin = window_rows + spec.input_width  # first row the window does not observe
        actual, naive = _actual_and_naive(raw, starts_of_series, series, label_rows, origin, labels, prepared.season)
        yield SplitForecast(split, series, label_rows, actual, forecast, naive, scaled=(scaled_labels, outputs))


def _concatenated(segments) -> Tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(s) for s in segments], dtype=np.int64)
    return np.concatenate(segments).astype(np.float64), np.concatenate([[0], np.cumsum(lengths)[:-1]])


def _actual_and_naive(raw, starts_of_series, series, label_rows, origin, labels, season):
    """The actual values [n, steps, n_labels] of rows `label_rows` [n, steps] of the series at `series` [n],
    and the seasonal naive forecast of them from `origin` [n] (the first row not observed), both read from
    the concatenated raw series."""
    first = starts_of_series[series][:, None]
    actual = raw[first + label_rows][:, :, labels]
    naive = raw[first + naive_source_rows(label_rows, origin, season)][:, :, labels]
    return actual, naive


def mase_scales(prepared, split: str) -> np.ndarray:
    """[series, n_labels]: the in-sample seasonal-naive MAE of every series and label column."""
    labels = list(prepared.spec.label_indices)
    return np.array(
        [
            [mase_scale(segment[: insample_end(prepared, split, i), j], prepared.season) for j in labels]
            for i, segment in enumerate(prepared.series.segments)
        ]
    ).reshape(len(prepared.series.segments), len(labels))


def score_split(forward, prepared, split: str, loss: str) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """The split's scaled metrics over every window (metrics.METRICS, `loss` the training loss), its
    averages over series (real_mae, real_rmse, real_smape, mase, owa, naive_smape, naive_mase, series)
    and one row per series, all from one forward pass over its windows."""
    scaled = MetricAccumulator(loss)

    def chunks():
        for chunk in forecast_split(forward, prepared, split):
            scaled.update(*chunk.scaled)
            yield chunk

    averages, rows = score_forecasts(chunks(), prepared, split)
    return {**scaled.result(), **averages}, rows


def score_splits(forward, prepared, splits, loss: str) -> Tuple[Dict[str, float], List[Dict[str, Any]]]:
    """`split/metric` of every split (score_split) and the per-series rows of all of them."""
    metrics: Dict[str, float] = {}
    rows: List[Dict[str, Any]] = []
    for split in splits:
        averages, per_series = score_split(forward, prepared, split, loss)
        metrics.update({f"{split}/{name}": value for name, value in averages.items()})
        rows.extend(per_series)
    return metrics, rows


def backtest_split(forward, plan, prepared, split: str, horizon: int, stride: int) -> SplitForecast:
    """Forecasts from every origin of a panel's split (`stride` rows apart within each series, `input_width`
    rows before each and `horizon` actual rows from it), recursive beyond the model's direct steps."""
    from forecast_cli.forecaster.backtest import origins_of
    from forecast_cli.forecaster.engine import forecast_windows

    spec = plan.spec
    part = prepared.splits[split]
    origins = origins_of(part.lengths, spec.input_width, horizon, stride)
    if len(origins) == 0:
        raise ForecastError(
            f"no series of the {split} split has {spec.input_width} rows before an origin and {horizon} after it: "
            "lower horizon, or use a longer split"
        )
    series, row_in_segment = series_positions_of_windows(origins, part.lengths)
    first = np.array([r[split][0] for r in prepared.ranges], dtype=np.int64)
    origin_rows = first[series] + row_in_segment  # first row forecast, in its series
    windows = part.values[origins[:, None] + np.arange(-spec.input_width, 0)]  # [origins, input_width, columns]
    scaled = forecast_windows(forward, plan, windows, horizon)  # [origins, horizon, n_labels]
    forecast = prepared.to_real(scaled, series, spec.label_columns)
    require_finite_forecast(forecast, spec.label_columns, f"the backtest's forecast of the {split} split")
    label_rows = origin_rows[:, None] + np.arange(horizon)
    raw, starts_of_series = _concatenated(prepared.series.segments)
    labels = list(spec.label_indices)
    actual, naive = _actual_and_naive(raw, starts_of_series, series, label_rows, origin_rows, labels, prepared.season)
    return SplitForecast(split, series, label_rows, actual, forecast, naive)


def score_forecasts(chunks: Iterable[SplitForecast], prepared, split: str) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """Averages over series and one row per series of forecasts made on `split`."""
    scores = SeriesScores(len(prepared.series.segments))
    scales = mase_scales(prepared, split)
    for chunk in chunks:
        scores.update(chunk.actual, chunk.forecast, chunk.naive, chunk.series, scales)
    result = scores.result()
    return aggregate(result), series_rows(prepared.series.ids, result, split=split)


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
