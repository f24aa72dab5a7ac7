"""`forecast predict` end to end: a real run, forecasts in real units with future timestamps, written
into its own directory, from any working directory; every bad input is one line and exit 2."""

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import (
    OLD_RUNS,
    finished_outputs,
    make_frame,
    only_run,
    run_forecast,
    train_target_only_run,
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A run trained with a RELATIVE data.path on an hourly target-only CSV (recursion possible)."""
    root = tmp_path_factory.mktemp("predict")
    return root, train_target_only_run(root, 300)


def read_rows(path: Path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def prediction_dir(cwd: Path) -> Path:
    (directory,) = [p.parent for p in cwd.glob("outputs/predict/*/*/run.json")]
    return directory


def test_predict_continues_the_hourly_timestamps_in_real_units_from_another_directory(trained, tmp_path):
    root, run = trained
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_forecast(["predict", f"run={run}", "horizon=5"], cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    target = prediction_dir(elsewhere)
    assert target.name.endswith("_linear") and target.parent.parent.name == "predict"
    rows = read_rows(target / "predictions.csv")
    last = pd.Timestamp(make_frame(300)["date"].iloc[-1])
    assert [r["timestamp"] for r in rows] == [(last + pd.Timedelta(hours=k)).strftime("%Y-%m-%d %H:%M") for k in range(1, 6)]
    record = json.loads((target / "run.json").read_text())
    assert record["source_run"] == str(run) and record["method"] == "recursive" and record["horizon"] == 5
    assert record["data"]["source"] == str(root / "series.csv") and len(record["data"]["sha256"]) == 64
    assert record["frequency"] == "h" and record["first"] == rows[0]["timestamp"]
    assert (target / "predictions.png").stat().st_size > 10_000

    # the first step is the saved model on the last 12 rows, scaled with the saved scaler
    import keras

    import forecast_cli.models.layers  # noqa: F401

    model = keras.models.load_model(run / "model.keras", safe_mode=True, compile=False)
    scaler = json.loads((run / "scaler.json").read_text())
    last_rows = make_frame(300)["target"].to_numpy()[-12:]
    scaled = (last_rows - scaler["offset"][0]) / scaler["scale"][0]
    first = float(np.asarray(model(scaled.reshape(1, 12, 1).astype(np.float32)))[0, 0, 0])
    assert float(rows[0]["target"]) == pytest.approx(first * scaler["scale"][0] + scaler["offset"][0], rel=1e-6)
    # and the run itself evaluates from another directory although it was trained with a relative path
    evaluated = run_forecast(["evaluate", f"run={run}"], cwd=elsewhere)
    assert evaluated.returncode == 0, evaluated.stderr


def test_predict_from_a_newer_file_starts_after_its_last_row(trained, tmp_path):
    _, run = trained
    newer = make_frame(330, seed=5)
    newer.to_csv(tmp_path / "latest.csv", index=False)
    result = run_forecast(["predict", f"run={run}", f"data.path={tmp_path / 'latest.csv'}", f"output={tmp_path / 'out'}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = read_rows(tmp_path / "out" / "predictions.csv")
    assert len(rows) == 1  # no horizon: the steps the model forecasts at once
    assert rows[0]["timestamp"] == (pd.Timestamp(newer["date"].iloc[-1]) + pd.Timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    again = run_forecast(["predict", f"run={run}", f"output={tmp_path / 'out'}"], cwd=tmp_path)
    assert again.returncode == 2 and "already holds a finished predict" in again.stderr


def bad_files(tmp_path: Path):
    make_frame(8).to_csv(tmp_path / "short.csv", index=False)
    make_frame(50).drop(columns=["target"]).to_csv(tmp_path / "no_target.csv", index=False)
    unsorted = make_frame(50)
    unsorted.loc[[10, 11], "date"] = unsorted.loc[[11, 10], "date"].to_numpy()
    unsorted.to_csv(tmp_path / "unsorted.csv", index=False)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["horizon=0"], "horizon must be >= 1, got 0"),
        (["data.path=short.csv"], "the data has 8 rows, fewer than the run's window.input_width (12)"),
        (["data.path=no_target.csv"], "column 'target' given in data.target is not in the data"),
        (["data.path=unsorted.csv"], "timestamps in 'date' are not sorted"),
        (["data.features=[load]"], "differ from the run's scaler columns"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_prediction(trained, tmp_path, extra, message):
    _, run = trained
    bad_files(tmp_path)
    result = run_forecast(["predict", f"run={run}", *extra], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in result.stderr
    assert not finished_outputs(tmp_path, "outputs/predict/*/*/run.json")


def test_unknown_future_inputs_and_unfinished_runs_are_refused(tmp_path, csv_file):
    shutil.copytree(OLD_RUNS / "interrupted", tmp_path / "interrupted")
    result = run_forecast(["predict", f"run={tmp_path / 'interrupted'}"], cwd=tmp_path)
    assert result.returncode == 2 and "is 'interrupted', not completed" in result.stderr

    args = ["train", "data=csv", f"data.path={csv_file}", "data.date_column=date", "data.target=target",
            "model=linear", "window.input_width=12", "trainer.epochs=1", "trainer.verbose=silent"]
    assert run_forecast(args, cwd=tmp_path).returncode == 0
    run = only_run(tmp_path)
    result = run_forecast(["predict", f"run={run}", "horizon=3"], cwd=tmp_path)
    assert result.returncode == 2
    assert "'load', 'temp' are neither forecast by the model nor derived from the timestamps" in result.stderr
    assert "Traceback" not in result.stderr and not finished_outputs(tmp_path, "outputs/predict/*/*/run.json")
    direct = run_forecast(["predict", f"run={run}", "horizon=1", f"output={tmp_path / 'direct'}"], cwd=tmp_path)
    assert direct.returncode == 0, direct.stderr  # the first step needs no future input
    assert len(read_rows(tmp_path / "direct" / "predictions.csv")) == 1


def test_the_exported_model_answers_what_predict_forecasts(trained, tmp_path):
    """The served SavedModel (raw units, scaler in the graph) and `forecast predict` agree on the run's last window."""
    _, run = trained
    exported = run_forecast(["export", f"run={run}", f"dir={tmp_path / 'serving'}", "name=series"], cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    (response,) = list((tmp_path / "serving" / "series").glob("1/assets.extra/expected_response.json"))
    served = np.asarray(json.loads(response.read_text())["predictions"], dtype=np.float64)  # [1, label_width, 1]
    predicted = run_forecast(["predict", f"run={run}", f"output={tmp_path / 'out'}"], cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    rows = read_rows(tmp_path / "out" / "predictions.csv")
    assert served.shape == (1, 1, 1) and len(rows) == 1
    assert float(rows[0]["target"]) == pytest.approx(served[0, 0, 0], rel=1e-5)


def test_a_run_trained_on_every_row_has_no_test_metrics_and_still_forecasts(tmp_path, csv_file):
    args = ["train", "data=csv", f"data.path={csv_file}", "data.date_column=date", "data.target=target",
            "data.features=[]", "data.split.protocol=ltsf", "data.split.rows=[300,100,0]", "model=linear",
            "window.input_width=12", "trainer.epochs=1", "trainer.verbose=silent"]
    result = run_forecast(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run(tmp_path)
    metrics = json.loads((run / "metrics.json").read_text())
    assert {k.split("/", 1)[0] for k in metrics} == {"train", "val"}  # absent, not faked
    record = json.loads((run / "run.json").read_text())
    assert "test" not in record["windows"] and record["rows"] == {"train": 300, "val": 112}
    rows = read_rows(run / "forecast.csv")  # the last validation window: the file's last row
    assert rows[-1]["timestamp"] == pd.Timestamp(make_frame()["date"].iloc[-1]).strftime("%Y-%m-%d %H:%M")
    evaluated = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path)
    assert evaluated.returncode == 2 and "has no test split: it trained on every row" in evaluated.stderr
    predicted = run_forecast(["predict", f"run={run}", "horizon=3", f"output={tmp_path / 'out'}"], cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    last = pd.Timestamp(make_frame()["date"].iloc[-1])
    assert [r["timestamp"] for r in read_rows(tmp_path / "out" / "predictions.csv")] == [
        (last + pd.Timedelta(hours=k)).strftime("%Y-%m-%d %H:%M") for k in (1, 2, 3)
    ]


@pytest.mark.parametrize(
    "command, damage, message",
    [
        ("predict", ("scaler.json", '{"kind": "standard"}'), "columns is not a list of column names"),
        ("evaluate", ("run.json", '{"status": "compl'), "run.json (JSONDecodeError): it is not a run record"),
        ("backtest", ("config.yaml", "data: [1, 2"), "config.yaml (ParserError"),
    ],
)
def test_a_damaged_run_is_one_line_naming_the_file(tmp_path, command, damage, message):
    """Every reader of a run goes through run/restore.py and RunDir.record: one reader per kind of damage."""
    run = tmp_path / "completed"
    shutil.copytree(OLD_RUNS / "completed", run)
    name, text = damage
    (run / name).write_text(text)
    result = run_forecast([command, f"run={run}"], cwd=tmp_path)
    errors = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
    assert result.returncode == 2 and len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr
