"""Panels without TensorFlow: the .tsf and long-table readers on small files, the competition split's exact
boundaries, per-series scaling, series left out, and the competitions' metrics against hand computations."""

import json

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_module

from forecast_cli.data.loaders.panel import load_panel
from forecast_cli.data.loaders.tsf import load_tsf
from forecast_cli.data.prepare import prepare_data
from forecast_cli.data.scaling import Scaler, fit_scaler, fit_series_scaler
from forecast_cli.data.split import competition_ranges, split_ranges
from forecast_cli.errors import ForecastError
from forecast_cli.evaluation.by_series import SeriesScores, aggregate, owa, score_series
from forecast_cli.evaluation.point import smape_terms
from forecast_cli.evaluation.seasonal import mase_scale, naive_source_rows, seasonal_naive

from helpers import data_config, split_config

HEADER = """# a comment line\r
@relation Test\r
@attribute series_name string\r
@attribute start_timestamp date\r
@frequency quarterly\r
@horizon 2\r
@missing true\r
@equallength false\r
@data\r
"""
SERIES = """S1:2000-01-01 00-00-00:1,2,?,4,5,6,7,8,9,10,11,12\r
S2:2001-04-01 00-00-00:10,20,30,40,50,60,70,80,90,100\r
S3:2002-01-01 00-00-00:5,5,5,5,5\r
S4:2003-01-01 00-00-00:1,2,3,4\r
"""


def write(tmp_path, text, name="test.tsf"):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def compose_data(*overrides):
    import forecast_cli.commands.train  # noqa: F401  (stores the schemas)

    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        return compose("train", overrides=list(overrides))


def test_tsf_reader_missing_values_unequal_lengths_dates_horizon_and_season(tmp_path):
    path = write(tmp_path, HEADER + SERIES)
    data = load_tsf(data_config("tsf", path=str(path), missing="interpolate"), 1)
    assert data.ids == ["S1", "S2", "S3", "S4"] and [len(s) for s in data.segments] == [12, 10, 5, 4]
    np.testing.assert_array_equal(data.segments[0][:, 0], np.arange(1, 13))  # '?' between 2 and 4 -> 3
    assert (data.horizon, data.season, data.frequency, data.columns) == (2, 4, "3MS", ["value"])
    assert list(pd.DatetimeIndex(data.timestamps[1][:3]).strftime("%Y-%m-%d")) == ["2001-04-01", "2001-07-01", "2001-10-01"]
    dropped = load_tsf(data_config("tsf", path=str(path), missing="drop"), 1)
    assert len(dropped.segments[0]) == 11 and pd.Timestamp(dropped.timestamps[0][2]) == pd.Timestamp("2000-10-01")
    with pytest.raises(ForecastError, match=r"1 missing values \('\?'\), first in series 'S1' \(line 10\): set data.missing="):
        load_tsf(data_config("tsf", path=str(path)), 1)
    assert load_tsf(data_config("tsf", path=str(path), missing="ffill", horizon=3), 1).horizon == 3  # data.horizon wins


BAD_TSF = {
    "@horizon two": (HEADER.replace("@horizon 2", "@horizon two") + SERIES, r"line 6: @horizon must be a positive integer, got 'two'"),
    "unknown key": (HEADER.replace("@missing true", "@frobnicate yes") + SERIES, r"line 7: unknown header line '@frobnicate'"),
    "no @data": (HEADER.replace("@data\r\n", ""), r"has no @data line"),
    "@missing maybe": (HEADER.replace("@missing true", "@missing maybe") + SERIES, r"@missing must be true or false"),
    "? with @missing false": (HEADER.replace("@missing true", "@missing false") + SERIES, r"line 10: '\?' .* @missing false"),
    "equal length": (
        HEADER.replace("@equallength false", "@equallength true") + SERIES.replace("?", "3"),
        r"line 11: series 'S2' has 10 values but the header says @equallength true and the first series has 12",
    ),
    "bad attribute": (HEADER.replace("series_name string", "series_name text") + SERIES, r"@attribute needs a name and a type"),
    "bad value": (HEADER + "S1:2000-01-01 00-00-00:1,x,3\n", r"line 10: a value is not a number"),
    "duplicate name": (HEADER + SERIES.replace("S2:", "S1:"), r"line 11: series name 'S1' appears twice"),
}


