"""The Monash forecasting archive's `.tsf` files (also .gz, .bz2, .xz, or a .zip holding one): a header of
`@relation`, `@attribute <name> <string|numeric|date>`, `@frequency`, `@horizon`, `@missing`,
`@equallength`, then `@data` and one series per line, `<attribute values>:<v1,v2,...>` (`?` missing).

Read line by line (a streaming reader: memory holds the values, never the file's text). The
`series_name` attribute names the series (else T1, T2, ...); `start_timestamp` with `@frequency`
dates them. The header's horizon and frequency become the run's horizon and seasonal period unless
data.horizon / data.season say otherwise.
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Tuple

from omegaconf import MISSING

from forecast_cli.data.loaders import DATA
from forecast_cli.data.loaders._data_file import open_data, regular_file
from forecast_cli.data.panel import PanelDataConfig
from forecast_cli.data.series import SPLIT_BY_TIME, SeriesData
from forecast_cli.data.timestamps import to_nanoseconds
from forecast_cli.errors import ForecastError
from forecast_cli.run.provenance import sha256_file

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("forecast.data")

# @frequency -> (pandas offset alias of one step, seasonal period as the Monash archive scores MASE)
FREQUENCIES: Dict[str, Tuple[str, int]] = {
    "yearly": ("12MS", 1),
    "quarterly": ("3MS", 4),
    "monthly": ("MS", 12),
    "weekly": ("7D", 52),
    "daily": ("D", 7),
    "hourly": ("h", 24),
    "half_hourly": ("30min", 48),
    "10_minutes": ("10min", 144),
    "minutely": ("min", 1440),
    "4_seconds": ("4s", 1),
}
ATTRIBUTE_TYPES = ("string", "numeric", "date")
BOOLEANS = {"true": True, "false": False}
TIMESTAMP_FORMAT = "%Y-%m-%d %H-%M-%S"  # the archive's: dashes, since ':' separates the fields


@dataclass
class TsfDataConfig(PanelDataConfig):
    path: str = MISSING


@dataclass
class TsfHeader:
    attributes: List[Tuple[str, str]]
    frequency: Optional[str] = None
    horizon: Optional[int] = None
    missing: bool = False
    equal_length: bool = False


@dataclass
class TsfSeries:
    name: str
    start: Optional[str]
    values: "np.ndarray"  # float64, NaN where the file has '?'
    line: int


def _lines(path: Path) -> Iterator[Tuple[int, str]]:
    """(line number, stripped text) of every line; comment text in any encoding (the archive's files hold
    cp1252 dashes in their comments) is decoded leniently."""
    with open_data(path) as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, raw.decode("utf-8", errors="replace").strip()


def _header_error(path: Path, number: int, problem: str) -> ForecastError:
    return ForecastError(f"{path} line {number}: {problem} (a .tsf header is @relation, @attribute, @frequency, @horizon, @missing, @equallength, then @data)")


def _boolean(path: Path, number: int, key: str, value: str) -> bool:
    if value.lower() not in BOOLEANS:
        raise _header_error(path, number, f"@{key} must be true or false, got '{value}'")
    return BOOLEANS[value.lower()]


def read_tsf(path: Path) -> Tuple[TsfHeader, List[TsfSeries]]:
    """The header and every series of a .tsf file, checked line by line; a ForecastError names the line."""
    header = TsfHeader(attributes=[])
    series: List[TsfSeries] = []
    in_data = False
    for number, line in _lines(path):
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if not line.startswith("@"):
                raise _header_error(path, number, f"expected a header line starting with '@' before @data, got '{line[:40]}'")
            key, _, value = line[1:].partition(" ")
            key, value = key.lower(), value.strip()
            if key == "relation":
                continue
            if key == "attribute":
                parts = value.split()
                if len(parts) != 2 or parts[1].lower() not in ATTRIBUTE_TYPES:
                    raise _header_error(path, number, f"@attribute needs a name and a type ({', '.join(ATTRIBUTE_TYPES)}), got '{value}'")
                header.attributes.append((parts[0], parts[1].lower()))
            elif key == "frequency":
                header.frequency = value.lower()
            elif key == "horizon":
                if not value.isdigit() or int(value) < 1:
                    raise _header_error(path, number, f"@horizon must be a positive integer, got '{value}'")
                header.horizon = int(value)
            elif key == "missing":
                header.missing = _boolean(path, number, key, value)
            elif key == "equallength":
                header.equal_length = _boolean(path, number, key, value)
            elif key == "data":
                in_data = True
            else:
                raise _header_error(path, number, f"unknown header line '@{key}'")
            continue
        series.append(_series_line(path, number, line, header, len(series)))
    if not in_data:
        raise ForecastError(f"{path} has no @data line: it is not a .tsf file (or it is truncated)")
    if not series:
        raise ForecastError(f"{path} has no series after @data")
    _check_lengths(path, header, series)
    names = [s.name for s in series]
    if len(set(names)) != len(names):
        seen = set()
        duplicate = next(s for s in series if s.name in seen or seen.add(s.name))
        raise ForecastError(f"{path} line {duplicate.line}: series name '{duplicate.name}' appears twice; series names must be unique")
    return header, series


def _series_line(path: Path, number: int, line: str, header: TsfHeader, index: int) -> TsfSeries:
    import numpy as np

    n_attributes = len(header.attributes)
    fields = line.split(":", n_attributes)
    if len(fields) != n_attributes + 1:
        raise ForecastError(
            f"{path} line {number}: a series line needs {n_attributes} attribute values and the values, separated by ':', "
            f"got {len(fields) - 1} ':'"
        )
    attributes = dict(zip((name for name, _ in header.attributes), fields[:-1]))
    text = fields[-1].split(",")
    missing = [t.strip() == "?" for t in text]
    if any(missing) and not header.missing:
        raise ForecastError(f"{path} line {number}: '?' (a missing value) but the header says @missing false")
    try:
        values = np.array([np.nan if m else float(t) for t, m in zip(text, missing)], dtype=np.float64)
    except ValueError as exc:
        raise ForecastError(f"{path} line {number}: a value is not a number ({exc}); values are numbers or '?'") from exc
    name = attributes.get("series_name", f"T{index + 1}").strip()
    return TsfSeries(name=name, start=attributes.get("start_timestamp"), values=values, line=number)


def _check_lengths(path: Path, header: TsfHeader, series: List[TsfSeries]) -> None:
    if not header.equal_length:
        return
    expected = len(series[0].values)
    for item in series[1:]:
        if len(item.values) != expected:
            raise ForecastError(
                f"{path} line {item.line}: series '{item.name}' has {len(item.values)} values but the header says "
                f"@equallength true and the first series has {expected}: fix the file or its header"
            )


def series_dates(path: Path, item: TsfSeries, alias: str):
    """datetime64 of every value of a series, from its start_timestamp, one step of `alias` apart."""
    import pandas as pd

    try:
        start = pd.to_datetime(item.start.strip(), format=TIMESTAMP_FORMAT)
    except ValueError:
        try:
            start = pd.Timestamp(item.start.strip())
        except ValueError as exc:
            raise ForecastError(
                f"{path} line {item.line}: start_timestamp '{item.start}' is not a date (the archive writes 1979-01-01 00-00-00)"
            ) from exc
    dates = pd.date_range(start, periods=len(item.values), freq=alias)
    return to_nanoseconds(dates, lambda at: f"{path} line {item.line}: the date of value {at + 1} of series '{item.name}'")


def fill_missing(path: Path, series: List[TsfSeries], policy: str):
    """The series' values and dates with '?' handled as data.missing says (within each series)."""
    import numpy as np
    import pandas as pd

    count = sum(int(np.isnan(s.values).sum()) for s in series)
    if count == 0:
        return
    first = next(s for s in series if np.isnan(s.values).any())
    if policy == "error":
        raise ForecastError(
            f"{path}: {count} missing values ('?'), first in series '{first.name}' (line {first.line}): "
            "set data.missing=interpolate|ffill|drop"
        )
    for item in series:
        if not np.isnan(item.values).any():
            continue
        if np.isnan(item.values).all():
            raise ForecastError(f"{path} line {item.line}: series '{item.name}' has only missing values: remove it")
        frame = pd.Series(item.values)
        if policy == "ffill":
            item.values = frame.ffill().bfill().to_numpy()
        elif policy == "interpolate":
            item.values = frame.interpolate(limit_direction="both").to_numpy()
    log.info("%d missing values filled (data.missing=%s)", count, policy)


