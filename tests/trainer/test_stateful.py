"""model.stateful=true: the series as trainer.batch_size contiguous streams of window.input_width-row
chunks, the recurrent state carried from batch to batch (data/streams.py); train, evaluate, predict and
resume after kill -9 end to end on a tiny run, the expected numbers recomputed here by hand; what cannot
work refused in one line before any run directory exists."""

import csv
import json
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import FORECAST, finished_outputs, make_frame, model_node, only_run, run_forecast

from forecast_cli.cli import main
from forecast_cli.data.streams import stream_layout
from forecast_cli.data.window import WindowSpec
from forecast_cli.errors import ForecastError

ROWS, STREAMS, WIDTH, EPOCHS = 1000, 4, 8, 20
# tutorial split of 1000 rows: train [0, 700), val [700, 900), test [900, 1000)
TEST_START, TEST_ROWS = 900, 100


def spec(width=WIDTH, shift=0, label_width=None, batch=None):
    return WindowSpec(width, label_width or width, shift, ("x",), ("x",), ("x",), fixed_batch=batch)


def test_row_b_of_each_batch_continues_row_b_of_the_batch_before():
    layout = stream_layout("train", 103, 3, spec(4))

    starts = layout.starts().reshape(layout.chunks, 3)  # [batch, row]
    assert (layout.chunks, layout.stream_rows, layout.rows_left_out) == (8, 32, 103 - 96)
    np.testing.assert_array_equal(starts[0], [0, 32, 64])  # stream b starts at b * L
    np.testing.assert_array_equal(np.diff(starts, axis=0), 4)  # batch k + 1 = batch k + one chunk
    # labels past the inputs (shift 4) must stay inside the split: one chunk fewer fits in 100 rows
    shifted = stream_layout("train", 100, 3, spec(4, shift=4))
    assert (shifted.extra, shifted.chunks, shifted.rows_left_out) == (4, 8, 100 - 96 - 4)


def test_a_split_too_short_for_the_streams_names_the_largest_batch_it_holds():
    with pytest.raises(ForecastError) as refused:
        stream_layout("test", 100, 20, spec(8, shift=8))
    assert str(refused.value) == (
        "model.stateful=true lays the test split's 100 rows out as trainer.batch_size=20 streams of "
        "window.input_width=8-row chunks, which needs at least 168 rows: lower trainer.batch_size to at most 11, "
        "or use more data"
    )


def test_the_pipeline_gathers_every_streams_next_chunk_with_the_windows_labels():
    from forecast_cli.data.pipeline import make_dataset

    values = np.arange(100, dtype=np.float32)[:, None]
    window = spec(4, shift=4)
    layout = stream_layout("train", 100, 3, window)
    batches = list(make_dataset(values, layout.starts(), window, 3, shuffle=False, seed=0))

    assert len(batches) == layout.chunks
    for k, (inputs, labels) in enumerate(batches):
        for b in range(3):
            first = b * layout.stream_rows + k * 4
            np.testing.assert_array_equal(inputs[b, :, 0], np.arange(first, first + 4))
            np.testing.assert_array_equal(labels[b, :, 0], np.arange(first + 4, first + 8))


def carrying_families():
    from forecast_cli.models import MODELS

    return [name for name in MODELS.names() if MODELS.get(name).schema.carries_state]


def test_the_capability_is_declared_by_the_recurrent_families_only():
    assert carrying_families() == ["deep_rnn", "gru", "layernorm_rnn", "lstm", "simple_rnn"]


@pytest.mark.parametrize("family", carrying_families())
def test_every_family_that_carries_a_state_carries_it_until_reset(family):
    import keras
    from omegaconf import OmegaConf

    from forecast_cli.models import build_model
    from forecast_cli.models._stateful import reset_states, stateful_streams
    from forecast_cli.trainer.run_callbacks.states import ResetStates

    extra = {"cell": "layernorm_rnn"} if family == "deep_rnn" else {}
    cfg = OmegaConf.merge(model_node(family), {"units": 3, "stateful": True, **extra})
    keras.utils.set_random_seed(0)
    model = build_model(cfg, spec(5, shift=5, batch=2))
    x = np.random.default_rng(0).normal(size=(2, 5, 1)).astype("float32")

    first, second = model(x).numpy(), model(x).numpy()
    assert stateful_streams(model) == 2
    assert np.abs(first - second).max() > 1e-4  # the second call starts from the first one's state
    reset_states(model)
    np.testing.assert_allclose(model(x).numpy(), first, rtol=1e-6)
    callback = ResetStates()
    callback.set_model(model)
    callback.on_epoch_begin(0)
    np.testing.assert_allclose(model(x).numpy(), first, rtol=1e-6)
    callback.on_test_begin()
    np.testing.assert_allclose(model(x).numpy(), first, rtol=1e-6)