@pytest.mark.parametrize("case", list(BAD_TSF))
def test_malformed_tsf_files_are_refused_naming_the_line(tmp_path, case):
    text, message = BAD_TSF[case]
    with pytest.raises(ForecastError, match=message):
        load_tsf(data_config("tsf", path=str(write(tmp_path, text)), missing="interpolate"), 1)


def long_table(tmp_path, rows=None):
    """3 series of different lengths and start dates, rows interleaved, a static and a feature column."""
    frame = pd.DataFrame(
        rows
        or [
            ("b", "2020-01-03", 30.0, 1.0, "north"),
            ("a", "2020-01-01", 1.0, 0.0, "south"),
            ("b", "2020-01-04", 31.0, 1.0, "north"),
            ("a", "2020-01-02", 2.0, 0.0, "south"),
            ("c", "2020-01-01", 100.0, 2.0, "east"),
            ("a", "2020-01-03", 3.0, 1.0, "south"),
        ],
        columns=["store_item", "date", "units", "promo", "region"],
    )
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    return path


def test_long_table_groups_series_in_order_of_appearance_with_their_dates(tmp_path):
    cfg = data_config("panel", path=str(long_table(tmp_path)), id_column="store_item", date_column="date", target="units",
                          features=["promo"], static=["region"])
    data = load_panel(cfg, 1)
    assert data.ids == ["b", "a", "c"] and data.columns == ["units", "promo"]
    np.testing.assert_array_equal(data.segments[1], [[1.0, 0.0], [2.0, 0.0], [3.0, 1.0]])
    np.testing.assert_array_equal(data.segments[0][:, 0], [30.0, 31.0])
    assert [len(s) for s in data.segments] == [2, 3, 1] and data.frequency == "D"
    assert str(data.timestamps[0][0])[:10] == "2020-01-03"


BAD_TABLES = {
    "duplicated pair": (
        [("a", "2020-01-01", 1.0, 0.0, "s"), ("b", "2020-01-01", 2.0, 0.0, "s"), ("a", "2020-01-01", 3.0, 0.0, "s")],
        {}, r"1 duplicated \(id, date\) pairs .* first: id 'a' at 2020-01-01 00:00:00 \(data row 2\): remove the duplicates",
    ),
    "dates going back": (
        [("a", "2020-01-02", 1.0, 0.0, "s"), ("b", "2020-01-01", 2.0, 0.0, "s"), ("a", "2020-01-01", 3.0, 0.0, "s")],
        {}, r"the dates of id 'a' do not increase: data row 2 \(2020-01-01 00:00:00\) .* set data.sort=true",
    ),
    "unknown id column": (None, {"id_column": "store"}, r"column 'store' given in data.id_column is not in the data"),
    "changing static column": (
        [("a", "2020-01-01", 1.0, 0.0, "s"), ("a", "2020-01-02", 2.0, 0.0, "n")],
        {"static": ["region"]}, r"static column 'region' changes within id 'a'",
    ),
    "target is the id": (None, {"target": "store_item"}, r"column 'store_item' is data.id_column"),
}


@pytest.mark.parametrize("case", list(BAD_TABLES))
def test_bad_long_tables_are_refused_in_one_line(tmp_path, case):
    rows, keys, message = BAD_TABLES[case]
    cfg = data_config("panel", **{"path": str(long_table(tmp_path, rows)), "id_column": "store_item", "date_column": "date",
                             "target": "units", **keys})
    with pytest.raises(ForecastError, match=message):
        load_panel(cfg, 1)


def test_sort_orders_each_series_by_date(tmp_path):
    rows = [("a", "2020-01-02", 2.0, 0.0, "s"), ("a", "2020-01-01", 1.0, 0.0, "s")]
    cfg = data_config("panel", path=str(long_table(tmp_path, rows)), id_column="store_item", date_column="date", target="units", sort=True)
    np.testing.assert_array_equal(load_panel(cfg, 1).segments[0][:, 0], [1.0, 2.0])


def test_competition_split_boundaries():
    # the last horizon rows test, the horizon before validation, both leading by the lookback
    assert competition_ranges(12, 2, 4) == {"train": (0, 8), "val": (4, 10), "test": (6, 12)}
    assert split_ranges(20, split_config(protocol="competition"), 5, horizon=3) == {
        "train": (0, 14), "val": (9, 17), "test": (12, 20),
    }
    assert competition_ranges(3, 2, 4) == {"train": (0, 0), "val": (0, 1), "test": (0, 3)}  # too short: no training rows
    with pytest.raises(ForecastError, match="needs the forecast horizon: set data.horizon"):
        competition_ranges(12, None, 4)


