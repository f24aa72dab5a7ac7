"""From a `data` and a `window` config to scaled per-split arrays and window start indices."""

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from forecast_cli.data import panel
from forecast_cli.data.loaders import load_series
from forecast_cli.data.scaling import Scaler, fit_scaler, fit_series_scaler
from forecast_cli.data.series import SPLIT_BY_SERIES, SeriesData
from forecast_cli.data.series_index import SERIES_INDEX_NEEDS, append_series_index, with_series_index
from forecast_cli.data.split import SPLITS, scaler_ddof, split_bounds, split_ranges, split_segments, split_series
from forecast_cli.data.timestamps import format_timestamps, infer_frequency
from forecast_cli.data.window import WindowSpec, ensure_windows, resolve_window, total_window, window_starts
from forecast_cli.errors import ForecastError


@dataclass
class PreparedSplit:
    values: np.ndarray  # [rows, columns] float32, scaled; the split's series concatenated
    starts: np.ndarray  # [windows] int64, start row of every window in `values`
    rows: int
    lengths: List[int]  # rows of each series in `values`, in order (windows never cross them)
    timestamps: Optional[np.ndarray] = None  # [rows] datetime64 of every row; None: no dates
    # per segment of `values`: its series (a position in PreparedData.series) and the row of that series it starts at
    series: Optional[np.ndarray] = None
    first_rows: Optional[np.ndarray] = None


