"""The TF2 notes' COVID-19 data: daily cumulative counts (China, 2020-01-24 to 2020-03-10) shipped in the
package (covid_19.tsv, Apache-2.0, see COVID_19_NOTICE.txt), differenced into daily new cases."""

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from omegaconf import MISSING

from forecast_cli.data.loaders import DATA
from forecast_cli.data.loaders._data_file import open_data, regular_file
from forecast_cli.data.loaders.base import DataConfig, file_series
from forecast_cli.data.series import SeriesData
from forecast_cli.data.timestamps import to_nanoseconds
from forecast_cli.errors import ForecastError

SHIPPED = Path(__file__).with_name("covid_19.tsv")
COLUMNS = ["confirmed_num", "cured_num", "dead_num"]


@dataclass
class CovidDataConfig(DataConfig):
    path: Optional[str] = MISSING  # a tab-separated file with the same columns; null: the shipped copy


@DATA.register("covid", CovidDataConfig)
def load_covid(cfg: CovidDataConfig, window_rows: int) -> SeriesData:
    import pandas as pd

    path = regular_file(Path(cfg.path).expanduser() if cfg.path else SHIPPED, "the tab-separated COVID-19 file")
    with open_data(path) as handle:
        frame = pd.read_csv(handle, sep="\t", encoding="utf-8")
    missing = [c for c in ["date", *COLUMNS] if c not in frame.columns]
    if missing:
        raise ForecastError(f"{path} lacks the columns {missing}: it must be tab-separated with date, {', '.join(COLUMNS)}")
    daily = frame[COLUMNS].astype("float64").diff().iloc[1:]  # cumulative counts -> new cases per day
    dates = to_nanoseconds(pd.to_datetime(frame["date"].iloc[1:]), lambda row: f"{path} 'date' at data row {row + 1}")
    return file_series(path, daily.to_numpy(), COLUMNS, COLUMNS, dates)
