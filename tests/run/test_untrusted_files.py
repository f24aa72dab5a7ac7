"""A run directory is untrusted input, file by file: a planted symbolic link is never read or written
through, a FIFO never blocks a reader, a saved `${oc.env:...}` is never resolved, a YAML alias bomb or a
zip bomb is refused before it expands, a checkpoint sets only the state it declares, a config directory
added with --config-dir passes the same `_target_` allow-list, and data reaching a log, the terminal or
a CSV cannot start a new log line, a terminal sequence, Rich markup or a spreadsheet formula."""

import csv
import io
import logging
import os
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import (
    OLD_RUNS,
    assert_refused,
    finished_outputs,
    make_frame,
    only_run,
    run_forecast,
    snapshot,
)
from omegaconf import OmegaConf

# YAML's "billion laughs": under 1 KB, 10**9 strings once its aliases are expanded
ALIAS_BOMB = "a: &a ['x','x','x','x','x','x','x','x','x','x']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
    for i in range(8)
)


@pytest.fixture
def victim(tmp_path) -> Path:
    path = tmp_path / "victim.txt"
    path.write_text("precious\n")
    return path


def copy_run(kind: str, where: Path) -> Path:
    shutil.copytree(OLD_RUNS / kind, where)
    return where


def replace_with_link(path: Path, target: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    path.symlink_to(target)


@pytest.mark.parametrize("name", [".lock", "train.log", ".hydra/hydra.yaml", ".hydra/config.yaml", "run.json"])
def test_resume_refuses_a_planted_file_link_and_writes_nothing_through_it(tmp_path, victim, name):
    run = copy_run("interrupted", tmp_path / "run")
    replace_with_link(run / name, victim)
    before = snapshot(tmp_path, run)

    result = run_forecast(["train", f"resume={run}"], cwd=tmp_path)

    assert_refused(result, name.split("/")[-1], "symbolic link")
    assert victim.read_text() == "precious\n"
    assert snapshot(tmp_path, run) == before


def test_resume_refuses_a_tensorboard_directory_link_and_writes_no_event_file_elsewhere(tmp_path):
    run = copy_run("interrupted", tmp_path / "run")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    replace_with_link(run / "tensorboard", elsewhere)

    result = run_forecast(["train", f"resume={run}"], cwd=tmp_path)

    assert_refused(result, "tensorboard", "symbolic link")
    assert list(elsewhere.iterdir()) == []


def test_a_fifo_lock_blocks_neither_resume_nor_runs(tmp_path):
    run = copy_run("interrupted", tmp_path / "outputs" / "run")
    (run / ".lock").unlink(missing_ok=True)
    os.mkfifo(run / ".lock")

    started = time.monotonic()
    resumed = run_forecast(["train", f"resume={run}"], cwd=tmp_path, timeout=60)
    listed = run_forecast(["runs"], cwd=tmp_path, timeout=60)

    assert_refused(resumed, ".lock", "a FIFO")
    assert listed.returncode == 0, listed.stderr
    assert "interrupted" in listed.stdout
    assert time.monotonic() - started < 60


def test_evaluate_refuses_a_planted_log_link_and_appends_nothing_to_its_target(tmp_path, victim):
    run = copy_run("completed", tmp_path / "run")
    (run / "evaluate.log").symlink_to(victim)

    result = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path)

    assert_refused(result, "evaluate.log", "symbolic link")
    assert victim.read_text() == "precious\n"
    assert not (run / "evaluation.json").exists()


def test_evaluate_of_a_sweep_never_follows_a_job_link_out_of_the_sweep(tmp_path):
    sweep = tmp_path / "sweep"
    copy_run("completed", sweep / "0_lstm")
    elsewhere = copy_run("completed", tmp_path / "elsewhere")
    (sweep / "1_lstm").symlink_to(elsewhere)
    before = snapshot(tmp_path, sweep)

    result = run_forecast(["evaluate", f"run={sweep}"], cwd=tmp_path)

    assert_refused(result, "1_lstm", "symbolic link")
    assert snapshot(tmp_path, sweep) == before  # the run outside the sweep is untouched
    assert not (elsewhere / "evaluation.json").exists()


