"""The raw-unit SavedModel of a run and `forecast export`: served values equal the Keras model wrapped
in the run's scaler, TF Serving's layout and signature, versions, refusals, and runs written by 0.1.0."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from forecast_cli.data.scaling import Scaler
from forecast_cli.data.window import WindowSpec
from forecast_cli.run.layout import RunDir
from forecast_cli.run.model_files import load_model
from forecast_cli.run.serving import output_columns, raw_unit_forecast

from helpers import OLD_RUNS, make_frame, run_forecast, tiny_train_overrides

OLD_RUN = OLD_RUNS / "completed"
SAVED_MODEL_CLI = str(Path(sys.executable).parent / "saved_model_cli")
INPUT_WIDTH, LABEL_WIDTH = 12, 2


def served(version_dir: Path, raw: np.ndarray) -> np.ndarray:
    loaded = tf.saved_model.load(str(version_dir))
    return loaded.signatures["serving_default"](inputs=tf.constant(raw, tf.float32))["forecast"].numpy()


def keras_in_real_units(run: RunDir, raw: np.ndarray) -> np.ndarray:
    """scaler.inverse(model(scaler.transform(raw))) in float64 numpy, from run.json's columns."""
    window = run.record()["window"]
    scaler = Scaler.load(run.scaler_json)
    inputs_at = [scaler.columns.index(c) for c in window["input_columns"]]
    outputs_at = [scaler.columns.index(c) for c in window["label_columns"]]  # steps_ahead = 1
    scaled = (raw - scaler.offset[inputs_at]) / scaler.scale[inputs_at]
    outputs = np.asarray(load_model(run.model_keras)(scaled.astype(np.float32)), dtype=np.float64)
    return outputs * scaler.scale[outputs_at] + scaler.offset[outputs_at]


def tree(root: Path):
    """Every path under root with its size and modification time: to see that nothing changed."""
    return sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*"))


def one_error_line(result) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("forecast: error: ")
    return line


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A standard-scaled run with two label columns and two label steps, exported twice (versions 1, 2)."""
    root = tmp_path_factory.mktemp("export")
    path = root / "series.csv"
    make_frame().to_csv(path, index=False)
    overrides = tiny_train_overrides(path) + [
        "window.label_columns=[target,load]",
        f"window.label_width={LABEL_WIDTH}",
        "window.shift=2",
        "trainer.epochs=1",
        f"hydra.run.dir={root / 'run'}",
    ]
    result = run_forecast(["train", *overrides], cwd=root)
    assert result.returncode == 0, result.stderr
    run = RunDir(root / "run")
    exports = [run_forecast(["export", f"run={run.root}", "dir=serving", "name=tiny"], cwd=root) for _ in range(2)]
    for result in exports:
        assert result.returncode == 0, result.stderr
    return root, run, exports


def raw_windows(run: RunDir) -> np.ndarray:
    """Windows of the run's data in real units, float32-representable (what the signature receives)."""
    values = make_frame()[run.record()["window"]["input_columns"]].to_numpy()
    windows = np.stack([values[s : s + INPUT_WIDTH] for s in range(0, len(values) - INPUT_WIDTH, 23)])
    return windows.astype(np.float32).astype(np.float64)


def test_the_scaler_is_not_the_identity(trained):
    _, run, _ = trained
    scaler = Scaler.load(run.scaler_json)
    assert np.all(np.abs(scaler.offset) > 1e-3) and np.all(np.abs(scaler.scale - 1) > 1e-2)


def test_the_exported_version_and_the_runs_saved_model_answer_in_real_units(trained):
    root, run, _ = trained
    raw = raw_windows(run)
    expected = keras_in_real_units(run, raw)
    assert expected.shape == (len(raw), LABEL_WIDTH, 2)
    for version_dir in (root / "serving" / "tiny" / "1", run.saved_model_dir):
        np.testing.assert_allclose(served(version_dir, raw), expected, rtol=1e-5, atol=1e-5)


def test_saved_model_cli_shows_the_named_signature(trained):
    root, _, _ = trained
    shown = subprocess.run(
        [SAVED_MODEL_CLI, "show", "--dir", str(root / "serving" / "tiny" / "1"), "--all"],
        capture_output=True, text=True, timeout=300,
    ).stdout
    serving = shown.split("signature_def['serving_default']:", 1)[1].split("signature_def[", 1)[0]
    assert "inputs['inputs'] tensor_info:" in serving
    assert f"shape: (-1, {INPUT_WIDTH}, 3)" in serving
    assert "outputs['forecast'] tensor_info:" in serving
    assert f"shape: (-1, {LABEL_WIDTH}, 2)" in serving


