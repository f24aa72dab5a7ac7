"""Loaders, splits and scalers: values checked against independent NumPy/pandas computations."""

import gzip

import numpy as np
import pandas as pd
import pytest

from forecast_cli.data.loaders.csv_file import load_csv
from forecast_cli.data.loaders.sine import load_sine
from forecast_cli.data.scaling import Scaler, fit_scaler
from forecast_cli.data.series import SPLIT_BY_SERIES, SPLIT_BY_TIME, SeriesData
from forecast_cli.data.split import split_series
from forecast_cli.errors import ForecastError

from helpers import data_config, make_frame, split_config, window_config


def csv_config(path, **kwargs):
    return data_config("csv", path=str(path), date_column="date", target="target", **kwargs)


def test_sine_matches_the_books_generator_with_the_global_seed():
    np.random.seed(42)
    freq1, freq2, offsets1, offsets2 = np.random.rand(4, 50, 1)
    time = np.linspace(0, 1, 11)
    expected = 0.5 * np.sin((time - offsets1) * (freq1 * 10 + 10))
    expected += 0.2 * np.sin((time - offsets2) * (freq2 * 20 + 20))
    expected += 0.1 * (np.random.rand(50, 11) - 0.5)
    data = load_sine(data_config("sine", n_series=50, seed=42), window_rows=11)
    assert data.split_by == SPLIT_BY_SERIES
    np.testing.assert_array_equal(np.stack([s[:, 0] for s in data.segments]), expected)


def test_split_by_series_uses_the_books_7000_2000_1000():
    data = load_sine(data_config("sine", n_series=10000, length=3), window_rows=3)
    parts = split_series(data, split_config())
    assert [len(parts[k]) for k in ("train", "val", "test")] == [7000, 2000, 1000]


def test_split_by_time_has_the_tutorial_boundaries():
    values = np.arange(1001, dtype=float)[:, None]
    data = SeriesData([values], ["x"], ["x"], SPLIT_BY_TIME, "test", "")
    parts = split_series(data, split_config(train=0.7, val=0.2))
    n = 1001
    assert parts["train"][0][-1, 0] == int(n * 0.7) - 1
    assert parts["val"][0][0, 0] == int(n * 0.7)
    assert parts["val"][0][-1, 0] == int(n * 0.9) - 1
    assert parts["test"][0][0, 0] == int(n * 0.9) and parts["test"][0][-1, 0] == n - 1


def test_standard_scaler_uses_pandas_statistics_and_round_trips(tmp_path):
    frame = make_frame()[["load", "temp"]]
    scaler = fit_scaler("standard", frame.to_numpy(), ["load", "temp"], (0, 1))
    np.testing.assert_allclose(scaler.offset, frame.mean().to_numpy())
    np.testing.assert_allclose(scaler.scale, frame.std().to_numpy())
    scaler.save(tmp_path / "scaler.json")
    loaded = Scaler.load(tmp_path / "scaler.json")
    scaled = loaded.transform(frame.to_numpy())
    np.testing.assert_allclose(loaded.inverse_transform(scaled), frame.to_numpy())


def test_minmax_scaler_maps_train_range_to_feature_range():
    train = np.array([[2.0, -5.0], [4.0, 5.0], [3.0, 0.0]])
    scaler = fit_scaler("minmax", train, ["a", "b"], (-1.0, 1.0))
    np.testing.assert_allclose(scaler.transform(train), [[-1, -1], [1, 1], [0, 0]])


def test_csv_loader_reads_targets_first_then_features(csv_file):
    data = load_csv(csv_config(csv_file), window_rows=5)
    frame = make_frame()
    assert data.columns == ["target", "load", "temp"]
    np.testing.assert_allclose(data.segments[0], frame[["target", "load", "temp"]].to_numpy())
    assert len(data.sha256) == 64


def test_csv_loader_reads_gzip_parquet_and_tabs(tmp_path):
    frame = make_frame(50)
    gz = tmp_path / "a.csv.gz"
    with gzip.open(gz, "wt") as handle:
        frame.to_csv(handle, index=False)
    tsv = tmp_path / "b.csv"
    frame.to_csv(tsv, index=False, sep="\t")
    parquet = tmp_path / "c.parquet"
    frame.to_parquet(parquet)
    for path in (gz, tsv, parquet):
        data = load_csv(csv_config(path), window_rows=5)
        np.testing.assert_allclose(data.segments[0][:, 0], frame["target"].to_numpy())