def test_predict_refuses_a_model_file_that_links_out_of_the_run(tmp_path):
    run = copy_run("completed", tmp_path / "run")
    outside = tmp_path / "other.keras"
    shutil.copy(run / "model.keras", outside)
    replace_with_link(run / "model.keras", outside)

    result = run_forecast(["predict", f"run={run}", f"output={tmp_path / 'p'}"], cwd=tmp_path)

    assert_refused(result, "model.keras", "symbolic link")
    assert not finished_outputs(tmp_path, "p/run.json")


def test_a_saved_interpolation_is_read_as_text_never_resolved(tmp_path):
    sweep = tmp_path / "sweep"
    plain = copy_run("completed", sweep / "0_lstm")
    planted = copy_run("completed", sweep / "1_lstm")
    overrides = OmegaConf.to_container(OmegaConf.load(planted / ".hydra" / "overrides.yaml"))
    (planted / ".hydra" / "overrides.yaml").write_text(
        OmegaConf.to_yaml(overrides + ["+note=${oc.env:FORECAST_TEST_SECRET}"])
    )
    config = (planted / "config.yaml").read_text().replace("run_name: completed", "run_name: ${oc.env:FORECAST_TEST_SECRET}")
    (planted / "config.yaml").write_text(config)
    secret = {"FORECAST_TEST_SECRET": "hunter2-do-not-leak"}

    compared = run_forecast(["compare", str(sweep)], cwd=tmp_path, env=secret)
    listed = run_forecast(["runs", str(sweep)], cwd=tmp_path, env=secret)

    assert compared.returncode == 0, compared.stderr
    written = (sweep / "comparison.csv").read_text()
    assert "hunter2" not in written + compared.stdout + listed.stdout
    assert "+note=${oc.env:FORECAST_TEST_SECRET}" in written
    assert plain.name in written


@pytest.mark.parametrize("name", ["config.yaml", ".hydra/overrides.yaml"])
def test_a_yaml_alias_bomb_is_refused_by_every_reader_in_seconds(tmp_path, name):
    run = copy_run("completed", tmp_path / "outputs" / "run")
    (run / name).write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 1024

    started = time.monotonic()
    evaluated = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path, timeout=60)
    compared = run_forecast(["compare", str(run)], cwd=tmp_path, timeout=60)
    listed = run_forecast(["runs"], cwd=tmp_path, timeout=60)

    if name == "config.yaml":  # compare reads only its run_name, and names the run by its directory instead
        assert_refused(evaluated, "config.yaml", "anchor or alias")
        assert compared.returncode == 0 and "│ run " in compared.stdout, compared.stderr
    else:  # evaluate never reads the overrides
        assert evaluated.returncode == 0, evaluated.stderr
        assert_refused(compared, "overrides.yaml", "anchor or alias")
    assert listed.returncode == 0, listed.stderr
    assert "completed" in listed.stdout
    assert time.monotonic() - started < 60


def test_a_zip_bomb_model_file_is_refused_before_it_expands(tmp_path):
    run = copy_run("completed", tmp_path / "run")
    with zipfile.ZipFile(run / "model.keras", "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("model.weights.h5", "w", force_zip64=True) as member:
            zeros = bytes(2**20)
            for _ in range(2048):  # 2 GiB of zeros, about 2 MB on disk
                member.write(zeros)
    assert (run / "model.keras").stat().st_size < 4 * 2**20

    result = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path, timeout=120)

    assert_refused(result, "model.keras", "expands to 2,147,483,648 bytes", "zip bomb")


