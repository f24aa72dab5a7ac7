"""Any table of numbers on disk: CSV (optionally gzip/bz2/zip/xz compressed) or Parquet.

Every problem a user can fix (missing file, unknown column, text in a numeric column, NaN,
unsorted timestamps) becomes a ForecastError naming the column or row and the fix.
"""

import lzma
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

from omegaconf import MISSING

from forecast_cli.data.loaders import DATA
from forecast_cli.data.loaders._data_file import open_data, open_text, regular_file
from forecast_cli.data.loaders.base import DataConfig, file_series
from forecast_cli.data.series import SeriesData
from forecast_cli.data.timestamps import to_nanoseconds
from forecast_cli.errors import ForecastError, first_line, require

if TYPE_CHECKING:
    import numpy as np

MISSING_POLICIES = ("error", "ffill", "interpolate", "drop")
# a timestamp seen twice: refuse; keep every row (Time-Series-Library's loaders do); keep the first row
DUPLICATE_POLICIES = ("error", "keep", "drop")
FORMATS = ("auto", "csv", "parquet")
ALL_COLUMNS = "all"  # data.target=all: every column but the date is a target and an input ("M")


@dataclass
class CsvDataConfig(DataConfig):
    path: str = MISSING
    date_column: Optional[str] = MISSING
    # One column name or a list of them: what the model predicts; "all": every column but the date.
    target: Any = MISSING
    # Input columns besides the targets; None: every other column (all must be numeric).
    features: Optional[List[str]] = MISSING
    format: str = MISSING
    separator: Optional[str] = MISSING  # None: sniffed from the first line
    missing: str = MISSING
    sort: bool = MISSING  # sort rows by date_column instead of refusing unsorted data
    # timestamps with UTC offsets that change (daylight saving) are refused unless converted to UTC
    utc: bool = MISSING
    duplicates: str = MISSING  # a repeated timestamp: error | keep (every row) | drop (all but the first)

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.format in FORMATS, "data.format", f"must be one of {', '.join(FORMATS)}, got '{self.format}'")
        require(
            self.missing in MISSING_POLICIES,
            "data.missing",
            f"must be one of {', '.join(MISSING_POLICIES)}, got '{self.missing}'",
        )
        require(
            self.duplicates in DUPLICATE_POLICIES,
            "data.duplicates",
            f"must be one of {', '.join(DUPLICATE_POLICIES)}, got '{self.duplicates}'",
        )
        targets = target_list(self.target)
        require(bool(targets), "data.target", "must name at least one column, e.g. data.target=OT")
        require(
            self.target != ALL_COLUMNS or not self.features,
            "data.features",
            f"must be null with data.target=all (every column is then a target and an input), got {self.features}",
        )


def target_list(target: Any) -> List[str]:
    if target is None:
        return []
    if isinstance(target, str):
        return [target]
    return [str(t) for t in target]