def test_prepare_splits_scales_per_series_and_reports_series_left_out(tmp_path, caplog):
    path = write(tmp_path, HEADER + SERIES)
    cfg = compose_data("data=tsf", f"data.path={path}", "data.missing=interpolate")
    prepared = prepare_data(cfg.data, cfg.window)
    spec = prepared.spec
    assert (spec.input_width, spec.label_width, spec.shift) == (4, 2, 2)  # lookback 2 x horizon 2 -> 2
    assert prepared.series.ids == ["S1", "S2", "S3"]  # S4 (4 rows = 2 horizons) has no training rows
    assert prepared.left_out == {"all": ["S4"], "train": ["S3"], "val": ["S3"], "test": ["S3"]}
    assert "1 of 4 series have no training rows and are left out: S4" in caplog.text
    assert prepared.window_counts() == {"train": 3 + 1, "val": 2, "test": 2}
    assert prepared.splits["test"].lengths == [6, 6, 5] and prepared.ranges[0]["test"] == (6, 12)
    # meanabs: each series divided by the mean |value| of its own training rows
    assert prepared.scaler.per_series and prepared.scaler.ids == ["S1", "S2", "S3"]
    np.testing.assert_allclose(prepared.scaler.scale[:, 0], [4.5, 35.0, 5.0])
    np.testing.assert_allclose(prepared.splits["test"].values[:6, 0], np.arange(7, 13) / 4.5, rtol=1e-6)
    np.testing.assert_allclose(prepared.splits["test"].values[6:12, 0], np.arange(50, 101, 10) / 35.0, rtol=1e-6)
    assert prepared.scaler.kind == "meanabs" and prepared.season == 4 and prepared.horizon == 2
    record = prepared.record()
    assert record["data"]["left_out"]["all"] == {"count": 1, "ids": ["S4"]} and record["split"]["horizon"] == 2


def test_history_keeps_the_most_recent_training_windows_of_every_series(tmp_path):
    from forecast_cli.data.panel import recent_window_starts

    np.testing.assert_array_equal(recent_window_starts([10, 5, 3], 4, 2), [5, 6, 10, 11])
    path = write(tmp_path, HEADER + SERIES)
    cfg = compose_data("data=tsf", f"data.path={path}", "data.missing=interpolate", "data.history=1")
    train = prepare_data(cfg.data, cfg.window).splits["train"]
    # 1 x horizon 2 = the last 2 windows of each training part: S1 (8 rows) starts 1, 2; S2 (6 rows) 0
    np.testing.assert_array_equal(train.starts, [1, 2, 8])


@pytest.mark.parametrize("kind", ["standard", "minmax", "meanabs"])
def test_series_scaler_round_trip(tmp_path, kind):
    rng = np.random.default_rng(0)
    parts = [rng.normal(loc, scale, (n, 2)) for loc, scale, n in ((5, 1, 7), (-300, 40, 12), (1e4, 1, 3))]
    scaler = fit_series_scaler(kind, parts, ["x", "y", "z"], ["a", "b"], [0.0, 1.0])
    for i, part in enumerate(parts):
        scaled = scaler.transform(part[None], groups=[i])[0]
        np.testing.assert_allclose(scaled, (part - scaler.offset[i]) / scaler.scale[i], rtol=1e-15)
        np.testing.assert_allclose(scaler.inverse_transform(scaled[None], ["a", "b"], np.array([i]))[0], part, rtol=1e-12)
        if kind == "minmax":
            np.testing.assert_allclose([scaled.min(axis=0), scaled.max(axis=0)], [[0, 0], [1, 1]], atol=1e-12)
        if kind == "meanabs":
            np.testing.assert_allclose(np.abs(scaled).mean(axis=0), [1, 1])
    scaler.save(tmp_path / "series_scaler.json")
    loaded = Scaler.load(tmp_path / "series_scaler.json")
    assert (loaded.kind, loaded.ids, loaded.columns, loaded.per_series) == (kind, ["x", "y", "z"], ["a", "b"], True)
    np.testing.assert_array_equal(loaded.offset, scaler.offset)
    np.testing.assert_array_equal(loaded.scale, scaler.scale)
    np.testing.assert_array_equal(loaded.positions(["z", "x"]), [2, 0])
    with pytest.raises(ForecastError, match="1 series of the data are not in the run's series_scaler.json .first: 'w'"):
        loaded.positions(["x", "w"])
    payload = json.loads((tmp_path / "series_scaler.json").read_text())
    assert len(payload["offset"]) == 3 and len(payload["offset"][0]) == 2


def test_one_scaler_class_reads_both_files_a_run_saves(tmp_path):
    """A global scaler (scaler.json: 1-D offset/scale) and a per-series one (series_scaler.json: ids and rows)
    are the same class; the global one scales any series with its one group, the per-series one each by its id."""
    rng = np.random.default_rng(1)
    rows = rng.normal(3.0, 2.0, (20, 2))
    whole = fit_scaler("standard", rows, ["a", "b"], [0.0, 1.0])
    whole.save(tmp_path / "scaler.json")
    payload = json.loads((tmp_path / "scaler.json").read_text())
    assert len(payload["offset"]) == 2 and "ids" not in payload and payload["ddof"] == 1
    loaded = Scaler.load(tmp_path / "scaler.json")
    assert not loaded.per_series and loaded.knows("anything")
    np.testing.assert_array_equal(loaded.positions(["p", "q"]), [0, 0])
    windows = rows.reshape(4, 5, 2)
    expected = (windows - rows.mean(axis=0)) / rows.std(axis=0, ddof=1)
    np.testing.assert_allclose(loaded.transform(windows), expected, rtol=1e-12)
    np.testing.assert_allclose(loaded.transform(windows, groups=[0, 0, 0, 0]), expected, rtol=1e-12)
    per = fit_series_scaler("standard", [rows[:10], rows[10:]], ["p", "q"], ["a", "b"], [0.0, 1.0])
    assert not per.knows("r") and per.knows("q")
    two = per.transform(windows[:2, :, 1:], ["b"], groups=[1, 0])[:, :, 0]
    np.testing.assert_allclose(two[0], (windows[0, :, 1] - rows[10:, 1].mean()) / rows[10:, 1].std(ddof=1), rtol=1e-12)
    np.testing.assert_allclose(two[1], (windows[1, :, 1] - rows[:10, 1].mean()) / rows[:10, 1].std(ddof=1), rtol=1e-12)
    with pytest.raises(ValueError, match="needs the group of every value"):
        per.transform(windows)


def test_smape_mase_and_the_seasonal_naive_by_hand():
    np.testing.assert_allclose(smape_terms([100.0, 0.0, -50.0], [110.0, 0.0, 50.0]), [200 * 10 / 210, 0.0, 200.0])
    assert mase_scale(np.array([1.0, 2, 4, 8, 16]), 2) == pytest.approx(7.0)  # |4-1|, |8-2|, |16-4|
    assert mase_scale(np.array([1.0, 3.0]), 4) == pytest.approx(2.0)  # no longer than a season: lag 1
    assert np.isnan(mase_scale(np.array([5.0, 5, 5, 5, 5]), 2))  # nothing to scale by
    np.testing.assert_array_equal(seasonal_naive(np.arange(1, 7), 5, 4), [3, 4, 5, 6, 3])
    np.testing.assert_array_equal(seasonal_naive(np.arange(1, 3), 3, 4), [2, 2, 2])
    # label rows 10..14 of a series observed up to row 9, season 4: rows 6, 7, 8, 9, then 6 again
    np.testing.assert_array_equal(naive_source_rows(np.arange(10, 15)[None], np.array([10]), 4), [[6, 7, 8, 9, 6]])
    np.testing.assert_array_equal(naive_source_rows(np.array([[2, 3]]), np.array([2]), 4), [[1, 1]])  # before the start