def test_a_config_dir_file_is_held_to_the_same_target_allow_list(tmp_path, victim):
    extra = tmp_path / "extra"
    (extra / "experiment").mkdir(parents=True)
    payload = f"hydra:\n  callbacks:\n    evil:\n      _target_: builtins.open\n      file: {victim}\n      mode: w\n"
    (extra / "experiment" / "evil.yaml").write_text("# @package _global_\n" + payload)
    (extra / "mine.yaml").write_text("defaults:\n  - train\n  - _self_\n" + payload)

    overlay = run_forecast(["train", f"--config-dir={extra}", "experiment=evil", "trainer.epochs=1"], cwd=tmp_path)
    primary = run_forecast(["train", "--config-dir", str(extra), "--config-name", "mine", "trainer.epochs=1"], cwd=tmp_path)
    rerun = run_forecast(["train", "--experimental-rerun", str(tmp_path / "config.pickle")], cwd=tmp_path)

    assert_refused(overlay, "hydra.callbacks.evil._target_='builtins.open'", "is not an allowed target")
    assert_refused(primary, "hydra.callbacks.evil._target_='builtins.open'")
    assert_refused(rerun, "--experimental-rerun", "pickled")
    assert victim.read_text() == "precious\n"
    assert not (tmp_path / "outputs").exists()


def test_a_config_dir_experiment_without_targets_is_composed_and_checked(tmp_path):
    extra = tmp_path / "extra"
    (extra / "experiment").mkdir(parents=True)
    (extra / "experiment" / "small.yaml").write_text("# @package _global_\nmodel:\n  units: 3\n")

    shown = run_forecast(["train", "--config-dir", str(extra), "experiment=small", "--cfg", "job"], cwd=tmp_path)
    wrong = run_forecast(["train", "--config-dir", str(extra), "experiment=small", "model.units=0"], cwd=tmp_path)

    assert shown.returncode == 0, shown.stderr
    assert OmegaConf.create(shown.stdout).model.units == 3
    assert_refused(wrong, "model.units")


def test_a_checkpoint_sets_only_the_declared_state_of_its_callbacks():
    import keras
    import tensorflow as tf

    from forecast_cli.errors import ForecastError
    from forecast_cli.run.checkpoint import Checkpoint
    from forecast_cli.trainer.run_callbacks.checkpoint import RunCheckpoint

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    optimizer = keras.optimizers.Adam()
    optimizer.build(model.trainable_variables)
    weights = [np.asarray(v.numpy()) for v in model.variables]
    slots = [np.asarray(v.numpy()) for v in optimizer.variables]

    def restore(state):
        stop = keras.callbacks.EarlyStopping(monitor="val_loss")
        saved = Checkpoint(epochs_completed=1, stop_training=False, model=weights, optimizer=slots, callbacks=[state])
        callback = RunCheckpoint(Path("unused.npz"), optimizer, tf.distribute.get_strategy(), [stop], restore=saved)
        callback.set_model(model)
        callback.on_train_begin()
        return stop

    restored = restore({"wait": 2, "best": 0.5, "best_epoch": 3, "stopped_epoch": 0, "best_weights": weights})
    assert (restored.wait, restored.best, restored.best_epoch, restored.monitor) == (2, 0.5, 3, "val_loss")
    with pytest.raises(ForecastError, match="EarlyStopping state 'monitor'"):
        restore({"wait": 2, "monitor": "loss"})
    with pytest.raises(ForecastError, match="'wait' of type str"):
        restore({"wait": "2"})
    with pytest.raises(ForecastError, match="'best_weights' of type list"):
        restore({"best_weights": weights[:1]})