def read_table(cfg: CsvDataConfig):
    import pandas as pd

    path = regular_file(Path(cfg.path).expanduser(), "an existing CSV or Parquet file")
    if path.stat().st_size == 0:
        raise ForecastError(f"data file is empty: {path} (set data.path= to a file with a header and rows)")
    fmt = cfg.format
    if fmt == "auto":
        fmt = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"
    try:
        if fmt == "parquet":
            return pd.read_parquet(path), path
        separator = cfg.separator or _sniff_separator(path)
        with open_data(path) as handle:
            return pd.read_csv(handle, sep=separator, encoding="utf-8"), path
    except UnicodeDecodeError as exc:
        raise ForecastError(f"cannot decode {path} as UTF-8 text ({exc.reason}): save it as UTF-8") from exc
    except pd.errors.EmptyDataError as exc:
        raise ForecastError(f"data file has no columns: {path} (it needs a header row)") from exc
    except (EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as exc:
        raise ForecastError(
            f"cannot read {path}: the compressed file is truncated or corrupt ({first_line(exc)}); "
            "download or compress it again"
        ) from exc
    except (pd.errors.ParserError, OSError, ValueError) as exc:
        raise ForecastError(f"cannot read {path} as {fmt}: {first_line(exc)}") from exc


def _sniff_separator(path: Path) -> str:
    """The delimiter that splits the header line into the most fields (tab-separated COVID data)."""
    with open_text(path) as handle:
        header = handle.readline()
    counts = {sep: header.count(sep) for sep in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _check_columns(frame, wanted: List[str], key: str) -> None:
    available = [str(c) for c in frame.columns]
    for name in wanted:
        if name not in available:
            raise ForecastError(
                f"column '{name}' given in {key} is not in the data; available columns: {', '.join(available)}"
            )


def _order_by_date(frame, cfg: CsvDataConfig):
    """The frame in time order and its timestamps (datetime64), refusing duplicates and, unless
    data.sort=true, unsorted rows."""
    import numpy as np

    column = cfg.date_column
    dates = _parse_dates(frame[column], column, cfg.utc)
    duplicated = dates.duplicated()
    if duplicated.any() and cfg.duplicates == "error":
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise ForecastError(
            f"{int(duplicated.sum())} duplicated timestamps in '{column}', first at data row {row} "
            f"({dates.iloc[row]}): remove them from the file, or set data.duplicates=keep (every row) "
            "or data.duplicates=drop (the first row of each timestamp)"
        )
    if duplicated.any() and cfg.duplicates == "drop":
        kept = ~duplicated.to_numpy()
        frame, dates = frame[kept].reset_index(drop=True), dates[kept].reset_index(drop=True)
    backwards = dates.diff().dt.total_seconds().to_numpy()[1:] < 0
    if backwards.any():
        row = int(np.flatnonzero(backwards)[0]) + 1
        if not cfg.sort:
            raise ForecastError(
                f"timestamps in '{column}' are not sorted: data row {row} ({dates.iloc[row]}) comes before "
                f"the row above it; sort the file or set data.sort=true"
            )
        frame = frame.assign(**{column: dates}).sort_values(column, kind="stable").reset_index(drop=True)
        dates = frame[column]
    return frame, dates.to_numpy(dtype="datetime64[ns]")


def _parse_dates(column, name: str, utc: bool):
    """Timestamps without a time zone: local ones as written, or (data.utc=true) converted to UTC."""
    import numpy as np
    import pandas as pd

    empty = column.isna() | (column.astype(str).str.strip() == "")
    if empty.any():
        row = int(np.flatnonzero(empty.to_numpy())[0])
        raise ForecastError(
            f"{int(empty.sum())} empty cells in data.date_column '{name}', first at data row {row}: "
            "fill in the timestamps or remove those rows"
        )
    try:
        dates = pd.to_datetime(column, dayfirst=_looks_day_first(column), utc=utc)
    except (ValueError, TypeError) as exc:
        if "Mixed timezones" in str(exc) or "mixed time zones" in str(exc).lower():
            raise ForecastError(
                f"timestamps in '{name}' carry different UTC offsets (a daylight-saving change?): set "
                "data.utc=true to read them as UTC, or convert the column to one offset"
            ) from exc
        raise ForecastError(
            f"cannot parse data.date_column '{name}' as dates ({first_line(exc)}): "
            "point data.date_column at the timestamp column"
        ) from exc
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    checked = to_nanoseconds(dates, lambda row: f"data.date_column '{name}' at data row {row}")
    return pd.Series(checked, index=dates.index, name=dates.name)


def _looks_day_first(column) -> bool:
    """Jena's 'dd.mm.yyyy HH:MM:SS' dates need dayfirst; ISO dates must not get it."""
    sample = str(column.iloc[0]) if len(column) else ""
    return len(sample) >= 10 and sample[2:3] == "." and sample[5:6] == "."


def _to_numeric(frame, columns: List[str]) -> "np.ndarray":
    import numpy as np
    import pandas as pd

    values = []
    for name in columns:
        column = frame[name]
        if not pd.api.types.is_numeric_dtype(column):
            converted = pd.to_numeric(column, errors="coerce")
            bad = converted.isna() & column.notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise ForecastError(
                    f"column '{name}' is not numeric (value {column.iloc[row]!r} at data row {row}): "
                    "clean the file, or list only numeric input columns in data.features=[...]"
                )
            column = converted
        values.append(column.to_numpy(dtype=np.float64, na_value=np.nan))
    return np.stack(values, axis=1)


def _refuse_timestamp_columns(frame, columns: List[str]) -> None:
    """A datetime column (Parquet keeps the type) would otherwise become a number of nanoseconds."""
    import pandas as pd

    for name in columns:
        if pd.api.types.is_datetime64_any_dtype(frame[name]) or pd.api.types.is_timedelta64_dtype(frame[name]):
            raise ForecastError(
                f"column '{name}' holds timestamps, not values: set data.date_column={name} "
                "(or leave it out of data.target/data.features)"
            )


def apply_missing_policy(values: "np.ndarray", columns: List[str], policy: str):
    """NaN and +-inf: refuse (default) or fill them, as data.missing says. Returns the values and the
    mask of the rows kept (only `drop` removes rows)."""
    import numpy as np
    import pandas as pd

    bad = ~np.isfinite(values)
    kept = np.ones(len(values), dtype=bool)
    if not bad.any():
        return values, kept
    count = int(bad.sum())
    row, col = (int(i) for i in np.argwhere(bad)[0])
    if policy == "error":
        raise ForecastError(
            f"{count} missing or infinite values in the data, first at data row {row} column '{columns[col]}': "
            f"clean the file or set data.missing=ffill|interpolate|drop"
        )
    frame = pd.DataFrame(np.where(bad, np.nan, values), columns=columns)
    if policy == "drop":
        kept = ~bad.any(axis=1)
        frame = frame[kept]
    elif policy == "ffill":
        frame = frame.ffill().bfill()
    else:
        frame = frame.interpolate(limit_direction="both")
    return frame.to_numpy(dtype=np.float64), kept


@DATA.register("csv", CsvDataConfig)
def load_csv(cfg: CsvDataConfig, window_rows: int) -> SeriesData:
    frame, path = read_table(cfg)
    if len(frame) == 0:
        raise ForecastError(f"data file has a header but no rows: {path}")
    if cfg.target == ALL_COLUMNS and ALL_COLUMNS not in [str(c) for c in frame.columns]:
        targets = [str(c) for c in frame.columns if str(c) != cfg.date_column]
    else:
        targets = target_list(cfg.target)
    _check_columns(frame, targets, "data.target")
    dates = None
    if cfg.date_column is not None:
        _check_columns(frame, [cfg.date_column], "data.date_column")
        frame, dates = _order_by_date(frame, cfg)
    if cfg.features is None:
        features = [str(c) for c in frame.columns if str(c) not in targets and str(c) != cfg.date_column]
    else:
        features = [str(c) for c in cfg.features if str(c) not in targets]
        _check_columns(frame, features, "data.features")
    columns = targets + features
    _refuse_timestamp_columns(frame, columns)
    values, kept = apply_missing_policy(_to_numeric(frame, columns), columns, cfg.missing)
    return file_series(path, values, columns, targets, None if dates is None else dates[kept])
