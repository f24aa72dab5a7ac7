"""One writer per run directory (issue 13): an existing run directory is refused unless resumed, a
second process on the same directory is refused while the first holds its lock, and run_name cannot
lead out of outputs/train/<date>/ nor make a directory name too long."""

import json
import subprocess
import time
from pathlib import Path

from helpers import FORECAST, run_forecast, tiny_train_overrides


def snapshot(root: Path):
    """Every file below `root` with its bytes and modification time."""
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*")) if p.is_file()}


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("forecast: error: "), stderr
    return lines[0]


def status(run: Path) -> str:
    return json.loads((run / "run.json").read_text())["status"]


def test_an_existing_run_directory_is_refused_and_left_untouched(tmp_path, csv_file):
    run = tmp_path / "run"
    first = run_forecast(["train", *tiny_train_overrides(csv_file), "trainer.epochs=1", f"hydra.run.dir={run}"], tmp_path)
    assert first.returncode == 0, first.stderr
    before = snapshot(run)
    again = run_forecast(["train", *tiny_train_overrides(csv_file), "model=gru", f"hydra.run.dir={run}"], tmp_path)
    assert again.returncode == 2
    assert "already holds a run" in one_error_line(again.stderr) and str(run) in again.stderr
    assert snapshot(run) == before and status(run) == "completed"


def test_a_second_writer_of_the_same_directory_is_refused_while_the_first_completes(tmp_path, csv_file):
    run = tmp_path / "run"
    args = [*tiny_train_overrides(csv_file), "trainer.epochs=15", f"hydra.run.dir={run}"]
    first = subprocess.Popen([FORECAST, "train", *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not ((run / "run.json").is_file() and status(run) == "running") and first.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = run_forecast(["train", *args, "model=gru"], tmp_path)
    resume = run_forecast(["train", f"resume={run}"], tmp_path)
    first.communicate(timeout=300)
    assert second.returncode == 2
    line = one_error_line(second.stderr)
    assert str(run) in line and f"forecast process {first.pid} holds its lock" in line
    assert resume.returncode == 2 and f"is still running (pid {first.pid})" in one_error_line(resume.stderr)
    assert first.returncode == 0 and status(run) == "completed"
    config = (run / "config.yaml").read_text()
    assert "name: lstm" in config and "name: gru" not in config
    assert "model=gru" not in (run / ".hydra" / "overrides.yaml").read_text()


def test_run_name_cannot_leave_the_outputs_directory(tmp_path, csv_file):
    cwd = tmp_path / "work"
    cwd.mkdir()
    result = run_forecast(["train", *tiny_train_overrides(csv_file), "run_name=../../../x"], cwd)
    assert result.returncode == 2 and "run_name must be letters, digits" in one_error_line(result.stderr)
    result = run_forecast(["train", *tiny_train_overrides(csv_file), "run_name=a/b"], cwd)
    assert result.returncode == 2 and "run_name" in one_error_line(result.stderr)
    assert list(cwd.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["series.csv", "work"]


def test_a_long_run_name_is_shortened_in_the_directory_name(tmp_path, csv_file):
    name = "n" * 300
    result = run_forecast(["train", *tiny_train_overrides(csv_file), "trainer.epochs=1", f"run_name={name}"], tmp_path)
    assert result.returncode == 0, result.stderr
    (run,) = [p.parent for p in tmp_path.glob("outputs/train/*/*/run.json")]
    suffix = run.name.split("_", 1)[1]
    assert len(suffix) == 100 and suffix.startswith("n" * 80) and status(run) == "completed"
    assert f"run_name: {name}" in (run / "config.yaml").read_text()