@pytest.mark.parametrize(
    "mutate, kwargs, message",
    [
        (None, {"target": "nope"}, "column 'nope' given in data.target is not in the data"),
        (None, {"features": ["load", "zzz"]}, "column 'zzz' given in data.features"),
        (lambda f: f.assign(load=["x"] + list(f["load"][1:])), {}, "column 'load' is not numeric"),
        (lambda f: f.assign(temp=[np.nan] * 3 + list(f["temp"][3:])), {}, "3 missing or infinite values"),
        (lambda f: f.iloc[::-1], {}, "are not sorted"),
        (lambda f: pd.concat([f.iloc[:5], f.iloc[4:]]), {}, "duplicated timestamps"),
    ],
)
def test_csv_loader_names_user_mistakes(tmp_path, mutate, kwargs, message):
    frame = make_frame(60)
    if mutate is not None:
        frame = mutate(frame)
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    options = {"target": "target", **kwargs}
    with pytest.raises(ForecastError) as info:
        load_csv(data_config("csv", path=str(path), date_column="date", **options), window_rows=5)
    assert message in str(info.value)


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(ForecastError, match="data file not found"):
        load_csv(csv_config(tmp_path / "none.csv"), window_rows=5)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ForecastError, match="data file is empty"):
        load_csv(csv_config(tmp_path / "empty.csv"), window_rows=5)


def test_missing_value_policies(tmp_path):
    frame = make_frame(30)
    frame.loc[5, "temp"] = np.nan
    path = tmp_path / "nan.csv"
    frame.to_csv(path, index=False)
    filled = load_csv(csv_config(path, missing="ffill"), 5).segments[0]
    assert filled[5, 2] == filled[4, 2]
    interpolated = load_csv(csv_config(path, missing="interpolate"), 5).segments[0]
    assert interpolated[5, 2] == pytest.approx((frame.loc[4, "temp"] + frame.loc[6, "temp"]) / 2)
    assert len(load_csv(csv_config(path, missing="drop"), 5).segments[0]) == 29


def test_unsorted_rows_are_sorted_only_when_asked(tmp_path):
    frame = make_frame(30)
    path = tmp_path / "shuffled.csv"
    frame.iloc[::-1].to_csv(path, index=False)
    data = load_csv(csv_config(path, sort=True), 5)
    np.testing.assert_allclose(data.segments[0][:, 0], frame["target"].to_numpy())


def _first_last(parts):
    return {name: (int(seg[0][0, 0]), int(seg[0][-1, 0])) for name, seg in parts.items()}


def test_ltsf_ett_borders_look_back_into_the_previous_split():
    """Time-Series-Library's ETTh borders: [0, 8640), [8640 - L, 11520), [11520 - L, 14400)."""
    values = np.arange(17420, dtype=float)[:, None]
    data = SeriesData([values], ["x"], ["x"], SPLIT_BY_TIME, "test", "")
    parts = split_series(data, split_config(protocol="ltsf", rows=[8640, 2880, 2880]), lookback=96)
    assert _first_last(parts) == {"train": (0, 8639), "val": (8640 - 96, 11519), "test": (11520 - 96, 14399)}


def test_ltsf_fractions_are_time_series_librarys_7_1_2():
    n = 966
    values = np.arange(n, dtype=float)[:, None]
    data = SeriesData([values], ["x"], ["x"], SPLIT_BY_TIME, "test", "")
    parts = split_series(data, split_config(protocol="ltsf", train=0.7, val=0.1), lookback=36)
    n_train, n_test = int(n * 0.7), int(n * 0.2)
    n_val = n - n_train - n_test
    assert _first_last(parts) == {
        "train": (0, n_train - 1),
        "val": (n_train - 36, n_train + n_val - 1),
        "test": (n - n_test - 36, n - 1),
    }


def test_ltsf_first_test_target_is_the_first_test_row(tmp_path):
    from omegaconf import OmegaConf

    from forecast_cli.data.prepare import prepare_data

    path = tmp_path / "rows.csv"
    pd.DataFrame({"x": np.arange(200, dtype=float)}).to_csv(path, index=False)
    data_cfg = OmegaConf.structured(data_config("csv", path=str(path), target="x", scaler="none"))
    data_cfg.split = OmegaConf.structured(split_config(protocol="ltsf", rows=[100, 50, 40]))
    prepared = prepare_data(data_cfg, OmegaConf.structured(window_config(10, 5, 5)))
    test = prepared.splits["test"]
    first_label = test.values[test.starts[0] + prepared.spec.label_start, 0]
    last_label = test.values[test.starts[-1] + prepared.spec.total_width - 1, 0]
    assert (first_label, last_label) == (150.0, 189.0)
    assert prepared.split_ranges == {"train": [0, 100], "val": [90, 150], "test": [140, 190]}