def test_the_example_request_is_the_last_raw_window_and_the_response_its_answer(trained):
    root, run, exports = trained
    extra = root / "serving" / "tiny" / "1" / "assets.extra"
    request = json.loads((extra / "example_request.json").read_text())
    assert request["signature_name"] == "serving_default"
    instances = np.asarray(request["instances"])
    assert instances.shape == (1, INPUT_WIDTH, 3)
    last_rows = make_frame()[run.record()["window"]["input_columns"]].to_numpy()[-INPUT_WIDTH:]
    np.testing.assert_array_equal(instances[0], last_rows)
    response = json.loads((extra / "expected_response.json").read_text())
    np.testing.assert_array_equal(np.asarray(response["predictions"]), served(extra.parent, instances))
    assert "curl -d @serving/tiny/1/assets.extra/example_request.json" in exports[0].stdout
    assert "inputs float32 (-1, 12, 3) -> forecast float32 (-1, 2, 2)" in exports[0].stdout


def test_versions_count_up_and_an_existing_one_is_refused(trained):
    root, run, exports = trained
    model_dir = root / "serving" / "tiny"
    assert sorted(p.name for p in model_dir.iterdir()) == ["1", "2"]  # no staging directory left
    assert "serving/tiny/2 (TF Serving model 'tiny', version 2)" in exports[1].stdout
    before = tree(root / "serving")
    line = one_error_line(run_forecast(["export", f"run={run.root}", "name=tiny", "version=1"], cwd=root))
    assert "serving/tiny/1 already exists and is never overwritten" in line
    assert "the next free one is 3" in line
    assert tree(root / "serving") == before


@pytest.fixture
def old_run(tmp_path) -> Path:
    run = tmp_path / "completed"
    shutil.copytree(OLD_RUN, run)
    return run


@pytest.mark.parametrize(
    "args, message",
    [
        (["run=nowhere", "name=m"], "run directory not found: nowhere"),
        (["name=m", "version=0"], "version must be between 1 and 9223372036854775807 (TF Serving reads it as a 64-bit integer), got 0"),
        (["name=m", "version=9223372036854775808"], "version must be between 1 and 9223372036854775807"),
        (["name=" + "m" * 256], "name must be at most 255 characters (a directory name), got 256"),
        (["name=../m"], "name must be one directory name"),
        (["name=m", "run=empty"], "is not a run or sweep directory"),
        (["name=m", "run=."], ". is a sweep directory: export one of its runs, e.g. run="),
    ],
)
def test_mistakes_are_one_line_and_write_nothing(old_run, args, message):
    (old_run.parent / "empty").mkdir()
    result = run_forecast(["export", f"run={old_run}", *args, "dir=out"], cwd=old_run.parent)
    assert message in one_error_line(result)
    assert not (old_run.parent / "out").exists()


def test_a_dir_that_is_a_file_or_a_model_past_the_last_version_is_refused(old_run):
    (old_run.parent / "a_file").write_text("kept\n")
    (old_run.parent / "out" / "m" / "9223372036854775807").mkdir(parents=True)

    onto_file = run_forecast(["export", f"run={old_run}", "name=m", "dir=a_file"], cwd=old_run.parent)
    past_last = run_forecast(["export", f"run={old_run}", "name=m", "dir=out"], cwd=old_run.parent)

    assert onto_file.returncode == 2
    assert one_error_line(onto_file) == "forecast: error: a_file is a file, not a directory: give another dir="
    assert (old_run.parent / "a_file").read_text() == "kept\n"
    assert past_last.returncode == 2
    assert one_error_line(past_last) == (
        "forecast: error: out/m already holds version 9223372036854775807, the largest TF Serving reads "
        "(9223372036854775807): give another name= or dir="
    )
    assert [p.name for p in (old_run.parent / "out" / "m").iterdir()] == ["9223372036854775807"]


def test_a_run_that_did_not_complete_is_refused(old_run):
    record = json.loads((old_run / "run.json").read_text())
    (old_run / "run.json").write_text(json.dumps({**record, "status": "interrupted"}))
    result = run_forecast(["export", f"run={old_run}", "name=m", "dir=out"], cwd=old_run.parent)
    assert "is 'interrupted', not completed" in one_error_line(result)
    assert not (old_run.parent / "out").exists()


