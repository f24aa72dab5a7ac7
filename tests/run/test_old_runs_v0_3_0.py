"""Run directories written by forecast 0.3.0 before the one-data-model refactor (tests/fixtures/old_runs/v0_3_0,
made as its README says) still evaluate to their metrics, predict, backtest and export to what 0.3.0 wrote, and
resume to the metrics of an uninterrupted run."""

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers import OLD_RUNS, run_forecast

V0_3_0 = OLD_RUNS / "v0_3_0"
EXPECTED = V0_3_0 / "expected"


def read_json(path: Path):
    return json.loads(path.read_text())


def read_rows(path: Path):
    with open(path) as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def old_run(tmp_path):
    """A copy of a fixture run (commands write into it) and the overrides that point it at its data."""

    def copy(name: str):
        target = tmp_path / "runs" / name
        shutil.copytree(V0_3_0 / name, target)
        return target, ([f"data.path={V0_3_0 / 'long.csv'}"] if name == "panel" else [])

    return copy


def flat(value, prefix=""):
    """A JSON value as {dotted path: leaf}: dicts by key, lists by index."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else None
    if items is None:
        return {prefix: value}
    return {path: leaf for key, item in items for path, leaf in flat(item, f"{prefix}{key}.").items()}


def assert_same_table(got: Path, want: Path, numbers: tuple):
    """The same rows and keys; the columns in `numbers` equal as numbers (printed to 7 digits), the rest as text."""
    got_rows, want_rows = read_rows(got), read_rows(want)
    assert len(got_rows) == len(want_rows), got
    for index, (row, expected) in enumerate(zip(got_rows, want_rows)):
        for key, value in expected.items():
            assert key in row, f"{got.name}: column {key} missing"
            if key in numbers:
                assert float(row[key]) == pytest.approx(float(value), rel=1e-5, abs=1e-5), (index, key)
            else:
                assert row[key] == value, (index, key)


@pytest.mark.parametrize("name", ["single", "panel"])
def test_a_0_3_0_run_evaluates_to_its_own_metrics(old_run, name, tmp_path):
    run, data = old_run(name)
    result = run_forecast(["evaluate", f"run={run}", *data], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    evaluation = read_json(run / "evaluation.json")["metrics"]
    saved = read_json(run / "metrics.json")
    pinned = {k: v for k, v in saved.items() if k.startswith("test/")}
    assert len(pinned) >= 8
    moved = [k for k, v in pinned.items() if k not in evaluation or evaluation[k] != pytest.approx(v, rel=1e-6, abs=1e-6)]
    assert not moved, {k: (evaluation.get(k), pinned[k]) for k in moved}


@pytest.mark.parametrize(("name", "extra", "key"), [("single", ["horizon=6"], "passengers"), ("panel", [], "y")])
def test_a_0_3_0_run_predicts_what_0_3_0_predicted(old_run, name, extra, key, tmp_path):
    run, data = old_run(name)
    out = tmp_path / "predict"
    result = run_forecast(["predict", f"run={run}", *extra, *data, f"output={out}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_same_table(out / "predictions.csv", EXPECTED / f"{name}_predict" / "predictions.csv", (key,))


@pytest.mark.parametrize("name", ["single", "panel"])
def test_a_0_3_0_run_backtests_to_what_0_3_0_scored(old_run, name, tmp_path):
    run, data = old_run(name)
    out = tmp_path / "backtest"
    result = run_forecast(["backtest", f"run={run}", *data, f"output={out}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_same_table(out / "backtest.csv", EXPECTED / f"{name}_backtest" / "backtest.csv", ("actual", "forecast"))
    got, want = read_json(out / "metrics.json"), read_json(EXPECTED / f"{name}_backtest" / "metrics.json")
    got, want = flat(got), flat(want)
    # 0.3.0 scaled a single series' backtest MASE by its training rows only; one rule now, training's and a
    # panel's: the rows before the split (tests/test_backtest.py checks it against the run's test/mase)
    want = {key: value for key, value in want.items() if not (name == "single" and key.rstrip(".").endswith("mase"))}
    for key, value in want.items():
        assert key in got, key
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-5, abs=1e-6), key
        else:
            assert got[key] == value, key


@pytest.mark.slow  # 50 s; an older run exporting from its model and scaler stays in the default suite (test_export.py)
@pytest.mark.parametrize("name", ["single", "panel"])
def test_a_0_3_0_run_exports_a_model_answering_as_0_3_0_did(old_run, name, tmp_path):
    run, data = old_run(name)
    result = run_forecast(["export", f"run={run}", *data, f"dir={tmp_path / 'serving'}", f"name={name}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    extra = tmp_path / "serving" / name / "1" / "assets.extra"
    want = EXPECTED / f"export_{name}"
    assert read_json(extra / "example_request.json") == read_json(want / "example_request.json")
    got = np.asarray(read_json(extra / "expected_response.json")["predictions"])
    np.testing.assert_allclose(got, read_json(want / "expected_response.json")["predictions"], rtol=1e-5)


def test_a_0_3_0_interrupted_run_resumes_to_the_metrics_of_an_uninterrupted_one(old_run, tmp_path):
    run, _ = old_run("interrupted")
    before = read_rows(run / "history.csv")
    result = run_forecast(["train", f"resume={run}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = read_json(run / "run.json")
    assert record["status"] == "completed" and record["epochs_completed"] == 20
    after = read_rows(run / "history.csv")
    assert after[: len(before)] == before
    metrics = read_json(run / "metrics.json")
    expected = read_json(V0_3_0 / "uninterrupted_metrics.json")
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, rel=1e-6, abs=1e-6), key
