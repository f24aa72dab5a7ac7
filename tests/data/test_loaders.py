"""The packaged and downloaded loaders (sincos, airline, covid, ett) against independent computations."""

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from forecast_cli.data.loaders.airline import load_airline
from forecast_cli.data.loaders.covid import load_covid
from forecast_cli.data.loaders.ett import load_ett
from forecast_cli.data.loaders.sincos import load_sincos
from forecast_cli.data.prepare import prepare_data
from forecast_cli.errors import ForecastError

from helpers import data_config, window_config


def compose_data(name, **overrides):
    from hydra import compose, initialize_config_module

    import forecast_cli.commands.train  # noqa: F401  (stores the schemas of the train config)

    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        cfg = compose("train", overrides=[f"data={name}", *[f"{k}={v}" for k, v in overrides.items()]])
    return cfg.data


def test_sincos_inputs_sin_targets_cos_at_the_same_step():
    data = load_sincos(data_config("sincos", rows=300), 20)
    x = np.arange(300) / (10 * np.pi)
    np.testing.assert_allclose(data.segments[0], np.column_stack([np.sin(x), np.cos(x)]))
    window = OmegaConf.structured(window_config(20, 20, 0, label_columns=["cos"], input_columns=["sin"]))
    prepared = prepare_data(compose_data("sincos", **{"data.rows": 300}), window)
    split = prepared.splits["train"]
    start = split.starts[3]
    assert prepared.spec.total_width == 20
    np.testing.assert_allclose(split.values[start : start + 20, 1], np.cos(x[3:23]), atol=1e-6)


def test_airline_test_split_is_the_last_12_months_and_minmax_is_fit_on_train():
    data = load_airline(data_config("airline"), 24)
    assert data.segments[0].shape == (144, 1) and data.segments[0][0, 0] == 112 and data.segments[0][-1, 0] == 432
    window = OmegaConf.structured(window_config(12, 12, 12))
    prepared = prepare_data(compose_data("airline"), window)
    train = data.segments[0][:120, 0]
    low, high = train.min(), train.max()
    test = prepared.splits["test"]
    assert len(test.starts) == 1
    labels = prepared.scaler.inverse_transform(test.values[12:24])[:, 0]
    np.testing.assert_allclose(labels, data.segments[0][-12:, 0])
    np.testing.assert_allclose(test.values[12:24, 0], 2 * (data.segments[0][-12:, 0] - low) / (high - low) - 1)
    assert prepared.split_ranges["test"] == [120, 144]


def test_covid_is_differenced_from_the_tab_separated_file(tmp_path):
    path = tmp_path / "covid.tsv"
    cumulative = np.cumsum(np.arange(1, 31 * 3 + 1).reshape(31, 3), axis=0).astype(float)
    frame = pd.DataFrame(cumulative, columns=["confirmed_num", "cured_num", "dead_num"])
    frame.insert(0, "date", pd.date_range("2020-01-24", periods=31).strftime("%Y-%m-%d"))
    frame.to_csv(path, sep="\t", index=False)
    data = load_covid(data_config("covid", path=str(path)), 9)
    np.testing.assert_array_equal(data.segments[0], np.diff(cumulative, axis=0))
    shipped = load_covid(data_config("covid"), 9)
    assert shipped.segments[0].shape == (46, 3) and (shipped.segments[0] >= 0).all()


def test_covid_refuses_a_comma_separated_file(tmp_path):
    path = tmp_path / "covid.csv"
    path.write_text("date,confirmed_num,cured_num,dead_num\n2020-01-24,1,2,3\n")
    with pytest.raises(ForecastError, match="tab-separated"):
        load_covid(data_config("covid", path=str(path)), 9)


def test_ett_reads_a_local_file_with_all_columns_as_targets(tmp_path):
    path = tmp_path / "ETTh1.csv.gz"
    frame = pd.DataFrame(np.arange(40 * 7, dtype=float).reshape(40, 7), columns=["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"])
    frame.insert(0, "date", pd.date_range("2016-07-01", periods=40, freq="h").strftime("%Y-%m-%d %H:%M:%S"))
    frame.to_csv(path, index=False)
    data = load_ett(data_config("ett", path=str(path)), 4)
    assert data.targets == data.columns == list(frame.columns[1:])
    np.testing.assert_array_equal(data.segments[0], frame.iloc[:, 1:].to_numpy())


def test_ett_offline_without_cache_names_data_path(tmp_path):
    cfg = data_config("ett", base_url="http://127.0.0.1:9", cache_dir=str(tmp_path))
    with pytest.raises(ForecastError, match="data.path="):
        load_ett(cfg, 4)