def test_log_lines_and_tables_show_data_as_inert_text(tmp_path):
    from rich.console import Console

    from forecast_cli.commands.report import metrics_table
    from forecast_cli.report.log_output import EscapingFormatter, NoFollowFileHandler

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(EscapingFormatter("[%(levelname)s] %(message)s"))
    logger = logging.getLogger("forecast.test_inert")
    logger.addHandler(handler)
    logger.warning("series %s", "x\nrm -rf ~ #\x1b[31m")
    assert stream.getvalue() == "[WARNING] series x\\nrm -rf ~ #\\x1b[31m\n"

    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(metrics_table("runs [b]", [{"run": "[/bold]", "mae": 0.5}], ["run"]))
    shown = console.file.getvalue()
    assert "[/bold]" in shown and "runs [b]" in shown

    (tmp_path / "train.log").symlink_to(tmp_path / "victim")
    with pytest.raises(Exception, match="symbolic link"):
        NoFollowFileHandler(str(tmp_path / "train.log"))
    assert not (tmp_path / "victim").exists()


def test_csv_cells_that_a_spreadsheet_would_run_are_written_as_text():
    from forecast_cli.run.atomic import formula_safe_frame, rows_to_csv

    rows = [{"id": "=HYPERLINK(\"http://x\")", "value": -1.5, "label": "-2"}, {"id": "@SUM(A1)", "+x": "ok", "label": "-10.0%"}]
    text = rows_to_csv(rows)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)

    assert list(frame.columns) == ["id", "value", "label", "'+x"]
    assert frame["id"].tolist() == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)"]
    assert frame["value"].tolist() == ["-1.5", ""] and frame["label"].tolist() == ["-2", "-10.0%"]
    safe = formula_safe_frame(pd.DataFrame({"=cmd": ["-cmd|' /C calc'!A0", "b"], "y": [1.0, -2.0]}))
    assert list(safe.columns) == ["'=cmd", "y"]
    assert safe["'=cmd"].tolist() == ["'-cmd|' /C calc'!A0", "b"] and safe["y"].tolist() == [1.0, -2.0]


@pytest.fixture(scope="module")
def hostile_columns_run(tmp_path_factory):
    """A run trained on columns named like a formula, an interpolation and Rich markup."""
    root = tmp_path_factory.mktemp("hostile")
    frame = make_frame(300).rename(columns={"target": "=SUM(1)", "load": "${x}", "temp": "[/bold]"})
    frame.to_csv(root / "series.csv", index=False)
    args = [
        "train", "data=csv", f"data.path={root / 'series.csv'}", "data.date_column=date",
        'data.target=["=SUM(1)","\\${x}","[/bold]"]', "model=linear", "window.input_width=12",
        "trainer.epochs=1", "trainer.verbose=silent",
    ]  # fmt: skip
    result = run_forecast(args, cwd=root)
    assert result.returncode == 0, result.stderr
    return root, only_run(root)


def test_a_run_on_columns_named_like_code_evaluates_and_writes_inert_files(hostile_columns_run):
    root, run = hostile_columns_run

    evaluated = run_forecast(["evaluate", f"run={run}"], cwd=root)
    listed = run_forecast(["runs"], cwd=root)
    compared = run_forecast(["compare", str(run), "--output", str(root / "cmp")], cwd=root)

    assert evaluated.returncode == 0, evaluated.stderr
    assert "[/bold]" in evaluated.stdout and "${x}" in evaluated.stdout  # the per-column table, as text
    assert listed.returncode == 0 and "[/bold]" in listed.stdout, listed.stderr
    assert compared.returncode == 0, compared.stderr
    header = (run / "forecast.csv").read_text().splitlines()[0]
    assert "=SUM(1)" in header and not any(cell.startswith("=") for cell in header.split(","))
    evaluation = OmegaConf.to_container(OmegaConf.create((run / "evaluation.json").read_text()))
    assert "test/real_mae[${x}]" in evaluation["metrics"]