def test_a_recursion_that_does_not_move_by_whole_chunks_is_refused():
    from forecast_cli.forecaster.plan import ForecastPlan
    from forecast_cli.models._stateful import carried_state_forward

    plan = ForecastPlan(spec(8, shift=4, label_width=4))
    with pytest.raises(ForecastError, match=r"horizon=5 needs a recursive forecast, but the run's model is stateful"):
        carried_state_forward(None, np.zeros((20, 1)), plan, horizon=5)


# --- refused before any run directory exists ---------------------------------------------------------


RUN_ARGS = [
    "model=lstm", "model.stateful=true",
    f"window.input_width={WIDTH}", f"window.label_width={WIDTH}", f"window.shift={WIDTH}",
    f"trainer.batch_size={STREAMS}", f"trainer.epochs={EPOCHS}", "trainer.verbose=silent", "trainer.deterministic=true",
    "trainer.callbacks.early_stopping.patience=100",
]  # fmt: skip


def tiny_args(csv_path: Path):
    """An hourly target-only CSV of ROWS rows (every input of a future step is known: recursion possible)."""
    data = ["data=csv", f"data.path={csv_path}", "data.date_column=date", "data.target=target", "data.features=[]"]
    return [*data, *RUN_ARGS, "model.units=4"]


@pytest.fixture(scope="module")
def series_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("stateful_data") / "series.csv"
    make_frame(ROWS).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "override, message",
    [
        ("model=dense", "model=dense has no recurrent state to carry between batches: model.stateful=true needs "
                        "one of deep_rnn, gru, layernorm_rnn, lstm, simple_rnn (or set model.stateful=false)"),
        ("trainer.drop_last=true", "trainer.drop_last=true shuffles the training windows every epoch, but "
                                   "model.stateful=true feeds them in stream order"),
        ("strategy=mirrored", "strategy=mirrored splits every batch across replicas, but model.stateful=true carries "
                              "each row of a batch into the same row of the next: use strategy=auto, cpu or gpu"),
        ("trainer.batch_size=20", "model.stateful=true lays the test split's 100 rows out as trainer.batch_size=20 "
                                  "streams of window.input_width=8-row chunks, which needs at least 168 rows: lower "
                                  "trainer.batch_size to at most 11"),
        ("data=sine", "model.stateful=true carries a state along one series, but the data holds 10000 separate "
                      "series: train on one long series"),
    ],
)  # fmt: skip
def test_what_cannot_carry_a_state_is_refused_in_one_line_before_any_run_directory(
    capsys, monkeypatch, tmp_path, series_csv, override, message
):
    monkeypatch.chdir(tmp_path)
    group = override.split("=")[0]
    if group == "data":  # another data group: none of the CSV's keys
        args = RUN_ARGS
    else:  # another model family: none of the LSTM's keys
        args = [a for a in tiny_args(series_csv) if group != "model" or a != "model.units=4"]
    status = main(["train", *args, override])

    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith("forecast: error: "), lines
    assert message in lines[0]
    assert not (tmp_path / "outputs").exists()


# --- end to end: train, evaluate, predict, backtest and export, resume after kill -9 -------------------


@pytest.fixture(scope="module")
def trained(series_csv):
    """The reference run: deterministic, uninterrupted."""
    cwd = series_csv.parent / "reference"
    cwd.mkdir()
    result = run_forecast(["train", *tiny_args(series_csv)], cwd=cwd)
    assert result.returncode == 0, result.stderr
    return only_run(cwd)


def one_line(stderr: str):
    """The `forecast: error:` lines of a command's stderr (TensorFlow's own start-up lines left out)."""
    return [line for line in stderr.splitlines() if line.startswith("forecast:")]


def scaled_target(run: Path) -> np.ndarray:
    scaler = json.loads((run / "scaler.json").read_text())
    return ((make_frame(ROWS)["target"].to_numpy() - scaler["offset"][0]) / scaler["scale"][0]).astype(np.float32)


def load_model(run: Path):
    import keras

    import forecast_cli.models.layers  # noqa: F401

    return keras.models.load_model(run / "model.keras", safe_mode=True, compile=False)


