"""Jena Climate 2009-2016, prepared exactly as the TensorFlow tutorial does (19 features).

Hourly rows ([5::6] of the 10-minute file; a file that is already hourly is taken as it is), the -9999
wind speeds set to 0, wind speed and direction turned into a wind vector (Wx, Wy, max Wx, max Wy),
and the time of day and of year as sin/cos signals.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional

from omegaconf import MISSING

from forecast_cli.data.loaders import DATA
from forecast_cli.data.loaders._data_file import open_data
from forecast_cli.data.loaders._download import user_file_or_fetch
from forecast_cli.data.loaders.base import DataConfig, file_series
from forecast_cli.data.series import SeriesData
from forecast_cli.data.timestamps import to_nanoseconds
from forecast_cli.errors import ForecastError

if TYPE_CHECKING:
    import numpy as np

DATE_COLUMN = "Date Time"
DATE_FORMAT = "%d.%m.%Y %H:%M:%S"
SECONDS_PER_DAY = 24 * 60 * 60
SECONDS_PER_YEAR = 365.2425 * SECONDS_PER_DAY


@dataclass
class JenaDataConfig(DataConfig):
    # The zip, the raw 10-minute CSV, or an hourly CSV with the same columns; null: download `url`
    path: Optional[str] = MISSING
    url: str = MISSING
    sha256: Optional[str] = MISSING  # the pinned checksum of the download; null: not checked
    cache_dir: Optional[str] = MISSING  # null: $XDG_CACHE_HOME/forecast or ~/.cache/forecast
    # What the model predicts; null: every column (the tutorial's multi-step models)
    target: Optional[List[str]] = MISSING


def source_file(cfg: JenaDataConfig) -> Path:
    return user_file_or_fetch(cfg.path, "the Jena zip or CSV", cfg.url, Path(cfg.url).name, cfg.cache_dir, cfg.sha256)


def read_jena(path: Path):
    import pandas as pd

    try:
        with open_data(path) as handle:
            frame = pd.read_csv(handle, encoding="utf-8")
    except ForecastError:
        raise
    except Exception as exc:
        raise ForecastError(f"cannot read {path} as the Jena CSV: {str(exc).splitlines()[0]}") from exc
    if DATE_COLUMN not in frame.columns:
        raise ForecastError(f"{path} has no '{DATE_COLUMN}' column: it is not the Jena climate file")
    return frame


def is_ten_minute(dates) -> bool:
    """The raw file steps 10 minutes; an hourly file steps 60 (a few gaps aside): judge by the median."""
    steps = dates.iloc[:1000].diff().dt.total_seconds().dropna()
    return float(steps.median()) <= 600


def hourly(frame):
    """The hourly rows of a raw or hourly Jena table, and their timestamps (datetime64)."""
    import pandas as pd

    dates = pd.to_datetime(frame[DATE_COLUMN], format=DATE_FORMAT)
    if is_ten_minute(dates):
        frame, dates = frame.iloc[5::6], dates.iloc[5::6]
    return frame.reset_index(drop=True), to_nanoseconds(dates, lambda row: f"'{DATE_COLUMN}' at hourly row {row}")


def calendar_features(timestamps) -> Dict[str, "np.ndarray"]:
    """The tutorial's time signals: sin/cos of the time of day and of the year, from timestamps alone."""
    import numpy as np
    import pandas as pd

    seconds = (pd.DatetimeIndex(timestamps) - pd.Timestamp("1970-01-01")).total_seconds().to_numpy()
    return {
        "Day sin": np.sin(seconds * (2 * np.pi / SECONDS_PER_DAY)),
        "Day cos": np.cos(seconds * (2 * np.pi / SECONDS_PER_DAY)),
        "Year sin": np.sin(seconds * (2 * np.pi / SECONDS_PER_YEAR)),
        "Year cos": np.cos(seconds * (2 * np.pi / SECONDS_PER_YEAR)),
    }


def engineer(frame, dates):
    """The tutorial's feature engineering on hourly rows -> 19 float columns: the -9999 wind fix, the
    wind vector, the time signals."""
    import numpy as np

    frame = frame.drop(columns=[DATE_COLUMN]).astype("float64")
    for column in ("wv (m/s)", "max. wv (m/s)"):
        frame.loc[frame[column] == -9999.0, column] = 0.0
    speed, max_speed = frame.pop("wv (m/s)"), frame.pop("max. wv (m/s)")
    direction = frame.pop("wd (deg)") * np.pi / 180
    frame["Wx"], frame["Wy"] = speed * np.cos(direction), speed * np.sin(direction)
    frame["max Wx"], frame["max Wy"] = max_speed * np.cos(direction), max_speed * np.sin(direction)
    for name, values in calendar_features(dates).items():
        frame[name] = values
    return frame


@DATA.register("jena", JenaDataConfig)
def load_jena(cfg: JenaDataConfig, window_rows: int) -> SeriesData:
    import numpy as np

    path = source_file(cfg)
    rows, dates = hourly(read_jena(path))
    frame = engineer(rows, dates)
    columns = [str(c) for c in frame.columns]
    targets = list(cfg.target) if cfg.target is not None else columns
    unknown = [t for t in targets if t not in columns]
    if unknown:
        raise ForecastError(f"data.target names {unknown}, not among the Jena features: {', '.join(columns)}")
    if not np.isfinite(frame.to_numpy()).all():
        raise ForecastError(f"{path} has missing or non-numeric values: use the original Jena file")
    return file_series(path, frame.to_numpy(dtype=np.float64), columns, targets, dates, time_features=calendar_features)