def test_split_rows_need_the_ltsf_protocol_and_enough_data():
    with pytest.raises(ForecastError, match="needs data.split.protocol=ltsf"):
        split_config(rows=[1, 1, 1])
    data = SeriesData([np.zeros((10, 1))], ["x"], ["x"], SPLIT_BY_TIME, "test", "")
    with pytest.raises(ForecastError, match="need 30 rows but the data has 10"):
        split_series(data, split_config(protocol="ltsf", rows=[10, 10, 10]))


@pytest.mark.parametrize("protocol, expected", [("tutorial", (700, 900)), ("ltsf", (700, 800))])
def test_each_protocol_has_its_own_validation_share(protocol, expected):
    """tutorial 70/20/10; ltsf (Time-Series-Library) 70/10/20 unless data.split.val says otherwise."""
    from forecast_cli.data.split import split_ranges

    ranges = split_ranges(1000, split_config(protocol=protocol), lookback=0)
    assert (ranges["val"][0], ranges["test"][0]) == expected
    assert ranges["test"][1] == 1000
    assert split_ranges(1000, split_config(protocol="ltsf", val=0.2), lookback=0)["test"] == (900, 1000)


def _prepared_csv(tmp_path, frame, split, **data):
    from omegaconf import OmegaConf

    from forecast_cli.data.prepare import prepare_data

    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    data_cfg = OmegaConf.structured(data_config("csv", path=str(path), date_column="date", **data))
    data_cfg.split = OmegaConf.structured(split)
    return prepare_data(data_cfg, OmegaConf.structured(window_config(input_width=4)))


@pytest.mark.parametrize("protocol, ddof", [("tutorial", 1), ("ltsf", 0)])
def test_standard_scaler_uses_the_protocols_deviation_and_records_it(tmp_path, protocol, ddof):
    frame = make_frame(200)
    prepared = _prepared_csv(tmp_path, frame, split_config(protocol=protocol), target="target")
    train = frame[["target", "load", "temp"]].to_numpy()[:140]
    np.testing.assert_allclose(prepared.scaler.scale, train.std(axis=0, ddof=ddof))
    assert prepared.record()["scaler"] == {"kind": "standard", "ddof": ddof}
    prepared.scaler.save(tmp_path / "scaler.json")
    assert Scaler.load(tmp_path / "scaler.json").ddof == ddof


def test_target_all_makes_every_column_but_the_date_a_target_and_an_input(tmp_path):
    prepared = _prepared_csv(tmp_path, make_frame(100), split_config(protocol="ltsf"), target="all")
    assert prepared.spec.label_columns == prepared.spec.input_columns == ("load", "temp", "target")
    with pytest.raises(ForecastError, match="data.features must be null with data.target=all"):
        data_config("csv", path="x.csv", target="all", features=["load"])


def _with_a_repeated_hour(rows=60):
    frame = make_frame(rows)
    repeated = frame.iloc[[10]].assign(target=99.0)
    return pd.concat([frame.iloc[:11], repeated, frame.iloc[11:]], ignore_index=True)


def test_a_duplicated_timestamp_is_refused_by_default_with_the_policies_named(tmp_path):
    path = tmp_path / "dup.csv"
    _with_a_repeated_hour().to_csv(path, index=False)
    with pytest.raises(ForecastError) as info:
        load_csv(csv_config(path), window_rows=5)
    assert "1 duplicated timestamps in 'date', first at data row 11 (2020-01-01 10:00:00)" in str(info.value)
    assert "data.duplicates=keep" in str(info.value) and "data.duplicates=drop" in str(info.value)


def test_duplicate_policies_keep_every_row_or_the_first_of_each_timestamp(tmp_path):
    path = tmp_path / "dup.csv"
    frame = _with_a_repeated_hour()
    frame.to_csv(path, index=False)
    kept = load_csv(csv_config(path, duplicates="keep"), window_rows=5)
    dropped = load_csv(csv_config(path, duplicates="drop"), window_rows=5)
    assert len(kept.segments[0]) == 61 and kept.segments[0][11, 0] == 99.0
    assert len(dropped.segments[0]) == 60
    np.testing.assert_array_equal(dropped.segments[0][:, 0], make_frame(60)["target"].to_numpy())
    assert len(np.unique(dropped.timestamps[0])) == 60
