"""`forecast runs` on a made-up tree of run directories; `forecast compare` on folders of runs."""

import csv
import json
import subprocess
import sys
import time

from forecast_cli.run.layout import COMPLETED, FAILED, RUNNING, RunDir

from helpers import run_forecast


def make_run(path, status, started, val_loss=None, overrides=(), **fields):
    run = RunDir(path)
    run.root.mkdir(parents=True)
    record = {"status": status, "task": "train", "started_at": started, "overrides": list(overrides), **fields}
    run.run_json.write_text(json.dumps(record))
    if val_loss is not None:
        run.write_metrics({"val/loss": val_loss, "val/mae": val_loss / 2, "test/mae": val_loss / 3})
    return run


def made_up_tree(root):
    day = root / "train" / "2026-11-20"
    make_run(day / "10-00-00-000000_lstm", COMPLETED, "2026-11-20T10:00:00+00:00", 0.3, ["model=lstm"], duration_s=75, epochs_completed=5)
    make_run(day / "11-00-00-000000_gru", FAILED, "2026-11-20T11:00:00+00:00", None, ["model=gru"], error="diverged")
    killed = make_run(day / "12-00-00-000000_lstm", RUNNING, "2026-11-20T12:00:00+00:00", None, ["model.units=8"])
    killed.lock_file.write_text("999999\n")  # its process is gone: nobody holds the lock
    (killed.history_csv).write_text("epoch,loss\n0,1.0\n1,0.9\n")
    sweep = root / "train" / "2026-11-21" / "09-00-00-000000_sweep"
    for job, loss in enumerate((0.2, 0.1)):
        make_run(sweep / f"{job}_linear", COMPLETED, f"2026-11-21T09:0{job}:00+00:00", loss, [f"optimizer.learning_rate=0.0{job + 1}"])
    prediction = root / "predict" / "2026-11-21" / "10-00-00-000000_lstm"
    prediction.mkdir(parents=True)
    (prediction / "run.json").write_text(json.dumps({"status": COMPLETED, "source_run": str(day)}))
    return day, sweep


def test_runs_lists_every_run_newest_first_with_killed_ones_named(tmp_path):
    made_up_tree(tmp_path / "outputs")
    live = make_run(tmp_path / "outputs" / "train" / "2026-11-22" / "08-00-00-000000_gru", RUNNING, "2026-11-22T08:00:00+00:00")
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import fcntl,os,time; fd=os.open({str(live.lock_file)!r}, os.O_RDWR|os.O_CREAT); "
         "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = run_forecast(["runs", "--csv", "runs.csv"], cwd=tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "runs.csv").open()))
    assert [(r["name"], r["status"]) for r in rows] == [
        ("gru", "running"), ("linear", "completed"), ("linear", "completed"),
        ("lstm", "killed"), ("gru", "failed"), ("lstm", "completed"),
    ]
    assert rows[3]["epochs"] == "2" and rows[5]["epochs"] == "5" and rows[5]["duration"] == "75"
    assert rows[1]["directory"] == "train/2026-11-21/09-00-00-000000_sweep/1_linear"
    assert rows[1]["overrides"] == "optimizer.learning_rate=0.02" and float(rows[1]["val/loss"]) == 0.1
    assert "6 runs under outputs" in result.stdout and "0:01:15" in result.stdout and "killed" in result.stdout


def test_runs_filters_sorts_and_keeps_the_last(tmp_path):
    made_up_tree(tmp_path / "outputs")
    result = run_forecast(["runs", "--sort", "val/loss", "--status", "completed", "--last", "2", "--csv", "r.csv"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert [float(r["val/loss"]) for r in rows] == [0.1, 0.2]  # the two newest completed, best first
    result = run_forecast(["runs", "outputs/train/2026-11-20", "--sort=-val/loss", "--csv", "r.csv"], cwd=tmp_path)
    assert [r["status"] for r in csv.DictReader((tmp_path / "r.csv").open())] == ["completed", "killed", "failed"]
    for args, message in ((["nowhere"], "is not a directory"), (["--sort", "bogus"], "--sort bogus"), (["--last", "0"], "--last")):
        result = run_forecast(["runs", *args], cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_runs_is_fast_on_a_thousand_runs(tmp_path):
    for i in range(1000):
        make_run(tmp_path / "outputs" / "train" / f"2026-11-{1 + i // 100:02d}" / f"{i:06d}_lstm", COMPLETED,
                 f"2026-11-{1 + i // 100:02d}T00:00:{i % 60:02d}+00:00", i / 1000, ["model=lstm", f"seed={i}"], epochs_completed=3)
    start = time.perf_counter()
    result = run_forecast(["runs", "--csv", "all.csv"], cwd=tmp_path)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    assert len(list(csv.DictReader((tmp_path / "all.csv").open()))) == 1000
    assert elapsed < 10, elapsed  # about 2 s on 2 busy cores, most of it the table


def test_compare_needs_runs_and_takes_any_folder_of_them(tmp_path):
    # (given one sweep directory, compare writes into it: test_compare.py)
    result = run_forecast(["compare"], cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "forecast compare SWEEP_DIR" in result.stderr
    made_up_tree(tmp_path / "outputs")
    result = run_forecast(["compare", str(tmp_path / "outputs" / "train")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "comparison.csv").open()))  # not a sweep: written here
    assert len(rows) == 5 and not list((tmp_path / "outputs" / "train").glob("comparison.*"))
    result = run_forecast(["compare", *map(str, (tmp_path / "outputs" / "train").glob("*/*"))], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
