"""Many series in one long table (CSV, plain or compressed, or Parquet): one row per (series, time step),
an id column naming the series, a date column, the target column(s), optional time-varying feature
columns and static columns (constant within each series, checked, not model inputs).

Rows of different series may interleave; within a series, dates must increase in file order (or
data.sort=true sorts them). A duplicated (id, date) pair, a date that goes backwards within a series, a
static column that changes within a series: one ForecastError naming the id, the row and the fix.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional

from omegaconf import MISSING

from forecast_cli.data.loaders import DATA
from forecast_cli.data.loaders.csv_file import (
    FORMATS,
    _check_columns,
    _parse_dates,
    _refuse_timestamp_columns,
    _to_numeric,
    apply_missing_policy,
    read_table,
    target_list,
)
from forecast_cli.data.panel import PanelDataConfig
from forecast_cli.data.series import SPLIT_BY_TIME, SeriesData
from forecast_cli.data.timestamps import infer_frequency
from forecast_cli.errors import ForecastError, require
from forecast_cli.run.provenance import sha256_file


@dataclass
class PanelFileConfig(PanelDataConfig):
    path: str = MISSING
    id_column: str = MISSING  # the column naming each series (its values are read as text)
    date_column: Optional[str] = MISSING  # null: the rows of each series are in time order, without dates
    target: Any = MISSING  # one column name or a list of them
    features: List[str] = MISSING  # time-varying input columns besides the targets
    static: List[str] = MISSING  # columns constant within each series (checked, not inputs)
    format: str = MISSING
    separator: Optional[str] = MISSING  # None: sniffed from the first line
    sort: bool = MISSING  # sort each series by date instead of refusing dates that go backwards
    utc: bool = MISSING  # timestamps with changing UTC offsets read as UTC

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.format in FORMATS, "data.format", f"must be one of {', '.join(FORMATS)}, got '{self.format}'")
        require(bool(target_list(self.target)), "data.target", "must name at least one column, e.g. data.target=units")


def _series_order(frame, cfg: PanelFileConfig):
    """Row order grouping every series (in the order ids first appear), by date within each; the codes of
    the ids in that order, the ids, and the dates (None without a date column)."""
    import numpy as np
    import pandas as pd

    raw_ids = frame[cfg.id_column]
    if raw_ids.isna().any():
        row = int(np.flatnonzero(raw_ids.isna().to_numpy())[0])
        raise ForecastError(f"data.id_column '{cfg.id_column}' is empty at data row {row}: every row needs a series id")
    codes, names = pd.factorize(raw_ids.astype(str), sort=False)
    if cfg.date_column is None:
        return np.argsort(codes, kind="stable"), codes, [str(n) for n in names], None
    dates = _parse_dates(frame[cfg.date_column], cfg.date_column, cfg.utc).to_numpy(dtype="datetime64[ns]")
    pairs = pd.DataFrame({"id": codes, "date": dates})
    duplicated = pairs.duplicated().to_numpy()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated)[0])
        raise ForecastError(
            f"{int(duplicated.sum())} duplicated (id, date) pairs in data.id_column '{cfg.id_column}' and data.date_column "
            f"'{cfg.date_column}', first: id '{names[codes[row]]}' at {pd.Timestamp(dates[row])} (data row {row}): "
            "remove the duplicates from the file"
        )
    order = np.argsort(codes, kind="stable")
    if cfg.sort:
        order = np.lexsort((dates, codes))
    else:
        same_series = codes[order][1:] == codes[order][:-1]
        backwards = same_series & (dates[order][1:] < dates[order][:-1])
        if backwards.any():
            row = int(order[int(np.flatnonzero(backwards)[0]) + 1])
            raise ForecastError(
                f"the dates of id '{names[codes[row]]}' do not increase: data row {row} ({pd.Timestamp(dates[row])}) "
                "comes after a later date of the same id; sort the file or set data.sort=true"
            )
    return order, codes, [str(n) for n in names], dates


def _check_static(frame, cfg: PanelFileConfig, codes, names: List[str]) -> None:
    import pandas as pd

    for column in cfg.static:
        distinct = pd.DataFrame({"id": codes, "value": frame[column].astype(str)}).groupby("id")["value"].nunique()
        changing = distinct[distinct > 1]
        if len(changing):
            first = int(changing.index[0])
            raise ForecastError(
                f"static column '{column}' changes within id '{names[first]}' ({int(changing.iloc[0])} values): a static "
                "column holds one value per series; move it to data.features=[...] if it varies"
            )


@DATA.register("panel", PanelFileConfig)
def load_panel(cfg: PanelFileConfig, window_rows: int) -> SeriesData:
    import numpy as np

    frame, path = read_table(cfg)
    if len(frame) == 0:
        raise ForecastError(f"data file has a header but no rows: {path}")
    targets = target_list(cfg.target)
    _check_columns(frame, [cfg.id_column], "data.id_column")
    if cfg.date_column is not None:
        _check_columns(frame, [cfg.date_column], "data.date_column")
    _check_columns(frame, targets, "data.target")
    features = [str(c) for c in cfg.features if str(c) not in targets]
    _check_columns(frame, features, "data.features")
    _check_columns(frame, list(cfg.static), "data.static")
    roles = {cfg.id_column: "data.id_column", cfg.date_column: "data.date_column"}
    for name in [*targets, *features]:
        if name in roles:
            raise ForecastError(f"column '{name}' is {roles[name]}: it cannot also be a target or a feature")
    columns = targets + features
    _refuse_timestamp_columns(frame, columns)
    order, codes, names, dates = _series_order(frame, cfg)
    _check_static(frame, cfg, codes, names)
    values = _to_numeric(frame, columns)[order]  # [rows, columns] grouped by series
    counts = np.bincount(codes, minlength=len(names))
    bounds = np.concatenate([[0], np.cumsum(counts)])
    segments, timestamps = [], [] if dates is not None else None
    ordered_dates = dates[order] if dates is not None else None
    for index, name in enumerate(names):
        rows = slice(int(bounds[index]), int(bounds[index + 1]))
        try:
            filled, kept = apply_missing_policy(values[rows], columns, cfg.missing)
        except ForecastError as exc:
            raise ForecastError(f"series '{name}': {exc}") from exc
        segments.append(filled)
        if dates is not None:
            timestamps.append(ordered_dates[rows][kept])
    longest = int(np.argmax([len(s) for s in segments]))
    return SeriesData(
        segments=segments,
        columns=columns,
        targets=targets,
        split_by=SPLIT_BY_TIME,
        source=str(Path(path).resolve()),
        sha256=sha256_file(path),
        timestamps=timestamps,
        ids=names,
        horizon=cfg.horizon,
        frequency=infer_frequency(timestamps[longest]) if timestamps is not None else None,
    )
