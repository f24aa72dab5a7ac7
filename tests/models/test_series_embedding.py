"""A learned series embedding (`model.series_embedding`): every family that can take one looks a vector up by
the window's series index and saves/loads exactly; RevIN leaves the embedding alone; families it could not
reach refuse it; and through the real `forecast` script, a panel whose two series share a window but not its
continuation is forecast right only with the embedding, in train, evaluate, predict, backtest and the
SavedModel alike."""

import json

import keras
import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from forecast_cli.data.series_index import SERIES_INDEX_COLUMN, append_series_index, with_series_index
from forecast_cli.data.window import resolve_window
from forecast_cli.errors import ForecastError
from forecast_cli.models import MODELS, build_model

from helpers import model_node, run_forecast, window_config

SPEC = with_series_index(resolve_window(window_config(6, 3, 3, label_columns=["b"]), ["a", "b"], ["b"]))
N_SERIES = 3
SMALL = {"units": 8, "stacks": 2, "layers": 2, "d_model": 8, "n_heads": 2, "d_ff": 8, "e_layers": 1,
         "filters": 4, "kernel_size": 3, "ff_dim": 8, "n_block": 1}
EMBEDDED = [n for n in MODELS.names() if MODELS.get(n).schema.series_embedding_use is not None]
REFUSED = [n for n in MODELS.names() if MODELS.get(n).schema.series_embedding_use is None]


def config(name, **overrides):
    schema = model_node(name)
    small = {k: v for k, v in SMALL.items() if k in schema and not isinstance(schema[k], (list, type(None)))}
    if name in ("dense", "multi_step_dense"):
        small["units"] = [8]
    return OmegaConf.merge(schema, {**small, "series_embedding": 4, **overrides})


def windows(series, seed=0):
    """The same data window for every entry of `series`, with that series' index as the last channel."""
    data = np.random.default_rng(seed).standard_normal((1, SPEC.input_width, 2)).astype("float32")
    data = np.repeat(data, len(series), axis=0)
    index = np.broadcast_to(np.asarray(series, "float32")[:, None, None], (len(series), SPEC.input_width, 1))
    return np.concatenate([data, index], axis=2)


def spread_table(model):
    layer = model.get_layer("series_embedding")
    layer.set_weights([np.arange(N_SERIES * 4, dtype="float32").reshape(N_SERIES, 4) - 5.0])


def test_the_families_that_take_an_embedding_and_those_that_refuse_it():
    assert {"dense", "lstm", "gru", "conv", "tsmixer", "itransformer", "nbeats"} <= set(EMBEDDED)
    assert {"dlinear", "nlinear", "patchtst", "timemixer", "seasonal_naive", "ar_lstm"} <= set(REFUSED)
    for name in REFUSED:
        with pytest.raises(ForecastError, match=f"model={name} cannot take a series embedding"):
            build_model(config(name), SPEC, n_series=N_SERIES)


@pytest.mark.parametrize("name", EMBEDDED)
def test_the_series_changes_the_forecast_and_the_model_reloads_exactly(name, tmp_path):
    model = build_model(config(name), SPEC, n_series=N_SERIES)
    assert model.get_layer("series_embedding").get_weights()[0].shape == (N_SERIES, 4)
    spread_table(model)
    x = windows([0, 1, 2])
    y = np.asarray(model(x))
    assert y.shape == (3, 3, 1)
    assert not np.allclose(y[0], y[1]) and not np.allclose(y[1], y[2])  # same data window, three series
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True, compile=False)
    for saved, original in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, original)
    # not bit-equal: oneDNN may sum a convolution in another order when another process holds the cores
    np.testing.assert_allclose(np.asarray(loaded(x)), y, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["dense", "nbeats"])
def test_revin_normalizes_the_data_channels_and_not_the_embedding(name):
    # a constant channel normalized by its own statistics is 0 whatever its value: the series would be lost
    model = build_model(config(name, revin=True), SPEC, n_series=N_SERIES)
    spread_table(model)
    y = np.asarray(model(windows([0, 2])))
    assert not np.allclose(y[0], y[1])
    shifted = windows([0, 2])
    shifted[:, :, :2] = shifted[:, :, :2] * 3.0 + 7.0  # RevIN: the forecast moves with the window's level and scale
    np.testing.assert_allclose(np.asarray(model(shifted)), y * 3.0 + 7.0, rtol=1e-4, atol=1e-4)


def test_an_index_outside_the_table_reads_its_last_row():
    model = build_model(config("dense"), SPEC, n_series=N_SERIES)
    spread_table(model)
    y = np.asarray(model(windows([2, 9, 2.2])))
    np.testing.assert_array_equal(y[1], y[0])
    np.testing.assert_array_equal(y[2], y[0])


