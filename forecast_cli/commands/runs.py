"""`forecast runs [DIR]`: one table of every training run and sweep job under outputs/ (or DIR), newest
first: start time, name, status, duration, epochs, overrides and the validation and test metrics.

It reads each run's run.json and metrics.json only (no TensorFlow, no config composed), so a thousand
runs list in about a second. A run that says `running` while no process holds its lock was killed.
"""

import os
import platform
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional

from forecast_cli.commands.base import ArgumentParser, PlainCommand
from forecast_cli.errors import ForecastError
from forecast_cli.run.layout import RUNNING, RunDir, runs_below
from forecast_cli.run.untrusted import read_bytes

KILLED, PRUNED = "killed", "pruned"
SHOWN_METRICS = ("val/loss", "val/mae", "test/loss", "test/mae")
COLUMNS = ("started", "name", "status", "duration", "epochs", "overrides")

PARSER = ArgumentParser(
    prog="forecast runs", description="List every training run and sweep job under a directory, newest first."
)
PARSER.add_argument("directory", nargs="?", default="outputs", help="where to look (default: outputs)")
PARSER.add_argument("--status", help="only runs of this status: completed, failed, interrupted, running, killed, pruned")
PARSER.add_argument(
    "--sort", default="-started",
    help="a column (started, name, status, duration, epochs) or a metric (val/loss, test/mae, ...); "
    "ascending; --sort=-KEY for descending (default -started: newest first)",
)
PARSER.add_argument("--last", type=int, help="only the N most recently started runs (after --status)")
PARSER.add_argument("--csv", help="also write every row, with all metrics and the directory, to this CSV file")


def run_row(run: RunDir, root: Path) -> Optional[Dict[str, Any]]:
    """One run's row; None when its run.json cannot be read (a half-written or foreign file)."""
    try:
        record = run.record()
    except ForecastError:
        return None
    metrics: Dict[str, Any] = {}
    if run.metrics_json.is_file():
        try:
            metrics = run.metrics()
        except ForecastError:
            metrics = {}
    return {
        "started": record.get("started_at") or "",
        "name": run_name_of(run),
        "status": status_of(run, record),
        "duration": record.get("duration_s"),
        "epochs": epochs_of(run, record),
        "overrides": " ".join(record.get("overrides") or _saved_overrides(run)),
        "directory": os.path.relpath(run.root, root) if run.root != root else ".",
        **metrics,
    }


def _saved_overrides(run: RunDir) -> List[str]:
    try:
        return run.overrides()
    except ForecastError:
        return ["(unreadable .hydra/overrides.yaml)"]


def run_name_of(run: RunDir) -> str:
    """The run_name ending the directory's name: <time>_<name> for a run, <job number>_<name> for a job."""
    return run.root.name.split("_", 1)[1] if "_" in run.root.name else run.root.name


def status_of(run: RunDir, record: Dict[str, Any]) -> str:
    status = str(record.get("status") or "unknown")
    if status == RUNNING and not _still_running(run, record):
        return KILLED
    if (record.get("trial") or {}).get("state") == PRUNED:
        return PRUNED
    return status


def _still_running(run: RunDir, record: Dict[str, Any]) -> bool:
    from forecast_cli.run.lock import lock_holder

    if run.lock_file.exists() or run.lock_file.is_symlink():
        try:
            return lock_holder(run) is not None
        except ForecastError:  # a planted link or FIFO: no forecast process locks a run through it
            return False
    pid = record.get("pid")  # a run from before run locks: its process, if on this host
    if not pid or (record.get("host") or {}).get("hostname") != platform.node():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OverflowError):
        return True
    return True


def epochs_of(run: RunDir, record: Dict[str, Any]) -> Optional[int]:
    if record.get("epochs_completed") is not None:
        return int(record["epochs_completed"])
    if run.history_csv.is_file():  # still running or killed: the epochs recorded so far
        try:
            return max(read_bytes(run.history_csv).count(b"\n") - 1, 0)
        except (ForecastError, OSError):
            return None
    return None


def list_runs(directory: str, status: Optional[str], sort: str, last: Optional[int]) -> List[Dict[str, Any]]:
    root = Path(directory)
    if not root.is_dir():
        raise ForecastError(f"{root} is not a directory: give the folder the runs are in (default outputs)")
    rows = [row for row in (run_row(run, root) for run in runs_below(root)) if row is not None]
    if status is not None:
        rows = [row for row in rows if row["status"] == status]
    rows.sort(key=lambda row: row["started"], reverse=True)
    if last is not None:
        if last < 1:
            raise ForecastError(f"--last must be at least 1, got {last}")
        rows = rows[:last]
    return sort_rows(rows, sort)


def sort_rows(rows: List[Dict[str, Any]], sort: str) -> List[Dict[str, Any]]:
    key, descending = sort.lstrip("-"), sort.startswith("-")
    known = set(COLUMNS) | {k for row in rows for k in row}
    if key not in known and "/" not in key:
        raise ForecastError(f"--sort {sort}: not a column ({', '.join(COLUMNS[:5])}) nor a metric such as val/loss")
    present = [row for row in rows if row.get(key) is not None]
    missing = [row for row in rows if row.get(key) is None]  # last, whichever the direction
    present.sort(key=lambda row: row[key], reverse=descending)
    return present + missing


def print_runs(rows: List[Dict[str, Any]], directory: str, sort: str) -> None:
    import sys

    from rich.console import Console
    from rich.table import Table

    from forecast_cli.commands.report import plain

    metrics = [m for m in SHOWN_METRICS if any(m in row for row in rows)]
    extra = sort.lstrip("-")
    if "/" in extra and extra not in metrics:
        metrics.append(extra)
    table = Table(title=plain(f"{len(rows)} runs under {directory}"))
    for name in ("started", "run", "status", "duration", "epochs", "overrides", *metrics):
        table.add_column(plain(name), justify="right" if name in ("duration", "epochs", *metrics) else "left")
    for row in rows:
        cells = (
            _local_time(row["started"]),
            row["directory"],
            row["status"],
            _duration(row["duration"]),
            "" if row["epochs"] is None else str(row["epochs"]),
            row["overrides"],
            *(_metric(row.get(m)) for m in metrics),
        )
        table.add_row(*(plain(cell) for cell in cells))
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def _local_time(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return stamp


def _duration(seconds: Any) -> str:
    if seconds is None:
        return ""
    seconds = int(round(float(seconds)))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _metric(value: Any) -> str:
    return f"{value:.6f}" if isinstance(value, (int, float)) else ""


def write_csv(rows: List[Dict[str, Any]], path: str) -> None:
    from forecast_cli.run.atomic import write_csv_atomic

    if rows:
        write_csv_atomic(Path(path), rows)
    else:
        Path(path).write_text(",".join(("started", "name", "status", "duration", "epochs", "overrides", "directory")) + "\n")


class RunsCommand(PlainCommand):
    def run(self, args: List[str]) -> int:
        options = PARSER.parse_args(args)
        rows = list_runs(options.directory, options.status, options.sort, options.last)
        print_runs(rows, options.directory, options.sort)
        if options.csv:
            write_csv(rows, options.csv)
            print(f"written: {options.csv}")
        return 0


COMMAND = RunsCommand()
