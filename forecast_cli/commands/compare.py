"""`forecast compare <sweep dir | run dirs...>`: one row per run (validation and test metrics), as a
rich table, a CSV and the tutorial's bar chart of validation vs test metric per run (PNG). A run is
named by its run_name and the overrides that set it apart from the other runs compared.

A plain command, not a Hydra app: it reads finished runs and composes no config.
"""

from pathlib import Path
from typing import Any, Dict, List

from forecast_cli.commands.base import ArgumentParser, PlainCommand
from forecast_cli.commands.rewrite import override_key
from forecast_cli.errors import ForecastError
from forecast_cli.evaluation.names import METRICS, SPLIT_METRICS
from forecast_cli.report.published import published_figure
from forecast_cli.run.layout import COMPLETED, ComparisonDir, RunDir, SweepDir, runs_below
from forecast_cli.run.sweep import job_overrides

CHART_METRICS = METRICS + tuple(m for m in SPLIT_METRICS if m not in ("series", "mase_undefined_series"))

PARSER = ArgumentParser(
    prog="forecast compare", description="Compare the metrics of runs: a table, comparison.csv and comparison.png."
)
PARSER.add_argument("paths", nargs="*", help="run directories, or folders of runs (a sweep, a date folder, outputs/)")
PARSER.add_argument("--metric", default="mae", help=f"the metric of the chart: {', '.join(CHART_METRICS)} (default mae)")
PARSER.add_argument("--output", default=None, help="where to write the CSV and PNG (default: the sweep directory, else .)")


def run_labels(runs: List[RunDir]) -> List[str]:
    """run_name, plus the overrides not shared by every run compared: jobs of one model told apart."""
    # resume=DIR names the run's own directory, not a setting
    overrides = [[o for o in run.overrides() if override_key(o) != "resume"] for run in runs]
    shared = set.intersection(*(set(o) for o in overrides)) if overrides else set()
    labels = []
    for run, own in zip(runs, overrides):
        distinct = [o for o in own if o not in shared]
        name = run.run_name() or run.root.name
        labels.append(f"{name} ({' '.join(distinct)})" if distinct else name)
    return labels


def comparison_rows(runs: List[RunDir]) -> List[Dict[str, Any]]:
    rows = []
    for run, label in zip(runs, run_labels(runs)):
        record = run.record()
        row: Dict[str, Any] = {
            "run": label,
            "overrides": job_overrides(run),
            "directory": str(run.root),
            "status": record.get("status"),
        }
        if run.metrics_json.is_file():
            row.update(run.metrics())
        row.update(published_columns(run, row))
        rows.append(row)
    return rows


def published_columns(run: RunDir, row: Dict[str, Any]) -> Dict[str, Any]:
    """The paper's test figure of every test metric the run's experiment publishes, and ours relative to
    it in percent (negative: we beat it)."""
    columns: Dict[str, Any] = {}
    for metric in [k for k in row if k.startswith("test/")]:
        figure = published_figure(run, metric)
        if figure is None:
            continue
        columns[f"published/{metric}"] = figure
        if figure > 0 and isinstance(row[metric], (int, float)):
            columns[f"vs_published/{metric}"] = f"{100 * (row[metric] / figure - 1):+.1f}%"
    return columns


def find_compared_runs(paths: List[str]) -> List[RunDir]:
    """A run directory is itself; any other directory is every run below it (`forecast runs` finds the same)."""
    if not paths:
        raise ForecastError(
            "forecast compare needs the runs to compare: forecast compare SWEEP_DIR, or RUN_DIR RUN_DIR ..., "
            "or a folder of runs (forecast runs lists them)"
        )
    runs: List[RunDir] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise ForecastError(f"run directory not found: {path} (give a run or sweep directory under outputs/train)")
        found = [RunDir(path)] if RunDir(path).is_run() else runs_below(path) if path.is_dir() else []
        if not found:
            raise ForecastError(f"{path} is not a run or sweep directory (no run.json in it or below it)")
        runs.extend(found)
    return runs


def is_sweep(path: str) -> bool:
    """A sweep directory: its runs are its own subdirectories, named <job number>_<run name> (a date
    folder's are named <time>_<run name>, and it may hold sweeps)."""
    folder = Path(path)
    jobs = SweepDir(folder).runs() if folder.is_dir() and not RunDir(folder).is_run() else []
    return bool(jobs) and all(run.root.name.split("_", 1)[0].isdigit() for run in jobs) and len(jobs) == len(runs_below(folder))


def compare(paths: List[str], metric: str, output: str | None) -> ComparisonDir:
    if metric not in CHART_METRICS:
        raise ForecastError(f"--metric {metric} is not a metric: choose one of {', '.join(CHART_METRICS)}")
    runs = find_compared_runs(paths)
    rows = comparison_rows(runs)
    # a run trained on every row has no test split: its validation figure still compares
    completed = [row for row in rows if row["status"] == COMPLETED and (f"test/{metric}" in row or f"val/{metric}" in row)]
    if not completed:
        raise ForecastError(f"no completed run with a val/ or test/{metric} metric among {len(rows)} runs: train them first")
    if output is not None:
        target = ComparisonDir(output)
    elif len(paths) == 1 and is_sweep(paths[0]):
        target = ComparisonDir(paths[0])
    else:
        target = ComparisonDir(Path.cwd())
    target.root.mkdir(parents=True, exist_ok=True)

    from forecast_cli.commands.report import metrics_table, print_table
    from forecast_cli.report.plots import plot_comparison
    from forecast_cli.run.atomic import write_csv_atomic

    write_csv_atomic(target.comparison_csv, rows)
    plot_comparison(completed, metric, target.comparison_png)
    shown = [{"run": r["run"], "status": r["status"], **{f"{s}_{metric}": r.get(f"{s}/{metric}") for s in ("val", "test")}} for r in rows]
    if any(f"published/test/{metric}" in row for row in rows):
        for row, line in zip(rows, shown):
            line[f"published_test_{metric}"] = row.get(f"published/test/{metric}")
            line["vs_published"] = row.get(f"vs_published/test/{metric}")
    print_table(metrics_table(f"compare ({metric})", shown, ["run"]))
    print(f"written: {target.comparison_csv} and {target.comparison_png}")
    return target


class CompareCommand(PlainCommand):
    def run(self, args: List[str]) -> int:
        options = PARSER.parse_args(args)
        compare(options.paths, options.metric, options.output)
        return 0


COMMAND = CompareCommand()