@dataclass
class PreparedData:
    series: SeriesData
    spec: WindowSpec
    scaler: Scaler
    splits: Dict[str, PreparedSplit]
    split_protocol: str
    # [start, end) of each split: rows of the series (of its first series when there are several
    # cut by time), or series indices when whole series are split
    split_ranges: Dict[str, List[int]]
    frequency: Optional[str] = None  # the pandas offset alias the timestamps step by
    season: int = 1  # the seasonal period (MASE, the naive forecast of OWA, model=seasonal_naive)
    horizon: Optional[int] = None  # the competition protocol's horizon
    # [start, end) of every split of every series cut by time; None where whole series are split
    ranges: Optional[List[Dict[str, Tuple[int, int]]]] = None
    left_out: Dict[str, List[str]] = dataclasses.field(default_factory=dict)  # ids left out of every split ("all") or of one

    @property
    def whole_series_split(self) -> bool:
        """Whole series go to train, val or test (data=sine): each series is a sample of its split."""
        return self.series.split_by == SPLIT_BY_SERIES

    def series_count(self) -> int:
        """Series the run knows (the groups of a per-series scaler, else the data's)."""
        return len(self.scaler.ids) if self.scaler.per_series else len(self.series.segments)

    def series_groups(self) -> np.ndarray:
        """The scaling group of every series of the data: its row in a per-series scaler (0 for every series
        of a global one)."""
        return self.scaler.positions(self.series.ids)

    def to_real(self, values: np.ndarray, series: np.ndarray, columns) -> np.ndarray:
        """Scaled values [n, ..., len(columns)] of the series at data positions `series` [n] in real units."""
        values = np.asarray(values, dtype=np.float64)
        return self.scaler.inverse_transform(values, list(columns), self.series_groups()[series])

    def raw_labels(self, series: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The label columns' values as loaded (real units, never scaled) at `rows` [n, k] of the series at data
        positions `series` [n]: [n, k, n_labels]. The actual values a forecast is scored against, and the
        seasonal naive's."""
        table, first_row = self._label_table
        return table[first_row[np.asarray(series)][:, None] + rows]

    @functools.cached_property
    def _label_table(self) -> Tuple[np.ndarray, np.ndarray]:
        """Every series' label columns, concatenated (float64), and the row each series starts at."""
        lengths = np.array([len(s) for s in self.series.segments], dtype=np.int64)
        labels = list(self.spec.label_indices)
        table = np.concatenate(self.series.segments)[:, labels].astype(np.float64)
        return table, (np.cumsum(lengths) - lengths).astype(np.int64)

    @property
    def single_series_by_time(self) -> bool:
        """One series cut into splits by time: a split's rows are rows of that series from its start."""
        return not self.whole_series_split and len(self.series.segments) == 1

    @property
    def has_test(self) -> bool:
        """False when the run trains on every row (a test share of 0): no test metrics then."""
        return "test" in self.splits

    def window_counts(self) -> Dict[str, int]:
        return {name: int(len(split.starts)) for name, split in self.splits.items()}

    def row_counts(self) -> Dict[str, int]:
        return {name: split.rows for name, split in self.splits.items()}

    def record(self) -> Dict[str, Any]:
        """What run.json says about the data: its source, the split and the window."""
        spec = self.spec
        return {
            "data": {
                "source": self.series.source,
                "sha256": self.series.sha256,
                "rows": self.series.n_rows,
                "series": len(self.series.segments),
                "columns": list(spec.columns),
                "frequency": self.frequency,
                **self._time_range(),
                **self._panel_record(),
            },
            "split": {"protocol": self.split_protocol, "ranges": self.split_ranges, **({"horizon": self.horizon} if self.horizon else {})},
            "scaler": self._scaler_record(),
            "rows": self.row_counts(),
            "windows": self.window_counts(),
            "window": {
                "input_width": spec.input_width,
                "label_width": spec.label_width,
                "shift": spec.shift,
                "steps_ahead": spec.steps_ahead,
                "input_columns": list(spec.input_columns),
                "label_columns": list(spec.label_columns),
            },
        }


    def _time_range(self) -> Dict[str, str]:
        if self.series.timestamps is None:
            return {}
        dated = [d for d in self.series.timestamps if len(d)]
        if not dated:
            return {}
        start, end = format_timestamps([min(d[0] for d in dated), max(d[-1] for d in dated)])
        return {"start": start, "end": end}

    def _scaler_record(self) -> Dict[str, Any]:
        if self.scaler.per_series:
            return {"kind": self.scaler.kind, "per_series": True}
        return {"kind": self.scaler.kind, **({"ddof": self.scaler.ddof} if self.scaler.ddof is not None else {})}

    def _panel_record(self) -> Dict[str, Any]:
        return {
            "season": self.season,
            "horizon": self.horizon,
            "scaling": "per_series" if self.scaler.per_series else "global",
            "left_out": panel.left_out_record(self.left_out),
        }


def prepare_data(
    data_cfg,
    window_cfg,
    scaler: Optional[Scaler] = None,
    wanted: Sequence[str] = SPLITS,
    series_index: bool = False,
) -> PreparedData:
    """Load, split, scale (fit on train unless a saved scaler is given) and index windows.

    `wanted` lists the splits to build; "all" stands for the whole data as one split. A test split
    without rows (the run trains on every row) is left out. A panel is scaled per series when
    data.per_series is true (one scaling group per series id).
    `series_index`: every split's values get one more column, each row's series position in the series
    scaler (data/series_index.py), for a model with a learned series embedding.
    """
    series = load_series(data_cfg, total_window(window_cfg))
    if series_index and not getattr(data_cfg, "per_series", False):
        raise ForecastError(SERIES_INDEX_NEEDS)
    spec = data_spec(window_cfg, data_cfg, series, series_index)
    require_one_window(series, spec.input_width + spec.shift)
    horizon = panel.split_horizon(data_cfg, series, spec.label_width)
    left_out: Dict[str, List[str]] = {}
    if series.split_by != SPLIT_BY_SERIES:
        series, left_out["all"] = panel.keep_trainable_series(series, data_cfg.split, spec.label_start, horizon)
    parts = split_series(series, data_cfg.split, lookback=spec.label_start, horizon=horizon)
    parts["all"] = series.segments
    dates = None
    if series.timestamps is not None:
        dates = split_segments(series.timestamps, series.split_by, data_cfg.split, spec.label_start, horizon)
        dates["all"] = series.timestamps
    scaler = scaler if scaler is not None else fit_data_scaler(data_cfg, series, parts["train"])
    check_same_columns(series, scaler)
    check_fits_float32(series, scaler)
    bounds = _ranges(series, data_cfg.split, spec.label_start, horizon)
    ranges = None if series.split_by == SPLIT_BY_SERIES else panel.series_ranges(series, data_cfg.split, spec.label_start, horizon)
    recent, groups = getattr(data_cfg, "history", None), scaler.positions(series.ids)
    splits = {}
    for name in wanted:
        if name == "test" and not sum(len(s) for s in parts[name]):
            continue  # the run trains on every row
        origins = _segment_origins(len(series.segments), name, bounds, ranges)
        windows = max(1, round(recent * horizon)) if name == "train" and recent and horizon else None
        splits[name] = _scaled_split(name, parts[name], origins, dates, groups, scaler, spec, windows, series_index)
        if name != "all":
            left_out[name] = panel.short_series([series.ids[i] for i in origins[0]], splits[name].lengths, spec.total_width)
    frequency = series.frequency or (None if series.timestamps is None else infer_frequency(series.timestamps[0]))
    panel.report_left_out(left_out, len(series.segments), spec.total_width)
    return PreparedData(
        series=series,
        spec=spec,
        scaler=scaler,
        splits=splits,
        split_protocol="by_series" if series.split_by == SPLIT_BY_SERIES else data_cfg.split.protocol,
        split_ranges=bounds,
        frequency=frequency,
        season=panel.season_of(data_cfg, series, frequency),
        horizon=horizon,
        ranges=ranges,
        left_out=left_out,
    )


def fit_data_scaler(data_cfg, series: SeriesData, train_parts: List[np.ndarray]) -> Scaler:
    """The run's scaler, fit on the training rows only: one group per series (data.per_series) or one for all."""
    if not sum(len(part) for part in train_parts):
        raise ForecastError("the train split is empty: use more data or raise data.split.train")
    if getattr(data_cfg, "per_series", False):
        return fit_series_scaler(data_cfg.scaler, train_parts, series.ids, series.columns, data_cfg.scaler_range, series.unscaled)
    rows = np.concatenate(train_parts)
    return fit_scaler(data_cfg.scaler, rows, series.columns, data_cfg.scaler_range, scaler_ddof(data_cfg.split), series.unscaled)


def _scaled_split(name, segments, origins, dates, groups, scaler: Scaler, spec: WindowSpec, recent_windows, series_index) -> PreparedSplit:
    """One split: its series' rows scaled with each one's group, and the start of every window (only those whose
    labels end in the last `recent_windows` horizons of each series, where data.history asks for it)."""
    lengths = [len(s) for s in segments]
    segment_series, first_rows = origins
    if recent_windows:
        starts = panel.recent_window_starts(lengths, spec.total_width, recent_windows)
    else:
        starts = window_starts(lengths, spec.total_width)
    ensure_windows(name, len(starts), max(lengths, default=0), spec.total_width)
    rows = np.concatenate(segments) if segments else np.zeros((0, len(scaler.columns)))
    values = scaler.transform(rows, groups=np.repeat(groups[segment_series], lengths)).astype(np.float32)
    if series_index:
        values = append_series_index(values, lengths, groups[segment_series])
    return PreparedSplit(
        values=values,
        starts=starts,
        rows=int(sum(lengths)),
        lengths=lengths,
        timestamps=None if dates is None else np.concatenate(dates[name]),
        series=segment_series,
        first_rows=first_rows,
    )


def require_one_window(series: SeriesData, total: int) -> None:
    """Some series of the data must span one window (input_width + shift rows) for anything to be learned."""
    longest = max((len(s) for s in series.segments), default=0)
    if longest < total:
        holds = f"the data has {longest} rows" if len(series.segments) == 1 else f"the longest of its {len(series.segments)} series has {longest} rows"
        raise ForecastError(
            f"{holds}, fewer than one window (input_width + shift = {total}): "
            "use a longer file or lower window.input_width/window.shift"
        )


def data_spec(window_cfg, data_cfg, series: SeriesData, series_index: bool = False) -> WindowSpec:
    """The window resolved on the data's columns: the data's horizon and lookback when it has them
    (a panel), and the series index as the last input column when `series_index`."""
    spec = resolve_window(panel.data_window(window_cfg, data_cfg, series), series.columns, series.targets)
    calendar = tuple(c for c in series.derived_columns() if c in spec.input_columns)
    spec = dataclasses.replace(spec, calendar_columns=calendar)
    return with_series_index(spec) if series_index else spec


def check_same_columns(series: SeriesData, scaler: Scaler) -> None:
    """A run's saved scaler applies only to data with the columns it was fit on, in that order."""
    if list(scaler.columns) != list(series.columns):
        raise ForecastError(
            f"the data's columns {series.columns} differ from the run's scaler columns {scaler.columns}: "
            "give a file with the same columns as the training data"
        )


def check_fits_float32(series: SeriesData, scaler: Scaler) -> None:
    """The model sees scaled float32 values: a finite value beyond float32's range (about 3.4e38, e.g.
    with data.scaler=none) would become inf after the NaN/inf checks of the loaders. A series a per-series
    scaler does not know is not checked (it is left out of a forecast)."""
    for index, segment in enumerate(series.segments):
        if not scaler.knows(series.ids[index]):
            continue
        with np.errstate(over="ignore"):
            finite = np.isfinite(scaler.transform(segment[None], groups=scaler.positions([series.ids[index]]))[0].astype(np.float32))
        if finite.all():
            continue
        row, column = (int(i[0]) for i in np.nonzero(~finite))
        at = f"row {row + 1}" + (f" of series {index + 1}" if len(series.segments) > 1 else "")
        if series.timestamps is not None:
            at += f" ({format_timestamps([series.timestamps[index][row]])[0]})"
        raw = float(segment[row, column])
        if not np.isfinite(raw):
            raise ForecastError(
                f"column '{series.columns[column]}' at {at} is {raw} after data.missing (an empty column cannot "
                "be filled): drop the column or give data.missing=drop"
            )
        raise ForecastError(
            f"column '{series.columns[column]}' at {at} overflows float32 once scaled ({raw:g}): "
            "use data.scaler=standard or minmax, or rescale the column"
        )


def _ranges(series: SeriesData, cfg, lookback: int, horizon: Optional[int] = None) -> Dict[str, List[int]]:
    if series.split_by == SPLIT_BY_SERIES:
        val_start, test_start = split_bounds(len(series.segments), cfg)
        bounds = {"train": (0, val_start), "val": (val_start, test_start), "test": (test_start, len(series.segments))}
    else:
        bounds = split_ranges(len(series.segments[0]), cfg, lookback, horizon)
    return {name: [int(start), int(end)] for name, (start, end) in bounds.items()}


def _segment_origins(count: int, split: str, bounds, ranges) -> Tuple[np.ndarray, np.ndarray]:
    """For every segment of a split: its series (a position in the data's `count` series) and the row of that
    series it starts at. `bounds`: the split's series where whole series are split (ranges None), else
    `ranges`: every series' [start, end) of every split."""
    if split == "all":
        return np.arange(count, dtype=np.int64), np.zeros(count, dtype=np.int64)
    if ranges is None:
        start, end = bounds[split]
        return np.arange(start, end, dtype=np.int64), np.zeros(end - start, dtype=np.int64)
    return np.arange(count, dtype=np.int64), np.array([r[split][0] for r in ranges], dtype=np.int64)
