"""Timestamps are nanoseconds end to end, which hold 1677-09-21 to 2262-04-11: a date outside that range is
refused in one line naming where it is (it used to wrap around silently, 2300 becoming 1715), in the CSV,
Parquet, panel and .tsf loaders, and a forecast whose timestamps would leave it is refused before it runs."""

import numpy as np
import pandas as pd
import pytest
from helpers import data_config, finished_outputs, make_frame, only_run, run_forecast

from forecast_cli.data.loaders.csv_file import load_csv
from forecast_cli.data.loaders.panel import load_panel
from forecast_cli.data.loaders.tsf import load_tsf
from forecast_cli.data.timestamps import future_timestamps
from forecast_cli.errors import ForecastError

RANGE = r"outside the range this tool holds \(1677-09-21 00:12:43 to 2262-04-11 23:47:16, pandas' nanosecond timestamps\)"
LATE = ["2262-04-10", "2262-04-11", "2262-04-12", "2300-01-01"]


def test_a_csv_date_after_2262_is_refused_naming_its_row(tmp_path):
    pd.DataFrame({"date": LATE, "y": [1.0, 2.0, 3.0, 4.0]}).to_csv(tmp_path / "late.csv", index=False)

    with pytest.raises(ForecastError, match=rf"data.date_column 'date' at data row 2 is 2262-04-12 00:00:00, the first of 2 dates {RANGE}"):
        load_csv(data_config("csv", path=str(tmp_path / "late.csv"), target="y", date_column="date"), window_rows=2)


def test_a_parquet_timestamp_in_seconds_before_1677_is_refused(tmp_path):
    dates = pd.to_datetime(["1600-01-01", "2000-01-01", "2000-01-02"]).as_unit("s")
    pd.DataFrame({"date": dates, "y": [1.0, 2.0, 3.0]}).to_parquet(tmp_path / "early.parquet")

    with pytest.raises(ForecastError, match=rf"at data row 0 is 1600-01-01 00:00:00, the first of 1 dates {RANGE}"):
        load_csv(data_config("csv", path=str(tmp_path / "early.parquet"), target="y", date_column="date"), window_rows=2)


def test_a_panel_date_after_2262_is_refused(tmp_path):
    pd.DataFrame({"id": ["a"] * 4, "date": LATE, "y": [1.0, 2.0, 3.0, 4.0]}).to_csv(tmp_path / "panel.csv", index=False)

    with pytest.raises(ForecastError, match=rf"at data row 2 is 2262-04-12 00:00:00, the first of 2 dates {RANGE}"):
        load_panel(data_config("panel", path=str(tmp_path / "panel.csv"), target="y", id_column="id", date_column="date"), 2)


def test_a_tsf_series_stepping_past_2262_is_refused_naming_its_line_and_value(tmp_path):
    header = "@relation x\n@attribute series_name string\n@attribute start_timestamp date\n@frequency yearly\n"
    values = ",".join(str(v) for v in range(1, 16))
    (tmp_path / "late.tsf").write_text(f"{header}@horizon 2\n@data\nT1:2250-01-01 00-00-00:{values}\n")

    with pytest.raises(ForecastError, match=rf"late.tsf line 7: the date of value 14 of series 'T1' is 2263-01-01 00:00:00, the first of 2 dates {RANGE}"):
        load_tsf(data_config("tsf", path=str(tmp_path / "late.tsf")), window_rows=2)


def test_dates_inside_the_range_read_as_written(tmp_path):
    pd.DataFrame({"date": LATE[:2], "y": [1.0, 2.0]}).to_csv(tmp_path / "edge.csv", index=False)

    series = load_csv(data_config("csv", path=str(tmp_path / "edge.csv"), target="y", date_column="date"), window_rows=2)

    assert series.timestamps[0].dtype == np.dtype("datetime64[ns]")
    assert list(series.timestamps[0]) == [np.datetime64("2262-04-10", "ns"), np.datetime64("2262-04-11", "ns")]


def test_future_timestamps_stop_before_the_end_of_the_range():
    last = np.datetime64("2262-04-01T00:00", "ns")
    assert future_timestamps(last, "D", 10)[-1] == pd.Timestamp("2262-04-11")
    with pytest.raises(ForecastError, match=r"a forecast of 11 steps of 'D' after 2262-04-01 00:00:00 would reach past 2262-04-11 23:47:16, the last date this tool holds .*: lower horizon"):
        future_timestamps(last, "D", 11)
    with pytest.raises(ForecastError, match="a forecast of 1000000000 steps of 'MS'"):
        future_timestamps(last, "MS", 10**9)


def test_predict_across_the_end_of_the_range_is_one_line_exit_2(tmp_path):
    frame = make_frame(200)
    frame["date"] = pd.date_range(end="2262-04-01 23:00", periods=200, freq="h").strftime("%Y-%m-%d %H:%M:%S")
    frame[["date", "target"]].to_csv(tmp_path / "late.csv", index=False)
    train = ["train", "data=csv", "data.path=late.csv", "data.date_column=date", "data.target=target", "model=linear",
             "window.input_width=12", "trainer.epochs=1", "trainer.batch_size=32", "trainer.verbose=silent"]
    assert run_forecast(train, cwd=tmp_path).returncode == 0
    run = only_run(tmp_path)

    within = run_forecast(["predict", f"run={run}", "horizon=24", f"output={tmp_path / 'within'}"], cwd=tmp_path)
    beyond = run_forecast(["predict", f"run={run}", "horizon=300", f"output={tmp_path / 'beyond'}"], cwd=tmp_path)

    assert within.returncode == 0, within.stderr
    assert pd.read_csv(tmp_path / "within" / "predictions.csv")["timestamp"].iloc[-1] == "2262-04-02 23:00"
    assert beyond.returncode == 2
    assert beyond.stderr.splitlines() == [
        "forecast: error: a forecast of 300 steps of 'h' after 2262-04-01 23:00:00 would reach past 2262-04-11 23:47:16, "
        "the last date this tool holds (1677-09-21 00:12:43 to 2262-04-11 23:47:16, pandas' nanosecond timestamps): "
        "lower horizon"
    ]
    assert not finished_outputs(tmp_path, "beyond/run.json")