def test_the_index_column_is_each_rows_series_position():
    values = np.arange(10, dtype="float32").reshape(5, 2)
    out = append_series_index(values, [3, 2], [4, 1])
    np.testing.assert_array_equal(out[:, 2], [4, 4, 4, 1, 1])
    np.testing.assert_array_equal(out[:, :2], values)
    assert SPEC.input_columns[-1] == SERIES_INDEX_COLUMN and SPEC.columns[-1] == SERIES_INDEX_COLUMN
    with pytest.raises(ForecastError, match="rename that column"):
        with_series_index(resolve_window(window_config(2, 1, 1), ["series_index"], ["series_index"]))


def two_series_panel(path):
    """A repeats 1 2 3 4, B repeats 1 2 3 4 4 3 2 1: both end on 3, 4, after which A goes on with 1, 2 and B
    with 4, 4. Both have the same training mean, so their scaled windows are the same numbers."""
    rows = []
    for name, pattern, length in (("A", [1, 2, 3, 4], 160), ("B", [1, 2, 3, 4, 4, 3, 2, 1], 156)):
        days = pd.date_range("2020-01-01", periods=length, freq="D").strftime("%Y-%m-%d")
        rows += [(name, day, pattern[i % len(pattern)]) for i, day in enumerate(days)]
    pd.DataFrame(rows, columns=["sid", "day", "y"]).to_csv(path, index=False)


PANEL = ["data=panel", "data.path=two.csv", "data.id_column=sid", "data.date_column=day", "data.target=y",
         "data.horizon=2", "data.lookback=1", "optimizer.learning_rate=0.01", "trainer.callbacks.early_stopping=null",
         "trainer.callbacks.reduce_lr=null", "trainer.verbose=silent"]
DENSE = ["model=dense", "model.units=[32]"]


def first_steps(directory):
    predictions = pd.read_csv(directory / "predictions.csv")
    return predictions.groupby("id").y.apply(list).to_dict()


@pytest.mark.slow  # 80 s: a panel trained twice; the embedding layer itself is unit-tested above
def test_only_the_embedding_tells_two_series_with_the_same_window_apart(tmp_path):
    two_series_panel(tmp_path / "two.csv")
    plain = run_forecast(["train", *PANEL, *DENSE, "trainer.epochs=1", "hydra.run.dir=plain"], cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert run_forecast(["predict", "run=plain", "output=plain_pred"], cwd=tmp_path).returncode == 0
    without = first_steps(tmp_path / "plain_pred")
    np.testing.assert_array_equal(without["A"], without["B"])  # the same scaled window: the same forecast

    result = run_forecast(["train", *PANEL, *DENSE, "trainer.epochs=60", "model.series_embedding=2", "hydra.run.dir=emb"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = tmp_path / "emb"
    assert json.loads((run / "run.json").read_text())["window"]["input_columns"] == ["y", "series_index"]
    result = run_forecast(["predict", "run=emb", "horizon=4", "output=emb_pred"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with_embedding = first_steps(tmp_path / "emb_pred")
    assert with_embedding["B"][0] - with_embedding["A"][0] > 1.0  # truth: A 1, B 4 after the same 3, 4
    assert all(np.isfinite(v).all() and len(v) == 4 for v in with_embedding.values())  # steps 3-4 fed back

    result = run_forecast(["evaluate", "run=emb"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads((run / "evaluation.json").read_text())["max_abs_diff_vs_training"] < 1e-9
    result = run_forecast(["backtest", "run=emb", "split=test", "output=bt"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(tmp_path / "bt" / "backtest.csv")) == 2 * 2

    import tensorflow as tf  # the SavedModel takes the data window and the series, and adds the index itself

    signature = tf.saved_model.load(str(run / "saved_model")).signatures["serving_default"]
    window = tf.constant([[[3.0], [4.0]], [[3.0], [4.0]]])
    answer = signature(inputs=window, series=tf.constant([0, 1]))["forecast"].numpy()[:, :, 0]
    np.testing.assert_allclose(answer, [with_embedding["A"][:2], with_embedding["B"][:2]], rtol=1e-5)


def test_an_embedding_without_per_series_scaling_is_one_line_and_exit_2(tmp_path):
    two_series_panel(tmp_path / "two.csv")
    for extra, expected in (
        ([*DENSE, "data.per_series=false", "model.series_embedding=4"], "needs data=panel or data=tsf with data.per_series=true"),
        (["model=dlinear", "model.series_embedding=4"], "model=dlinear cannot take a series embedding"),
    ):
        result = run_forecast(["train", *PANEL, *extra], cwd=tmp_path)
        lines = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
        assert result.returncode == 2 and len(lines) == 1 and expected in lines[0], result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "outputs").exists()  # refused before any run directory