@pytest.mark.parametrize(
    "command", [["export", "name=m", "dir=out"], ["evaluate"], ["predict"], ["backtest"]]
)
def test_a_run_whose_data_must_be_downloaded_is_refused_without_writing(old_run, tmp_path, command):
    """The run's config names the URL and the cache directory: reading a run downloads nothing."""
    config = (old_run / "config.yaml").read_text()
    cache = tmp_path / "elsewhere"
    jena = f"data:\n  name: jena\n  url: http://127.0.0.1:9/x.zip\n  cache_dir: {cache}\n"
    (old_run / "config.yaml").write_text(jena + "window:" + config.split("window:", 1)[1])
    result = run_forecast([command[0], f"run={old_run}", *command[1:]], cwd=tmp_path)
    assert "reading a run downloads nothing" in one_error_line(result)
    assert not cache.exists()


def test_a_run_written_by_0_1_0_exports_from_its_keras_model_and_scaler(old_run):
    before = tree(old_run)
    result = run_forecast(["export", f"run={old_run}", "name=airline", "dir=out"], cwd=old_run.parent)
    assert result.returncode == 0, result.stderr
    assert tree(old_run) == before
    version = old_run.parent / "out" / "airline" / "1"
    request = json.loads((version / "assets.extra" / "example_request.json").read_text())
    instances = np.asarray(request["instances"])
    assert instances.shape == (1, 12, 1) and instances[0, -1, 0] == 432.0  # December 1960, in passengers
    answer = served(version, instances)
    np.testing.assert_allclose(answer, keras_in_real_units(RunDir(old_run), instances), rtol=1e-5)
    response = json.loads((version / "assets.extra" / "expected_response.json").read_text())
    np.testing.assert_array_equal(np.asarray(response["predictions"]), answer)


def crop_and_dense(spec: WindowSpec, kernel: np.ndarray, bias: np.ndarray):
    """outputs[:, t] = inputs[:, input_width - label_width + t] @ kernel + bias (scaled values)."""
    inputs = keras.Input((spec.input_width, spec.n_features))
    cropped = keras.layers.Cropping1D((spec.input_width - spec.label_width, 0))(inputs)
    dense = keras.layers.Dense(spec.n_outputs)
    model = keras.Model(inputs, dense(cropped))
    dense.set_weights([kernel, bias])
    return model


def test_every_output_is_inverted_with_its_own_label_columns_scaler():
    spec = WindowSpec(
        input_width=4, label_width=2, shift=1, columns=("a", "b", "c"),
        input_columns=("c", "a"), label_columns=("b", "a"), steps_ahead=3,
    )
    assert output_columns(spec) == ["b", "a", "b", "a", "b", "a"]
    offset, scale = np.array([10.0, -20.0, 300.0]), np.array([2.0, 0.5, 7.0])
    scaler = Scaler("standard", ["a", "b", "c"], offset, scale)
    rng = np.random.default_rng(0)
    kernel, bias = rng.standard_normal((2, spec.n_outputs)), rng.standard_normal(spec.n_outputs)
    model = crop_and_dense(spec, kernel, bias)
    raw = (rng.standard_normal((5, 4, 2)) * [7.0, 2.0] + [300.0, 10.0]).astype(np.float32)

    scaled = (raw - offset[[2, 0]]) / scale[[2, 0]]
    predicted = scaled[:, -2:] @ kernel + bias
    expected = np.empty_like(predicted)
    for step in range(spec.steps_ahead):
        for k, column in enumerate(("b", "a")):
            at = "abc".index(column)
            j = step * 2 + k
            expected[..., j] = predicted[..., j] * scale[at] + offset[at]
    answer = raw_unit_forecast(model, scaler, spec)(tf.constant(raw))["forecast"].numpy()
    np.testing.assert_allclose(answer, expected, rtol=1e-5, atol=1e-5)


def test_a_large_offset_keeps_its_low_digits_in_the_float32_graph():
    """An input near 1e6 feeding a label near 0: float32 alone would round its offset by ~0.002."""
    spec = WindowSpec(
        input_width=3, label_width=1, shift=1, columns=("big", "small"),
        input_columns=("big", "small"), label_columns=("small",),
    )
    offset, scale = np.array([1e6 + 0.123, 0.0]), np.array([1.0, 1.0])
    scaler = Scaler("standard", ["big", "small"], offset, scale)
    model = crop_and_dense(spec, np.array([[1.0], [0.0]]), np.zeros(1))
    rng = np.random.default_rng(1)
    raw = np.stack([offset[0] + rng.standard_normal((4, 3)), rng.standard_normal((4, 3))], axis=-1)
    raw = raw.astype(np.float32).astype(np.float64)
    expected = (raw[:, -1:, :1] - offset[0]).astype(np.float32).astype(np.float64)
    answer = raw_unit_forecast(model, scaler, spec)(tf.constant(raw, tf.float32))["forecast"].numpy()
    np.testing.assert_allclose(answer, expected, rtol=1e-5, atol=1e-5)
