"""One failure policy for the commands that read a run and write a directory of their own (predict,
backtest): a mistake found while the job runs is one line and exit 2, the output directory gets no
run.json (written last: the files it wrote never look finished), and such a directory may be written
again, while a finished one is refused."""

import json
import pytest

from conftest import assert_refused, make_frame, run_forecast, train_target_only_run


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("failure_policy")
    return root, train_target_only_run(root, 300)


@pytest.mark.parametrize("command, written", [("predict", "predictions.csv"), ("backtest", "backtest.csv")])
def test_a_job_that_fails_marks_its_output_failed_and_a_rerun_replaces_it(trained, tmp_path, command, written):
    _, run = trained
    make_frame(6).to_csv(tmp_path / "short.csv", index=False)  # too few rows for one input window
    out = tmp_path / "out"

    failed = run_forecast([command, f"run={run}", f"data.path={tmp_path / 'short.csv'}", f"output={out}"], cwd=tmp_path)

    assert_refused(failed, "rows")
    assert not (out / "run.json").exists() and not (out / written).exists()

    again = run_forecast([command, f"run={run}", f"output={out}"], cwd=tmp_path)

    assert again.returncode == 0, again.stderr
    assert json.loads((out / "run.json").read_text())["status"] == "completed"
    assert (out / written).stat().st_size > 0
    third = run_forecast([command, f"run={run}", f"output={out}"], cwd=tmp_path)
    assert_refused(third, f"already holds a finished {command}")


@pytest.mark.parametrize("command", ["predict", "backtest"])
def test_an_output_path_through_a_file_is_one_line(trained, tmp_path, command):
    _, run = trained
    (tmp_path / "a_file").write_text("not a directory\n")

    result = run_forecast([command, f"run={run}", f"output={tmp_path / 'a_file' / 'out'}"], cwd=tmp_path)

    assert_refused(result, str(tmp_path / "a_file"))
    assert (tmp_path / "a_file").read_text() == "not a directory\n"
