"""The installed `forecast` script in real subprocesses: train, evaluate, multirun, user errors."""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import FORECAST, ROOT, make_frame, run_forecast, tiny_train_overrides

RUN_NAME = re.compile(r"^\d{2}-\d{2}-\d{2}-\d{6}_\w+$")


def run_dirs(root: Path):
    return sorted(p.parent for p in root.glob("outputs/train/*/*/run.json")) + sorted(
        p.parent for p in root.glob("outputs/train/*/*/*/run.json")
    )


def statuses(root: Path):
    return [json.loads((d / "run.json").read_text())["status"] for d in run_dirs(root)]


def test_train_then_evaluate_reproduces_the_metrics(tmp_path, csv_file):
    result = run_forecast(["train", *tiny_train_overrides(csv_file)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (run,) = run_dirs(tmp_path)
    assert RUN_NAME.match(run.name) and run.name.endswith("_lstm")
    expected = {
        "config.yaml", "run.json", "metrics.json", "history.csv", "history.png", "model.keras", "scaler.json",
        "train.log", "tensorboard", "saved_model", ".hydra",
    }
    assert expected <= {p.name for p in run.iterdir()}
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "completed" and record["windows"]["test"] == 40 - 13 + 1
    trained = json.loads((run / "metrics.json").read_text())

    result = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    evaluation = json.loads((run / "evaluation.json").read_text())
    for key in ("test/loss", "test/mae", "test/mse", "test/rmse"):
        assert abs(evaluation["metrics"][key] - trained[key]) <= 1e-6
    assert evaluation["same_data_as_training"] is True and evaluation["windows"] == 28

    result = run_forecast(["evaluate", f"run={run}", "split=val"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert abs(evaluation["metrics"]["val/mae"] - trained["val/mae"]) <= 1e-6

    other = tmp_path / "other.csv"
    make_frame(seed=7).to_csv(other, index=False)
    result = run_forecast(["evaluate", f"run={run}", f"data.path={other}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert evaluation["same_data_as_training"] is False
    assert evaluation["metrics"]["test/mae"] != trained["test/mae"]


def test_multirun_writes_one_directory_per_job_and_a_summary(tmp_path, csv_file):
    args = ["train", "-m", "model=linear,dense", "optimizer.learning_rate=1e-3,1e-2"]
    args += [a for a in tiny_train_overrides(csv_file) if not a.startswith("model.")]
    result = run_forecast(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (sweep,) = tmp_path.glob("outputs/train/*/*_sweep")
    jobs = sorted(p.name for p in sweep.iterdir() if p.is_dir())
    assert jobs == ["0_linear", "1_linear", "2_dense", "3_dense"]
    with open(sweep / "summary.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["status"] for r in rows] == ["completed"] * 4
    assert "model=dense" in rows[3]["overrides"] and "optimizer.learning_rate=0.01" in rows[3]["overrides"]
    for row in rows:
        metrics = json.loads((sweep / row["job"] / "metrics.json").read_text())
        assert float(row["test/mae"]) == pytest.approx(metrics["test/mae"])

    result = run_forecast(["evaluate", f"run={sweep}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with open(sweep / "evaluation.csv") as handle:
        evaluated = list(csv.DictReader(handle))
    assert [r["run"] for r in evaluated] == jobs
    assert all(float(r["diff_vs_train"]) <= 1e-6 for r in evaluated)


def test_a_failing_job_does_not_hide_the_others(tmp_path, csv_file):
    args = ["train", "-m", "data.target=target,nope", "model=linear"]
    args += [a for a in tiny_train_overrides(csv_file) if not a.startswith(("model.", "data.target"))]
    result = run_forecast(args, cwd=tmp_path)
    assert result.returncode == 2
    assert "1 of 2 jobs failed: 1_linear" in result.stderr
    (sweep,) = tmp_path.glob("outputs/train/*/*_sweep")
    with open(sweep / "summary.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["status"] for r in rows] == ["completed", "failed"]
    assert "column 'nope'" in rows[1]["error"]


def user_error_cases(csv_file: Path, tmp_path: Path):
    text = make_frame(60)
    text["load"] = text["load"].astype(str)
    text.loc[10, "load"] = "abc"
    bad = tmp_path / "text.csv"
    text.to_csv(bad, index=False)
    base = tiny_train_overrides(csv_file)
    return {
        "unknown key": (["model.nope=1"], "Key 'nope' not in 'LSTMConfig'"),
        "unknown option": (["model=nope"], "Could not find 'model/nope'"),
        "wrong type": (["trainer.epochs=abc"], "could not be converted to Integer"),
        "negative size": (["window.input_width=-3"], "window.input_width must be >= 1, got -3"),
        "missing file": ([f"data.path={tmp_path / 'missing.csv'}"], "data file not found"),
        "unknown column": (["data.target=nope"], "column 'nope' given in data.target is not in the data"),
        "window too long": (["window.input_width=100"], "the val split has no complete window"),
        "non-numeric": ([f"data.path={bad}"], "column 'load' is not numeric (value 'abc' at data row 10)"),
    }, base


@pytest.mark.parametrize(
    "case",
    ["unknown key", "unknown option", "wrong type", "negative size", "missing file", "unknown column",
     "window too long", "non-numeric"],
)
def test_user_errors_print_one_line_and_exit_2(tmp_path, csv_file, case):
    cases, base = user_error_cases(csv_file, tmp_path)
    overrides, message = cases[case]
    result = run_forecast(["train", *base, *overrides], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert "completed" not in statuses(tmp_path)


def test_config_errors_create_no_run_directory(tmp_path, csv_file):
    result = run_forecast(["train", *tiny_train_overrides(csv_file), "model.nope=1"], cwd=tmp_path)
    assert result.returncode == 2
    assert not (tmp_path / "outputs").exists()


def test_full_error_shows_the_traceback(tmp_path, csv_file):
    args = ["train", *tiny_train_overrides(csv_file), "data.target=nope"]
    result = run_forecast(args, cwd=tmp_path, env={"HYDRA_FULL_ERROR": "1"})
    assert result.returncode != 0 and "Traceback" in result.stderr and "ForecastError" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["evaluate", "run=nowhere"], "run directory not found: nowhere"),
        (["evaluate", "run=."], "is not a run or sweep directory"),
        (["bogus"], "unknown command 'bogus'"),
    ],
)
def test_evaluate_and_dispatch_errors(tmp_path, args, message):
    result = run_forecast(args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_help_lists_the_commands_and_hydra_flags_pass_through(tmp_path):
    result = run_forecast(["--help"], cwd=tmp_path)
    assert result.returncode == 0 and "train" in result.stdout and "evaluate" in result.stdout
    result = run_forecast(["train", "--help"], cwd=tmp_path)
    models = sorted(p.stem for p in (ROOT / "conf" / "model").glob("*.yaml"))
    assert result.returncode == 0 and f"model: {', '.join(models)}" in result.stdout
    assert "schema" not in result.stdout and "_base" not in result.stdout
    assert "recipe: homl, panel, tslib, tutorial\n" in result.stdout and "trainer: custom, fit\n" in result.stdout
    experiments = [line for line in result.stdout.splitlines() if line.startswith("experiment: ")]
    assert len(experiments) == 1 and "tutorial/lstm" in experiments[0] and "homl/seq2seq_gru" in experiments[0]
    assert "tutorial_multi/ar_lstm" in experiments[0]
    result = run_forecast(["evaluate", "--help"], cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("forecast evaluate: recompute the metrics")
    assert "Config groups" not in result.stdout and "run: ???" in result.stdout
    result = run_forecast(["train", "--cfg", "job", "model=dense"], cwd=tmp_path)
    assert result.returncode == 0 and "name: dense" in result.stdout
    assert not (tmp_path / "outputs").exists()


def test_command_help_shows_the_config_the_overrides_compose(tmp_path):
    result = run_forecast(["train", "--help", "model=dense", "window.input_width=7"], cwd=tmp_path)
    config = result.stdout.split("== Config ==", 1)[1]
    assert result.returncode == 0 and "\nmodel:\n  name: dense\n" in config and "input_width: 7\n" in config
    # a sweep's help shows its first job; an unknown option is one line naming the group's options
    result = run_forecast(["train", "-m", "--help", "model=linear,lstm"], cwd=tmp_path)
    assert result.returncode == 0 and "\nmodel:\n  name: linear\n" in result.stdout
    result = run_forecast(["train", "--help", "model=nope"], cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert "model/nope" in result.stderr and "dense" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "outputs").exists()


def test_a_reader_that_goes_away_ends_the_output_quietly(tmp_path):
    # `forecast --help | head`: the pipe's reader is gone before the help is written
    process = subprocess.Popen([FORECAST, "--help"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr


@pytest.mark.parametrize("overrides", [[], ["experiment=tutorial/lstm", "trainer=fit", "optimizer.learning_rate=0.02"]])
def test_cfg_job_prints_exactly_what_hydra_prints(tmp_path, overrides):
    """`--cfg job` prints the config composed for validation instead of letting Hydra compose it again."""
    ours = run_forecast(["train", *overrides, "--cfg", "job"], cwd=tmp_path)
    hydra_itself = subprocess.run(
        [sys.executable, "-c", "import sys, forecast_cli.commands.train as app; sys.argv = sys.argv[:1] + sys.argv[1:]; app.main()",
         *overrides, "--cfg", "job"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert hydra_itself.returncode == 0, hydra_itself.stderr
    assert ours.returncode == 0 and ours.stdout == hydra_itself.stdout
    assert "learning_rate" in ours.stdout and not (tmp_path / "outputs").exists()
    resolved = run_forecast(["train", *overrides, "--cfg", "job", "--resolve"], cwd=tmp_path)  # Hydra's own path
    assert resolved.returncode == 0 and "run_name: lstm" in resolved.stdout and "${" not in resolved.stdout


def test_shell_completion_routes_to_the_subcommand(tmp_path):
    result = run_forecast(["-sc", "query=bash"], cwd=tmp_path, env={"COMP_LINE": "forecast tr"})
    assert result.stdout.split() == ["train"]
    result = run_forecast(["-sc", "query=bash"], cwd=tmp_path, env={"COMP_LINE": "forecast train model=l"})
    assert result.returncode == 0 and set(result.stdout.split()) == {
        "model=last", "model=layernorm_rnn", "model=linear", "model=lstm"
    }


@pytest.mark.parametrize("given, expected", [(None, "0"), ("1", "1")])
def test_tensorflow_starts_without_onednn_kernels_unless_asked(tmp_path, given, expected):
    """oneDNN's kernels, on by themselves on AVX-512 CPUs, move figures from machine to machine and print
    absl lines before any one-line error: off by default, kept as the user sets it."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL")}
    if given is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = given
    code = "import os, forecast_cli, tensorflow; print(os.environ['TF_ENABLE_ONEDNN_OPTS'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
    if given is None:
        assert result.stderr == ""
