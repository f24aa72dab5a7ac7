"""The Electricity Transformer Temperature sets (ETTh1, ETTh2 hourly; ETTm1, ETTm2 every 15 minutes)
from the ETDataset repository, downloaded once into the cache (or read from `data.path`)."""

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from omegaconf import MISSING

from forecast_cli.data.loaders import DATA
from forecast_cli.data.loaders._data_file import open_data
from forecast_cli.data.loaders._download import user_file_or_fetch
from forecast_cli.data.loaders.base import DataConfig, file_series
from forecast_cli.data.series import SeriesData
from forecast_cli.data.timestamps import to_nanoseconds
from forecast_cli.errors import ForecastError, require

# sha256 of the upstream CSVs where known (those of ../shared/data); others are recorded, not checked
PINNED = {
    "ETTh1": "f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066",
    "ETTm1": "6ce1759b1a18e3328421d5d75fadcb316c449fcd7cec32820c8dafda71986c9e",
}
DATASETS = ("ETTh1", "ETTh2", "ETTm1", "ETTm2")


@dataclass
class ETTDataConfig(DataConfig):
    dataset: str = MISSING
    path: Optional[str] = MISSING  # the dataset's CSV (also .gz); null: download it from base_url
    base_url: str = MISSING
    cache_dir: Optional[str] = MISSING  # null: $XDG_CACHE_HOME/forecast or ~/.cache/forecast
    target: Optional[List[str]] = MISSING  # null: all 7 columns (the benchmarks' multivariate "M" task)

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.dataset in DATASETS, "data.dataset", f"must be one of {', '.join(DATASETS)}, got '{self.dataset}'")


def ett_file(cfg: ETTDataConfig) -> Path:
    filename = f"{cfg.dataset}.csv"
    url = f"{cfg.base_url}/{filename}"
    return user_file_or_fetch(cfg.path, f"the {cfg.dataset} CSV", url, filename, cfg.cache_dir, PINNED.get(cfg.dataset))


@DATA.register("ett", ETTDataConfig)
def load_ett(cfg: ETTDataConfig, window_rows: int) -> SeriesData:
    import pandas as pd

    path = ett_file(cfg)
    with open_data(path) as handle:
        frame = pd.read_csv(handle, encoding="utf-8")
    if "date" not in frame.columns:
        raise ForecastError(f"{path} has no 'date' column: it is not an ETT file")
    columns = [str(c) for c in frame.columns if c != "date"]
    targets = list(cfg.target) if cfg.target is not None else columns
    unknown = [t for t in targets if t not in columns]
    if unknown:
        raise ForecastError(f"data.target names {unknown}, not among the ETT columns: {', '.join(columns)}")
    dates = to_nanoseconds(pd.to_datetime(frame["date"]), lambda row: f"{path} column 'date' at data row {row}")
    return file_series(path, frame[columns].to_numpy(dtype="float64"), columns, targets, dates)