def test_per_series_scores_averages_and_owa_by_hand():
    # series 0: two windows of 2 steps; series 1: one window; series 2: none
    actual = np.array([[[10.0], [20.0]], [[30.0], [40.0]], [[100.0], [100.0]]])
    forecast = np.array([[[12.0], [20.0]], [[30.0], [36.0]], [[90.0], [110.0]]])
    naive = np.array([[[8.0], [16.0]], [[20.0], [40.0]], [[100.0], [80.0]]])
    scores = score_series(actual, forecast, naive, np.array([0, 0, 1]), np.array([[2.0], [5.0], [1.0]]), 3)
    np.testing.assert_array_equal(scores["windows"], [2, 1, 0])
    assert scores["real_mae"][0] == pytest.approx((2 + 0 + 0 + 4) / 4) and scores["real_mae"][1] == pytest.approx(10.0)
    assert scores["real_rmse"][0] == pytest.approx(np.sqrt((4 + 16) / 4))
    smape0 = (200 * 2 / 22 + 0 + 0 + 200 * 4 / 76) / 4
    smape1 = (200 * 10 / 190 + 200 * 10 / 210) / 2
    assert scores["real_smape"][0] == pytest.approx(smape0) and scores["real_smape"][1] == pytest.approx(smape1)
    assert scores["mase"][0] == pytest.approx(1.5 / 2) and scores["mase"][1] == pytest.approx(10 / 5)
    naive_smape = ((200 * 2 / 18 + 200 * 4 / 36 + 200 * 10 / 50 + 0) / 4 + (0 + 200 * 20 / 180) / 2) / 2
    naive_mase = ((2 + 4 + 10 + 0) / 4 / 2 + (0 + 20) / 2 / 5) / 2
    result = aggregate(scores)
    assert result["series"] == 2 and np.isnan(scores["mase"][2])
    assert result["real_smape"] == pytest.approx((smape0 + smape1) / 2)
    assert result["mase"] == pytest.approx((0.75 + 2.0) / 2)
    assert result["naive_smape"] == pytest.approx(naive_smape) and result["naive_mase"] == pytest.approx(naive_mase)
    assert result["owa"] == pytest.approx(0.5 * ((smape0 + smape1) / 2 / naive_smape + 1.375 / naive_mase))
    assert owa(10.0, 1.0, 20.0, 2.0) == pytest.approx(0.5) and np.isnan(owa(1.0, 1.0, 0.0, 1.0))
    chunked = SeriesScores(3)  # a split is scored chunk by chunk: the same sums
    for part in (slice(0, 1), slice(1, 3)):
        chunked.update(actual[part], forecast[part], naive[part], np.array([0, 0, 1])[part], np.array([[2.0], [5.0], [1.0]]))
    for name, values in chunked.result().items():
        np.testing.assert_allclose(values, scores[name])


def test_a_panels_scaled_and_per_series_metrics_come_from_one_pass_over_the_same_windows(tmp_path):
    """score_split's scaled metrics equal a MetricAccumulator's over the tf.data windows of the split, while the
    model runs once per window."""
    from forecast_cli.data.pipeline import make_dataset
    from forecast_cli.evaluation.scaled import MetricAccumulator
    from forecast_cli.evaluation.score import score_split

    path = write(tmp_path, HEADER + SERIES)
    cfg = compose_data("data=tsf", f"data.path={path}", "data.missing=interpolate")
    prepared = prepare_data(cfg.data, cfg.window)
    spec = prepared.spec
    windows_seen = []

    def forward(inputs):  # a made-up model: the last input value plus a step, per label step
        windows_seen.append(len(inputs))
        return (inputs[:, -1:, :1] + 0.1 * np.arange(1, spec.label_width + 1)[None, :, None]).astype(np.float32)

    for split in ("train", "val", "test"):
        expected = MetricAccumulator("huber")
        part = prepared.splits[split]
        for inputs, labels in make_dataset(part.values, part.starts, spec, 3, shuffle=False, seed=0):
            expected.update(labels.numpy(), forward(inputs.numpy()))
        windows_seen.clear()
        dataset = make_dataset(part.values, part.starts, spec, 5, shuffle=False, seed=0)
        metrics, rows = score_split(lambda x: forward(x.numpy()), dataset, prepared, split, "huber")
        assert sum(windows_seen) == len(part.starts)  # one pass
        for name, value in expected.result().items():
            assert metrics[name] == pytest.approx(value, rel=1e-12), (split, name)
        assert metrics["loss"] != metrics["mse"]  # the huber loss
        assert {"real_mae", "mase", "owa"} <= set(metrics)
        assert [row["id"] for row in rows] == ["S1", "S2"]  # S3 is shorter than a window in every split