@pytest.mark.parametrize("command, written", [("predict", "predictions.csv"), ("backtest", "backtest.csv")])
def test_predict_and_backtest_write_columns_named_like_formulas_as_text(hostile_columns_run, command, written):
    root, run = hostile_columns_run
    out = root / f"out-{command}"

    result = run_forecast([command, f"run={run}", f"output={out}"], cwd=root)

    assert result.returncode == 0, result.stderr
    cells = [cell for row in csv.reader(io.StringIO((out / written).read_text())) for cell in row]
    assert "'=SUM(1)" in cells  # a column's name, in the header (predict) or the column column (backtest)
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert command != "predict" or "[/bold]" in result.stdout  # its printed table shows markup as text


@pytest.mark.parametrize(
    "file, key, value",
    [
        ("run.json", "duration_s", "forever"),
        ("run.json", "epochs_completed", "3"),
        ("run.json", "overrides", 5),
        ("run.json", "status", ["completed"]),
        ("metrics.json", "test/mae", "small"),
        ("metrics.json", "val/loss", True),
    ],
)
def test_a_run_file_holding_a_value_of_the_wrong_type_is_one_line_for_each_reader(tmp_path, file, key, value):
    import json

    run = copy_run("completed", tmp_path / "outputs" / "run")
    record = json.loads((run / file).read_text())
    record[key] = value
    (run / file).write_text(json.dumps(record))

    compared = run_forecast(["compare", str(run)], cwd=tmp_path)
    listed = run_forecast(["runs", "--sort", "val/loss"], cwd=tmp_path)

    assert_refused(compared, file, f"'{key}'", "edited or damaged")
    assert listed.returncode == 0, listed.stderr  # the damaged run is left out or shown without the bad value
    assert "Traceback" not in listed.stderr


@pytest.mark.parametrize(
    "key, value, named",
    [
        ("kind", "rm -rf", "kind is 'rm -rf'"),
        ("columns", [1], "columns is not a list"),
        ("offset", ["x"], "offset is not a list of numbers"),
        ("scale", [0.0], "scale holds a value that is not a finite number above 0"),
    ],
)
def test_a_scaler_json_holding_a_value_of_the_wrong_type_is_one_line(tmp_path, key, value, named):
    import json

    run = copy_run("completed", tmp_path / "run")
    scaler = json.loads((run / "scaler.json").read_text())
    scaler[key] = value
    (run / "scaler.json").write_text(json.dumps(scaler))

    result = run_forecast(["predict", f"run={run}", f"output={tmp_path / 'out'}"], cwd=tmp_path)

    assert_refused(result, "scaler.json", named)


def test_a_history_csv_holding_text_is_one_line_on_resume(tmp_path):
    run = copy_run("interrupted", tmp_path / "run")
    lines = (run / "history.csv").read_text().splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    first[header.index("loss")] = "=1+1"
    (run / "history.csv").write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n")

    result = run_forecast(["train", f"resume={run}"], cwd=tmp_path)

    assert_refused(result, "history.csv", "not a number")
    assert OmegaConf.load(run / "run.json")["status"] != "completed"


def test_an_output_path_that_cannot_be_written_is_one_line_for_compare_and_runs(tmp_path):
    run = copy_run("completed", tmp_path / "outputs" / "run")
    (tmp_path / "a_file").write_text("in the way\n")

    compared = run_forecast(["compare", str(run), "--output", str(tmp_path / "a_file" / "cmp")], cwd=tmp_path)
    listed = run_forecast(["runs", "--csv", str(tmp_path / "a_file" / "runs.csv")], cwd=tmp_path)
    into_proc = run_forecast(["compare", str(run), "--output", "/proc/forecast-cannot-be-here"], cwd=tmp_path)

    assert_refused(compared, "a_file", "give")
    assert listed.returncode == 2 and listed.stderr.startswith("forecast: error: cannot use"), listed.stderr
    assert "Traceback" not in listed.stderr
    assert_refused(into_proc, "/proc/forecast-cannot-be-here")
    assert (tmp_path / "a_file").read_text() == "in the way\n"