def test_the_run_records_its_streams_and_scores_them_carrying_the_state(trained):
    record = json.loads((trained / "run.json").read_text())
    assert record["stateful"] == {
        "streams": 4,
        "chunk": 8,
        "splits": {  # chunks = (rows - 8 label rows past the inputs) // (4 * 8)
            "train": {"chunks": 21, "stream_rows": 168, "rows_left_out": 700 - 672 - 8},
            "val": {"chunks": 6, "stream_rows": 48, "rows_left_out": 0},
            "test": {"chunks": 2, "stream_rows": 16, "rows_left_out": TEST_ROWS - 64 - 8},
        },
    }
    assert record["windows"] == {"train": 84, "val": 24, "test": 8} and record["global_batch_size"] == 4

    # by hand: batch k holds rows b * 16 + 8k of the test split, run in order from a zero state
    model = load_model(trained)
    test = scaled_target(trained)[TEST_START:]
    carried, fresh = [], []
    for k in range(2):
        starts = [b * 16 + k * 8 for b in range(4)]
        inputs = np.stack([test[s : s + 8] for s in starts])[:, :, None]
        labels = np.stack([test[s + 8 : s + 16] for s in starts])[:, :, None]
        carried.append((model(inputs).numpy() - labels) ** 2)
        for layer in model.layers:
            if getattr(layer, "stateful", False):
                layer.reset_state()
        fresh.append((model(inputs).numpy() - labels) ** 2)
    metrics = json.loads((trained / "metrics.json").read_text())
    assert metrics["test/mse"] == pytest.approx(float(np.mean(carried)), rel=1e-5)
    assert abs(metrics["test/mse"] - float(np.mean(fresh))) > 1e-4  # without the carried state it would differ


def test_evaluate_runs_the_streams_as_training_did_and_refuses_another_batch(trained, tmp_path):
    result = run_forecast(["evaluate", f"run={trained}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    evaluation = json.loads((trained / "evaluation.json").read_text())
    assert evaluation["windows"] == 8 and evaluation["max_abs_diff_vs_training"] < 1e-6

    result = run_forecast(["evaluate", f"run={trained}", "batch_size=3"], cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == [
        "forecast: error: batch_size=3: the run's model is stateful and runs its 4 streams at once "
        "(its trainer.batch_size); leave batch_size out"
    ]


def test_predict_reads_the_history_in_chunks_carrying_the_state_then_forecasts(trained, tmp_path):
    result = run_forecast(["predict", f"run={trained}", "horizon=16", f"output={tmp_path / 'p'}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "p" / "predictions.csv", newline="") as handle:
        predicted = [float(row["target"]) for row in csv.DictReader(handle)]

    # by hand: rows 0..991 as 124 chunks in stream 0 of a zero batch, then the last 8 rows, then the forecast
    model = load_model(trained)
    history = scaled_target(trained)
    batch = np.zeros((4, 8, 1), np.float32)

    def step(chunk):
        batch[0, :, 0] = chunk
        return model(batch).numpy()[0, :, 0]

    for k in range(124):
        step(history[k * 8 : (k + 1) * 8])
    first = step(history[992:])
    second = step(first)
    scaler = json.loads((trained / "scaler.json").read_text())
    expected = np.concatenate([first, second]) * scaler["scale"][0] + scaler["offset"][0]
    np.testing.assert_allclose(predicted, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "command, message",
    [
        ("backtest", "a backtest forecasts every origin from its window alone"),
        ("export", "TF Serving answers every request on its own"),
    ],
)
def test_backtest_and_export_refuse_a_stateful_run_in_one_line(trained, tmp_path, command, message):
    target = ["name=m", f"dir={tmp_path / 'serving'}"] if command == "export" else [f"output={tmp_path / 'out'}"]
    result = run_forecast([command, f"run={trained}", *target], cwd=tmp_path)
    assert result.returncode == 2
    (line,) = one_line(result.stderr)
    assert "the run's model is stateful (model.stateful=true, 4 streams)" in line and message in line
    assert not finished_outputs(tmp_path, "*/run.json") and not list(tmp_path.glob("serving/m/*"))


def history(run: Path):
    with open(run / "history.csv") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow  # 60 s; SIGKILL and resume of a stateless run stay in the default suite (trainer/test_resume.py)
def test_resume_after_sigkill_continues_to_the_uninterrupted_runs_numbers(series_csv, trained):
    cwd = series_csv.parent / "killed"
    cwd.mkdir()
    process = subprocess.Popen(
        [FORECAST, "train", *tiny_args(series_csv)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline, run = time.monotonic() + 300, None
    while run is None and time.monotonic() < deadline and process.poll() is None:
        found = list(cwd.glob("outputs/train/*/*/history.csv"))
        if found and len(history(found[0].parent)) >= 2:
            run = found[0].parent
        time.sleep(0.01)
    assert run is not None, process.communicate()[1]
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL
    assert json.loads((run / "run.json").read_text())["status"] == "running"

    result = run_forecast(["train", f"resume={run}"], cwd=cwd)
    assert result.returncode == 0, result.stderr
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "completed" and 1 <= record["resumes"][0]["from_epoch"] < EPOCHS
    assert record["stateful"] == json.loads((trained / "run.json").read_text())["stateful"]
    resumed, expected = history(run), history(trained)
    assert [int(r["epoch"]) for r in resumed] == list(range(1, EPOCHS + 1))
    for got, want in zip(resumed, expected):
        for key in ("loss", "val_loss"):
            assert float(got[key]) == pytest.approx(float(want[key]), abs=1e-6), (got["epoch"], key)
    got, want = (json.loads((r / "metrics.json").read_text()) for r in (run, trained))
    assert got == pytest.approx(want, abs=1e-6)