@DATA.register("tsf", TsfDataConfig)
def load_tsf(cfg: TsfDataConfig, window_rows: int) -> SeriesData:
    import numpy as np

    path = regular_file(Path(cfg.path).expanduser(), "a .tsf file of the Monash archive")
    header, series = read_tsf(path)
    if header.frequency is not None and header.frequency not in FREQUENCIES:
        raise ForecastError(f"{path}: unknown @frequency '{header.frequency}'; known: {', '.join(FREQUENCIES)}")
    alias, season = FREQUENCIES.get(header.frequency or "", (None, None))
    fill_missing(path, series, cfg.missing)
    dated = alias is not None and any(name == "start_timestamp" for name, _ in header.attributes)
    segments, timestamps = [], [] if dated else None
    for item in series:
        values = item.values
        dates = series_dates(path, item, alias) if dated else None
        if cfg.missing == "drop":
            kept = ~np.isnan(values)
            values = values[kept]
            dates = dates[kept] if dates is not None else None
        segments.append(values[:, None])
        if dated:
            timestamps.append(dates)
    return SeriesData(
        segments=segments,
        columns=["value"],
        targets=["value"],
        split_by=SPLIT_BY_TIME,
        source=str(path.resolve()),
        sha256=sha256_file(path),
        timestamps=timestamps,
        ids=[s.name for s in series],
        horizon=cfg.horizon if cfg.horizon is not None else header.horizon,
        season=season,
        frequency=alias if dated else None,
    )
