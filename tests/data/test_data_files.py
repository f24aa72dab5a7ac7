"""Data files a user may hand over as they are: damaged compression, a zipped CSV, Parquet timestamps,
empty date cells, UTC offsets across a daylight-saving change. Each is read right or refused in one
line that names the problem and the fix."""

import bz2
import gzip
import lzma
import zipfile

import numpy as np
import pandas as pd
import pytest

from forecast_cli.data.loaders.csv_file import load_csv
from forecast_cli.errors import ForecastError

from helpers import data_config, make_frame


def load(path, **keys):
    cfg = data_config("csv", path=str(path), target="target", **{"date_column": "date", **keys})
    return load_csv(cfg, window_rows=13)


@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)])
def test_a_truncated_compressed_file_is_named_as_such(tmp_path, suffix, compress):
    whole = compress(make_frame(300).to_csv(index=False).encode())
    path = tmp_path / f"series.csv{suffix}"
    path.write_bytes(whole[: len(whole) // 2])

    with pytest.raises(ForecastError, match=r"series\.csv\S* the compressed file is truncated or corrupt .*again"):
        load(path)


def test_a_single_file_zip_reads_like_the_csv_inside(tmp_path):
    frame = make_frame(100)
    frame.to_csv(tmp_path / "series.csv", sep=";", index=False)
    with zipfile.ZipFile(tmp_path / "series.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(tmp_path / "series.csv", "series.csv")

    series = load(tmp_path / "series.zip")

    np.testing.assert_allclose(series.segments[0][:, 0], frame["target"].to_numpy())
    assert series.columns == ["target", "load", "temp"]


def test_a_zip_of_several_files_is_refused(tmp_path):
    make_frame(50).to_csv(tmp_path / "a.csv", index=False)
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.write(tmp_path / "a.csv", "a.csv")
        archive.write(tmp_path / "a.csv", "b.csv")

    with pytest.raises(ForecastError, match="holds 2 files, not one"):
        load(tmp_path / "two.zip")


def test_a_parquet_timestamp_column_is_not_taken_for_a_value(tmp_path):
    frame = make_frame(60)
    frame["date"] = pd.to_datetime(frame["date"])
    frame.to_parquet(tmp_path / "series.parquet")

    with pytest.raises(ForecastError, match="column 'date' holds timestamps, not values: set data.date_column=date"):
        load(tmp_path / "series.parquet", date_column=None)
    assert load(tmp_path / "series.parquet").timestamps[0][0] == np.datetime64("2020-01-01T00:00")


def test_an_empty_date_cell_is_refused_with_its_row(tmp_path):
    frame = make_frame(60)
    frame.loc[7, "date"] = " "
    frame.to_csv(tmp_path / "series.csv", index=False)

    with pytest.raises(ForecastError, match="1 empty cells in data.date_column 'date', first at data row 7"):
        load(tmp_path / "series.csv")


def test_utc_offsets_across_a_daylight_saving_change_are_read_as_utc_when_asked(tmp_path):
    frame = make_frame(60)
    local = pd.date_range("2021-03-27 12:00", periods=60, freq="h", tz="Europe/Berlin")
    frame["date"] = [t.isoformat() for t in local]  # +01:00, then +02:00 from 2021-03-28 03:00
    frame.to_csv(tmp_path / "series.csv", index=False)

    with pytest.raises(ForecastError, match="carry different UTC offsets .* set data.utc=true"):
        load(tmp_path / "series.csv")
    stamps = load(tmp_path / "series.csv", utc=True).timestamps[0]

    assert stamps[0] == np.datetime64("2021-03-27T11:00")  # 12:00+01:00
    assert np.all(np.diff(stamps) == np.timedelta64(1, "h"))  # no gap, no repeat across the change
