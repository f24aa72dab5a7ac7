"""Many series, one model: what the panel loaders (data=panel, data=tsf) share, and the steps of
`prepare_data` that only a panel takes.

- The data's horizon (a .tsf header's @horizon, a panel's data.horizon) sets the window: labels are the
  next `horizon` rows and the input `round(data.lookback * horizon)` rows (`data_window`).
- A series with no training rows cannot be scaled by its own statistics: it is left out, and said so
  (`keep_trainable_series`); a series too short for a window of some split is left out of that split
  only, and said so too (`short_series`). Windows never cross series: each is a segment of its own.
"""

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from omegaconf import MISSING

from forecast_cli.data.loaders.base import DataConfig
from forecast_cli.data.series import SeriesData
from forecast_cli.data.split import SPLITS, SplitConfig, split_ranges
from forecast_cli.errors import ForecastError, require

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("forecast.data")

MISSING_POLICIES = ("error", "ffill", "interpolate", "drop")
SHOWN_IDS = 10  # ids named in a log line; run.json lists them all


@dataclass
class PanelDataConfig(DataConfig):
    """The keys every panel loader has besides its file's."""

    # true: every series scaled by the statistics of its own training rows (series_scaler.json);
    # false: one scaler for all series, fit on every training row
    per_series: bool = MISSING
    # the forecast horizon: labels are the next `horizon` rows, and the competition split's test and
    # validation are `horizon` rows each. null: a .tsf file's @horizon; else the window as configured
    horizon: Optional[int] = MISSING
    # the input window in horizons once the data has one: input_width = round(lookback * horizon);
    # null: window.input_width
    lookback: Optional[float] = MISSING
    # the seasonal period of MASE, OWA's naive forecast and model=seasonal_naive; null: from the frequency
    season: Optional[int] = MISSING
    missing: str = MISSING  # NaN / '?' values: error | ffill | interpolate (within each series) | drop (the rows)
    # training windows only from the recent past: those whose labels end in the last round(history * horizon)
    # rows of each series' training part (N-BEATS' history limit L_H; every series then gives about as many
    # windows); null: every window of the training part
    history: Optional[float] = MISSING

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.horizon is None or self.horizon >= 1, "data.horizon", f"must be null or >= 1, got {self.horizon}")
        require(self.season is None or self.season >= 1, "data.season", f"must be null or >= 1, got {self.season}")
        require(self.lookback is None or self.lookback > 0, "data.lookback", f"must be null or > 0, got {self.lookback}")
        require(self.history is None or self.history > 0, "data.history", f"must be null or > 0, got {self.history}")
        require(
            self.missing in MISSING_POLICIES,
            "data.missing",
            f"must be one of {', '.join(MISSING_POLICIES)}, got '{self.missing}'",
        )


def data_window(window_cfg, data_cfg, series: SeriesData):
    """The window config to use: `window_cfg` itself, or, when the data has a horizon H, one whose labels
    are the next H rows (label_width = shift = H) after round(data.lookback * H) input rows."""
    if series.horizon is None:
        return window_cfg
    from omegaconf import OmegaConf

    from forecast_cli.config.store import default_option, option_object
    from forecast_cli.data.window import WindowConfig

    window = OmegaConf.to_object(window_cfg) if OmegaConf.is_config(window_cfg) else window_cfg
    if not isinstance(window, WindowConfig):  # a plain node or another window: what it lacks, the default window's YAML
        given = dict(window) if isinstance(window, dict) else {
            f.name: getattr(window, f.name) for f in dataclasses.fields(WindowConfig) if hasattr(window, f.name)
        }
        window = option_object("window", default_option("window"), **given)
    lookback = getattr(data_cfg, "lookback", None)
    horizon = int(series.horizon)
    input_width = max(1, round(lookback * horizon)) if lookback else int(window.input_width)
    return dataclasses.replace(window, input_width=input_width, label_width=horizon, shift=horizon, steps_ahead=1)


def split_horizon(data_cfg, series: SeriesData, label_width: int) -> Optional[int]:
    """The competition protocol's horizon: the data's, else the window's label steps; None under the others."""
    if data_cfg.split.protocol != "competition":
        return None
    return int(series.horizon) if series.horizon is not None else int(label_width)


