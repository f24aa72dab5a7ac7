"""One failure policy for the commands that read a run and write a directory of their own (predict,
backtest): a mistake found while the job runs is one line and exit 2, the output directory's run.json
says `failed` with the error (the files it wrote never look finished), and a failed output directory
may be written again, while a finished one is refused."""

import json
from pathlib import Path
import pytest

from helpers import assert_refused, make_frame, run_forecast, train_target_only_run

from forecast_cli.commands.base import exit_on_user_error
from forecast_cli.run.layout import PredictDir


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("failure_policy")
    return root, train_target_only_run(root, 300)


@pytest.mark.parametrize(
    "command, written",
    [("predict", "predictions.csv"), pytest.param("backtest", "backtest.csv", marks=pytest.mark.slow)],  # the same wrapper: 30 s more
)
def test_a_job_that_fails_marks_its_output_failed_and_a_rerun_replaces_it(trained, tmp_path, command, written):
    _, run = trained
    make_frame(6).to_csv(tmp_path / "short.csv", index=False)  # too few rows for one input window
    out = tmp_path / "out"

    failed = run_forecast([command, f"run={run}", f"data.path={tmp_path / 'short.csv'}", f"output={out}"], cwd=tmp_path)

    assert_refused(failed, "rows")
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "failed" and record["task"] == command
    assert record["error"] == failed.stderr.strip().removeprefix("forecast: error: ")
    assert not (out / written).exists()

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


@pytest.fixture
def hydra_output_dir(tmp_path):
    """The job's output directory as Hydra would give it (HydraConfig set, as inside @hydra.main)."""
    from hydra.conf import HydraConf
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    cfg = OmegaConf.create({"hydra": OmegaConf.structured(HydraConf)})
    cfg.hydra.runtime.output_dir = str(tmp_path / "out")
    HydraConfig.instance().set_config(cfg)
    (tmp_path / "out").mkdir()
    yield tmp_path / "out"
    HydraConfig.instance().cfg = None


def raising(exc, output: Path):
    def job(cfg):
        PredictDir(output).predictions_csv.write_text("step,target\n1,0.5\n")  # a partial output
        raise exc

    return job


@pytest.mark.parametrize(
    "exc, status, error",
    [
        (KeyboardInterrupt(), "interrupted", "KeyboardInterrupt"),
        (ZeroDivisionError("division by zero\nsecond line"), "failed", "division by zero"),
    ],
)
def test_a_bug_or_ctrl_c_keeps_its_exception_and_marks_the_output(hydra_output_dir, exc, status, error):
    with pytest.raises(type(exc)):
        exit_on_user_error(raising(exc, hydra_output_dir), None, PredictDir)

    record = json.loads((hydra_output_dir / "run.json").read_text())
    assert (record["task"], record["status"], record["error"]) == ("predict", status, error)
    assert not PredictDir(hydra_output_dir).is_finished()


def test_a_finished_output_is_never_marked(hydra_output_dir):
    finished = {"task": "predict", "status": "completed"}
    (hydra_output_dir / "run.json").write_text(json.dumps(finished))

    with pytest.raises(ZeroDivisionError):
        exit_on_user_error(raising(ZeroDivisionError("late"), hydra_output_dir), None, PredictDir)

    assert json.loads((hydra_output_dir / "run.json").read_text()) == finished


def test_a_successful_job_that_exits_0_marks_nothing(hydra_output_dir):
    with pytest.raises(SystemExit):
        exit_on_user_error(raising(SystemExit(0), hydra_output_dir), None, PredictDir)

    assert not (hydra_output_dir / "run.json").exists()
