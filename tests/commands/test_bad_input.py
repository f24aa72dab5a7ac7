"""Bad input through the real `forecast` script: one line on stderr, exit status 2, no traceback,
and no run left marked completed. Complements the cases of test_cli.py."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers import make_frame, run_forecast, tiny_train_overrides


def error_lines(stderr: str):
    return [line for line in stderr.splitlines() if line.startswith("forecast: error:")]


def statuses(root: Path):
    return [json.loads(p.read_text())["status"] for p in root.glob("outputs/train/**/run.json")]


def write_bad_files(tmp_path: Path):
    """(file name -> path) for every malformed data file of the cases below."""
    files = {}
    frame = make_frame(60)
    files["empty"] = tmp_path / "empty.csv"
    files["empty"].write_text("")
    files["latin1"] = tmp_path / "latin1.csv"
    files["latin1"].write_bytes(frame.rename(columns={"load": "charge_café"}).to_csv(index=False).encode("latin-1"))
    nan = frame.copy()
    nan.loc[[5, 9, 20], "temp"] = np.nan
    files["nan"] = tmp_path / "nan.csv"
    nan.to_csv(files["nan"], index=False)
    inf = frame.copy()
    inf.loc[7, "load"] = np.inf
    files["inf"] = tmp_path / "inf.csv"
    inf.to_csv(files["inf"], index=False)
    files["duplicated"] = tmp_path / "duplicated.csv"
    frame.iloc[[0, 1, 2, 2, *range(3, 60)]].to_csv(files["duplicated"], index=False)
    files["unsorted"] = tmp_path / "unsorted.csv"
    frame.iloc[[1, 0, *range(2, 60)]].to_csv(files["unsorted"], index=False)
    files["short"] = tmp_path / "short.csv"
    make_frame(10).to_csv(files["short"], index=False)
    return files


CASES = {
    "empty file": (["data.path={empty}"], "data file is empty"),
    "unreadable encoding": (["data.path={latin1}"], "as UTF-8 text (invalid continuation byte): save it as UTF-8"),
    "unknown date column": (["data.date_column=when"], "column 'when' given in data.date_column is not in the data"),
    "NaN values": (
        ["data.path={nan}"],
        "3 missing or infinite values in the data, first at data row 5 column 'temp': clean the file or set "
        "data.missing=ffill|interpolate|drop",
    ),
    "inf values": (["data.path={inf}"], "1 missing or infinite values in the data, first at data row 7 column 'load'"),
    "duplicated timestamps": (["data.path={duplicated}"], "1 duplicated timestamps in 'date', first at data row 3"),
    "unsorted timestamps": (["data.path={unsorted}"], "are not sorted: data row 1 (2020-01-01 00:00:00) comes before"),
    "fewer rows than one window": (
        ["data.path={short}"],
        "the data has 10 rows, fewer than one window (input_width + shift = 13)",
    ),
    "a split with no window": (
        ["data.split.train=0.75", "data.split.val=0.24"],
        "the test split has no complete window: its longest series has 4 rows",
    ),
    "label_columns not in the data": (
        ["window.label_columns=[nope]"],
        "window.label_columns names 'nope', not in the data; available columns: target, load, temp",
    ),
    "zero size": (["trainer.batch_size=0"], "trainer.batch_size must be >= 1, got 0"),
    "bad missing policy": (["data.missing=guess"], "data.missing must be one of error, ffill, interpolate, drop"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_training_input(tmp_path, csv_file, case):
    files = write_bad_files(tmp_path)
    overrides, message = CASES[case]
    overrides = [o.format(**files) for o in overrides]
    result = run_forecast(["train", *tiny_train_overrides(csv_file), *overrides], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert "completed" not in statuses(tmp_path)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    path = root / "series.csv"
    make_frame().to_csv(path, index=False)
    args = [a for a in tiny_train_overrides(path) if not a.startswith("model.")]
    result = run_forecast(["train", *args, "model=linear", "trainer.epochs=1"], cwd=root)
    assert result.returncode == 0, result.stderr
    (run,) = [p.parent for p in root.glob("outputs/train/*/*/run.json")]
    return run


def copy_run(run: Path, tmp_path: Path, status=None) -> Path:
    copy = tmp_path / "run_copy"
    shutil.copytree(run, copy)
    if status is not None:
        record = json.loads((copy / "run.json").read_text())
        record["status"] = status
        (copy / "run.json").write_text(json.dumps(record))
    return copy


def break_model(copy: Path, how: str) -> None:
    if how == "missing":
        (copy / "model.keras").unlink()
    elif how == "corrupt":
        (copy / "model.keras").write_bytes(b"PK\x03\x04 this is not a keras archive")


@pytest.mark.parametrize(
    "status, damage, extra, message",
    [
        ("running", None, [], "is 'running', not completed: train it again, or pass allow_incomplete=true"),
        ("failed", None, [], "is 'failed', not completed: train it again, or pass allow_incomplete=true"),
        ("interrupted", None, [], "is 'interrupted', not completed"),
        (None, "missing", [], "model file missing:"),
        ("failed", "missing", ["allow_incomplete=true"], "model file missing:"),
        (None, "corrupt", [], "model file is corrupt: "),
    ],
)
def test_evaluate_refuses_incomplete_or_damaged_runs(finished_run, tmp_path, status, damage, extra, message):
    """Refused before TensorFlow is imported: a `tensorflow` that cannot be imported comes first on the path."""
    copy = copy_run(finished_run, tmp_path, status)
    break_model(copy, damage)
    unimportable = tmp_path / "no_tensorflow" / "tensorflow"
    unimportable.mkdir(parents=True)
    (unimportable / "__init__.py").write_text("raise ImportError('this test refuses TensorFlow')\n")
    env = {"PYTHONPATH": str(unimportable.parent)}
    result = run_forecast(["evaluate", f"run={copy}", *extra], cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr and not (copy / "evaluation.json").exists()


def test_evaluate_never_runs_code_from_a_model_file(finished_run, tmp_path):
    """A `.keras` file with a Python lambda is refused by safe_mode: the lambda never runs."""
    import keras

    copy = copy_run(finished_run, tmp_path)
    marker = tmp_path / "pwned"
    payload = f"lambda x: (open({str(marker)!r}, 'w').close(), x)[1]"
    model = keras.Sequential([keras.Input((12, 3)), keras.layers.Lambda(eval(payload)), keras.layers.Dense(1)])
    model.save(copy / "model.keras")
    marker.unlink(missing_ok=True)  # building the model here ran the lambda once
    result = run_forecast(["evaluate", f"run={copy}"], cwd=tmp_path)
    assert result.returncode == 2 and "cannot load model" in result.stderr, result.stderr
    assert not marker.exists()