def season_of(data_cfg, series: SeriesData, frequency: Optional[str]) -> int:
    """The seasonal period: data.season, else the one the data declares, else the frequency's (1 if unknown)."""
    from forecast_cli.data.timestamps import seasonal_period

    given = getattr(data_cfg, "season", None)
    if given is not None:
        return int(given)
    if series.season is not None:
        return int(series.season)
    return seasonal_period(frequency)


def series_ranges(series: SeriesData, cfg: SplitConfig, lookback: int, horizon: Optional[int]) -> List[Dict[str, Tuple[int, int]]]:
    """[start, end) rows of every split of every series."""
    return [split_ranges(len(segment), cfg, lookback, horizon) for segment in series.segments]


def subset(series: SeriesData, keep: Sequence[int]) -> SeriesData:
    """The same data with only the series at positions `keep`."""
    return dataclasses.replace(
        series,
        segments=[series.segments[i] for i in keep],
        timestamps=None if series.timestamps is None else [series.timestamps[i] for i in keep],
        ids=[series.ids[i] for i in keep],
    )


def keep_trainable_series(series: SeriesData, cfg: SplitConfig, lookback: int, horizon: Optional[int]):
    """The series that have training rows, and the ids of the others (left out: nothing to fit their
    scaling on, nothing to learn from them); a ForecastError when none is left."""
    ranges = series_ranges(series, cfg, lookback, horizon)
    trainable = [r["train"][1] > r["train"][0] for r in ranges]
    keep = [i for i, ok in enumerate(trainable) if ok]
    dropped = [name for name, ok in zip(series.ids, trainable) if not ok]
    if not keep:
        raise ForecastError(
            f"none of the {len(ranges)} series has training rows under data.split.protocol={cfg.protocol}"
            + (f" with a horizon of {horizon} (a series needs more than {2 * horizon} rows)" if horizon else "")
            + ": use longer series or a shorter data.horizon"
        )
    if dropped:
        log.warning(
            "%d of %d series have no training rows and are left out: %s", len(dropped), len(ranges), shown(dropped)
        )
    return (subset(series, keep) if dropped else series), dropped


def recent_window_starts(lengths: Sequence[int], total_width: int, count: int) -> "np.ndarray":
    """Start rows (in the concatenation of the segments) of the last `count` windows of every segment: those
    whose last row is among the segment's last `count` rows."""
    import numpy as np

    starts, offset = [], 0
    for length in lengths:
        last = length - total_width  # the last window's start in its segment
        if last >= 0:
            starts.append(offset + np.arange(max(last - count + 1, 0), last + 1, dtype=np.int64))
        offset += length
    return np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)


def short_series(ids: Sequence[str], lengths: Sequence[int], total_width: int) -> List[str]:
    """The ids of the series whose part of a split is too short for one window."""
    return [name for name, length in zip(ids, lengths) if length < total_width]


def report_left_out(left_out: Dict[str, List[str]], n_series: int, total_width: int) -> None:
    for split in SPLITS:
        ids = left_out.get(split)
        if ids:
            log.warning(
                "%s split: %d of %d series are shorter than one window (%d rows) there and are left out of it: %s",
                split, len(ids), n_series, total_width, shown(ids),
            )


def left_out_record(left_out: Dict[str, List[str]]) -> Dict[str, Any]:
    """What run.json says about the series left out: their count and ids, per split ("all": every split)."""
    return {name: {"count": len(ids), "ids": list(ids)} for name, ids in left_out.items() if ids}


def shown(ids: Sequence[str]) -> str:
    head = ", ".join(map(str, ids[:SHOWN_IDS]))
    return head + (f", ... ({len(ids) - SHOWN_IDS} more)" if len(ids) > SHOWN_IDS else "")


def series_positions_of_windows(starts: "np.ndarray", lengths: Sequence[int]) -> Tuple["np.ndarray", "np.ndarray"]:
    """For window starts in a split's concatenated values: the segment (series) of each, and its row in
    that segment."""
    import numpy as np

    ends = np.cumsum(np.asarray(lengths, dtype=np.int64))
    segment = np.searchsorted(ends, starts, side="right")
    first = ends - np.asarray(lengths, dtype=np.int64)
    return segment, starts - first[segment]
