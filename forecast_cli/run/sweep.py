"""Multirun bookkeeping: a sweep directory that already holds a sweep is refused before Hydra writes
into it, `summary.csv` at the sweep root is rewritten as every job ends, and the exit status names the
failed jobs."""

import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from hydra.experimental.callback import Callback
from hydra.types import RunMode

from forecast_cli.errors import stop_on_user_error
from forecast_cli.errors import USER_ERROR_EXIT_CODE, ForecastError
from forecast_cli.run.atomic import write_csv_atomic
from forecast_cli.run.layout import COMPLETED, FAILED, RunDir, SweepDir


def job_overrides(run: RunDir) -> str:
    return " ".join(run.overrides())


def summary_rows(sweep: SweepDir) -> List[Dict[str, Any]]:
    rows = []
    for run in sweep.runs():
        record = run.record()
        row: Dict[str, Any] = {
            "job": run.root.name,
            "overrides": job_overrides(run),
            "status": record.get("status"),
            "duration_s": record.get("duration_s"),
            "error": record.get("error") or "",
        }
        if run.metrics_json.is_file():
            row.update(run.metrics())
        rows.append(row)
    return rows


def write_summary(sweep: SweepDir) -> List[Dict[str, Any]]:
    rows = summary_rows(sweep)
    if rows:
        write_csv_atomic(sweep.summary_csv, rows)
    return rows


MULTIRUN_YAML = "multirun.yaml"  # Hydra's basic sweeper writes it first thing, over an earlier one
JOB_DIR = re.compile(r"^(\d+)_")  # hydra.sweep.subdir of conf/train.yaml: <job number>_<run name>


def job_dirs(root: Path, from_number: int = 0) -> List[str]:
    """The job directories in `root` numbered `from_number` or more (where such jobs would be written)."""
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p.name) for p in root.iterdir() if p.is_dir() and (m := JOB_DIR.match(p.name))]
    return [name for number, name in sorted(found) if number >= from_number]


def earlier_sweep(root: Path, continues_studies: bool) -> Optional[str]:
    """What in `root` belongs to an earlier sweep that this one would write over (None: nothing). A
    search that continues its study there (hydra/sweeper=optuna) numbers its jobs after the study's
    trials and checks them itself (search/sweeper.py): only another sweeper's directory is refused."""
    if (root / MULTIRUN_YAML).exists():
        return MULTIRUN_YAML
    jobs = [] if continues_studies else job_dirs(root)
    return jobs[0] if jobs else None


def refuse_earlier_sweep(config) -> None:
    from hydra_plugins.forecast_optuna.optuna_sweeper import SWEEPER_TARGET

    root = Path(str(config.hydra.sweep.dir))
    found = earlier_sweep(root, config.hydra.sweeper.get("_target_") == SWEEPER_TARGET)
    if found is not None:
        raise ForecastError(
            f"hydra.sweep.dir={root} already holds a sweep ({found}): a sweep directory is never reused; "
            "give a new hydra.sweep.dir (or leave it out for a fresh timestamped one)"
        )


class SweepSummaryCallback(Callback):
    """Hydra callback (conf/train.yaml): refuses a sweep directory that holds a sweep, keeps summary.csv
    current and fails the command if a job failed."""

    def on_multirun_start(self, config, **kwargs) -> None:
        stop_on_user_error(refuse_earlier_sweep, config)

    def on_job_end(self, config, job_return, **kwargs) -> None:
        if config.hydra.mode == RunMode.MULTIRUN:
            write_summary(SweepDir(config.hydra.sweep.dir))

    def on_multirun_end(self, config, **kwargs) -> None:
        sweep = SweepDir(config.hydra.sweep.dir)
        rows = write_summary(sweep)
        failed = [row for row in rows if row["status"] != COMPLETED]
        print(f"sweep: {len(rows) - len(failed)} of {len(rows)} jobs completed; summary: {sweep.summary_csv}")
        if failed:
            names = ", ".join(f"{row['job']} ({row['status']}: {row['error']})" for row in failed)
            sys.stderr.write(f"forecast: error: {len(failed)} of {len(rows)} jobs failed: {names}\n")
            all_user_errors = all(
                row["status"] == FAILED and RunDir(sweep.root / row["job"]).record().get("error_kind") == "user"
                for row in failed
            )
            sys.exit(USER_ERROR_EXIT_CODE if all_user_errors else 1)
