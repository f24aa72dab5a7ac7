"""Multirun bookkeeping: `summary.csv` at the sweep root, rewritten as every job ends, and an exit
status that names the failed jobs."""

import sys
from typing import Any, Dict, List

from hydra.experimental.callback import Callback
from hydra.types import RunMode

from forecast_cli.errors import USER_ERROR_EXIT_CODE
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


class SweepSummaryCallback(Callback):
    """Hydra callback (conf/train.yaml): keeps summary.csv current and fails the command if a job failed."""

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
