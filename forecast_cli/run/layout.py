"""The layout of a run directory, a sweep directory and a comparison: the only place that names their
files, and the status lifecycle of a run (running -> completed | failed | interrupted) in run.json.

Train writes through it; evaluate, compare, resume and the sweep summary read through it; predict,
backtest and export write their own directories (PredictDir, BacktestDir, ExportDir).
"""

import hashlib
import os
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from forecast_cli.errors import ForecastError
from forecast_cli.run.atomic import write_json_atomic
from forecast_cli.run.untrusted import check_tree, error_name, load_json, load_yaml_data, load_yaml_plain, not_regular

RUNNING, COMPLETED, FAILED, INTERRUPTED = "running", "completed", "failed", "interrupted"
STOPPED = (FAILED, INTERRUPTED)  # how a command that ended early marks its own output
PLAIN_NAME = re.compile(r"^[\w.\-]+$")
MAX_NAME_IN_DIR = 100


def name_in_dir(name: str) -> str:
    """A run's name as the suffix of its directory name: a long one is cut to a readable prefix plus a
    hash of the whole, so that distinct names stay distinct and the directory name stays legal."""
    if len(name) <= MAX_NAME_IN_DIR:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME_IN_DIR - len(digest) - 1]}-{digest}"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _json_object(path: Path, fix: str, not_an_object: str) -> Dict[str, Any]:
    """A run file holding one JSON object; a ForecastError naming the file, the error and `fix` when it
    cannot be read, `not_an_object` when it holds something else."""
    try:
        data = load_json(path)
    except (OSError, ValueError) as exc:
        raise ForecastError(f"cannot read {path} ({type(exc).__name__}): {fix}") from exc
    if not isinstance(data, dict):
        raise ForecastError(not_an_object)
    return data


class RunDir:
    """One training run: config, status record, metrics, history, model and logs."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    config_yaml = property(lambda self: self.root / "config.yaml")
    hydra_dir = property(lambda self: self.root / ".hydra")
    overrides_yaml = property(lambda self: self.root / ".hydra" / "overrides.yaml")
    run_json = property(lambda self: self.root / "run.json")
    metrics_json = property(lambda self: self.root / "metrics.json")
    history_csv = property(lambda self: self.root / "history.csv")
    history_png = property(lambda self: self.root / "history.png")
    tensorboard_dir = property(lambda self: self.root / "tensorboard")
    model_keras = property(lambda self: self.root / "model.keras")
    saved_model_dir = property(lambda self: self.root / "saved_model")
    # the run's scaler: one scaling for every series (scaler.json), or each series' own (series_scaler.json;
    # runs saved before 0.4 also hold an identity scaler.json beside it)
    scaler_json = property(lambda self: self.root / "scaler.json")
    series_scaler_json = property(lambda self: self.root / "series_scaler.json")

    def scaler_file(self, per_series: bool) -> Path:
        """Where a scaler is saved: series_scaler.json for one scaling per series, else scaler.json."""
        return self.series_scaler_json if per_series else self.scaler_json

    def saved_scaler_file(self) -> Path:
        """The file the run's scaler was saved in (series_scaler.json where there is one)."""
        return self.scaler_file(self.series_scaler_json.is_file())
    # a panel: every series' real-unit metrics on every split (sMAPE, MASE, ...), one row per split and series
    metrics_by_series_csv = property(lambda self: self.root / "metrics_by_series.csv")
    evaluation_by_series_csv = property(lambda self: self.root / "evaluation_by_series.csv")
    evaluation_json = property(lambda self: self.root / "evaluation.json")
    checkpoint_npz = property(lambda self: self.root / "checkpoint.npz")
    forecast_csv = property(lambda self: self.root / "forecast.csv")
    forecast_png = property(lambda self: self.root / "forecast.png")
    lock_file = property(lambda self: self.root / ".lock")  # see run/lock.py

    def is_run(self) -> bool:
        # a planted link named run.json still marks a run: reading it is then refused in one line
        return self.run_json.is_file() or self.run_json.is_symlink()

    def check_files(self) -> None:
        """Refuse (ForecastError) a run holding anything but regular files and directories: a symbolic link
        could lead a reader out of the run or a writer into another file, a FIFO could block it."""
        check_tree(self.root)

    def saved_config(self):
        """config.yaml as data (an OmegaConf node of literal values: a saved `${...}` is never resolved)."""
        return load_yaml_data(self.config_yaml)

    def saved_config_plain(self) -> Any:
        """config.yaml as plain Python data (dicts, lists, literal strings)."""
        return load_yaml_plain(self.config_yaml)

    def run_name(self) -> Optional[str]:
        """The run's `run_name` (its config read as YAML, no code); None when missing or unreadable."""
        try:
            config = self.saved_config_plain()
        except Exception:
            return None
        name = config.get("run_name") if isinstance(config, dict) else None
        return str(name) if name else None

    def overrides(self) -> List[str]:
        """The command-line overrides the run was composed from (.hydra/overrides.yaml); [] if none."""
        if self.hydra_dir.is_symlink():
            raise not_regular(self.hydra_dir, "a symbolic link")
        if not (self.overrides_yaml.is_file() or self.overrides_yaml.is_symlink()):
            return []
        try:
            entries = load_yaml_plain(self.overrides_yaml)
        except ForecastError:
            raise
        except Exception as exc:
            raise ForecastError(f"cannot read {self.overrides_yaml} ({error_name(exc)}): it is not a list of overrides") from exc
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ForecastError(f"cannot read {self.overrides_yaml}: it is not a list of overrides (strings)")
        return entries

    def record(self) -> Dict[str, Any]:
        """run.json; a ForecastError naming the file when it is not a JSON object (truncated, edited)."""
        record = _json_object(
            self.run_json,
            "it is not a run record",
            f"cannot read {self.run_json}: it is not a run record (a JSON object)",
        )
        for key, kinds in RECORD_TYPES.items():
            if record.get(key) is not None and not _is_a(record[key], kinds):
                raise ForecastError(
                    f"{self.run_json}: '{key}' is {type(record[key]).__name__} {record[key]!r:.40}, not "
                    f"{' or '.join(k.__name__ for k in kinds)}: the file was edited or damaged; train the run again"
                )
        return record

    def status(self) -> Optional[str]:
        return self.record().get("status") if self.is_run() else None

    def update_record(self, **fields: Any) -> Dict[str, Any]:
        record = self.record() if self.is_run() else {}
        record.update(fields)
        write_json_atomic(self.run_json, record)
        return record

    def start(self, **fields: Any) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.update_record(status=RUNNING, started_at=utc_now(), ended_at=None, error=None, **fields)

    def resume(self, from_epoch: int, **fields: Any) -> None:
        """Back to `running` for `forecast train resume=`; earlier resumes stay listed."""
        resumes = list(self.record().get("resumes") or [])
        resumes.append({"at": utc_now(), "from_epoch": from_epoch})
        self.update_record(status=RUNNING, ended_at=None, error=None, error_kind=None, resumes=resumes, **fields)

    def stale_temp_files(self) -> List[Path]:
        """Temporary files of atomic writes that a killed process left behind."""
        return sorted(self.root.glob(".*.tmp"))

    def finish(self, status: str, error: Optional[str] = None, **fields: Any) -> None:
        record = self.record() if self.is_run() else {}
        started = record.get("started_at")
        ended = utc_now()
        duration = None
        if started:
            duration = (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds()
        self.update_record(status=status, ended_at=ended, duration_s=duration, error=error, **fields)

    def metrics(self) -> Dict[str, float]:
        """metrics.json: metric names and their numbers (null for one that has none); ForecastError otherwise."""
        metrics = _json_object(
            self.metrics_json,
            "train the run again",
            f"{self.metrics_json} is not a JSON object of metrics: train the run again",
        )
        for name, value in metrics.items():
            if value is not None and not _is_a(value, (int, float)):
                raise ForecastError(
                    f"{self.metrics_json}: '{name}' is {type(value).__name__} {value!r:.40}, not a number: "
                    "the file was edited or damaged; train the run again"
                )
        return metrics

    def write_metrics(self, metrics: Dict[str, float]) -> None:
        write_json_atomic(self.metrics_json, metrics)


# the run.json fields that readers use, and their JSON types (any of them may be null)
RECORD_TYPES = {
    "status": (str,), "task": (str,), "started_at": (str,), "ended_at": (str,), "error": (str,),
    "error_kind": (str,), "duration_s": (int, float), "epochs_completed": (int,), "pid": (int,),
    "overrides": (list,), "resumes": (list,), "data": (dict,), "host": (dict,), "trial": (dict,),
    "source_run": (str,),
}  # fmt: skip


def _is_a(value: Any, kinds: tuple) -> bool:
    """isinstance for JSON values: a bool is no number, a list of overrides holds strings."""
    if isinstance(value, bool) and bool not in kinds:
        return False
    if isinstance(value, list) and not all(isinstance(item, (str, dict)) for item in value):
        return False
    return isinstance(value, kinds)


class SweepDir:
    """A multirun root: one RunDir per job below it, plus the sweep summary."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    summary_csv = property(lambda self: self.root / "summary.csv")
    evaluation_csv = property(lambda self: self.root / "evaluation.csv")

    def runs(self) -> List[RunDir]:
        if not self.root.is_dir():
            return []
        # a job directory that is a link would lead out of the sweep: not a job of it
        runs = [RunDir(p) for p in self.root.iterdir() if p.is_dir() and not p.is_symlink() and RunDir(p).is_run()]
        return sorted(runs, key=lambda r: _job_sort_key(r.root.name))


def check_can_create(directory: Path, key: str) -> None:
    """That `directory` is one or can be made: Hydra makes a command's output directory before its job
    runs, where a file on the way would be a traceback."""
    for place in [directory, *directory.parents]:
        if place.is_dir():
            if not os.access(place, os.W_OK | os.X_OK):
                raise ForecastError(f"cannot create {directory}: {place} is not writable; give another {key}=")
            return
        if place.exists() or place.is_symlink():
            raise ForecastError(f"cannot create {directory}: {place} is a file, not a directory; give another {key}=")


class OutputDir:
    """The directory a command that reads a run writes into. Its run.json, written last, says how the
    command ended: `completed` (older versions wrote no status: completed too), or `failed` /
    `interrupted` with the error, so that files a stopped command left are never taken for a finished
    output; such a directory may be written again."""

    task: str  # the command, as its run.json names it

    def __init__(self, root: Path | str):
        self.root = Path(root)

    run_json = property(lambda self: self.root / "run.json")

    def is_finished(self) -> bool:
        """Whether run.json is there and says neither failed nor interrupted (an unreadable one, or a
        link, counts as finished: it is never written through nor over)."""
        if self.run_json.is_symlink():
            return True
        if not self.run_json.exists():
            return False
        try:
            record = load_json(self.run_json)
        except (OSError, ValueError, ForecastError):
            return True
        return not (isinstance(record, dict) and record.get("status") in STOPPED)

    def mark_stopped(self, status: str, error: str) -> None:
        """run.json saying the command stopped (`failed` or `interrupted`) and why, unless a finished
        output is there; a directory that cannot be written (often the error itself) is left as it is."""
        if self.is_finished() or not self.root.is_dir() or self.root.is_symlink():
            return
        try:
            write_json_atomic(self.run_json, {"task": self.task, "status": status, "ended_at": utc_now(), "error": error})
        except OSError:
            pass


class PredictDir(OutputDir):
    """What `forecast predict` writes: outputs/predict/<date>/<time>_<run name>/, or `output=DIR`."""

    task = "predict"

    predictions_csv = property(lambda self: self.root / "predictions.csv")
    predictions_png = property(lambda self: self.root / "predictions.png")


class BacktestDir(OutputDir):
    """What `forecast backtest` writes: outputs/backtest/<date>/<time>_<run name>/, or `output=DIR`."""

    task = "backtest"

    backtest_csv = property(lambda self: self.root / "backtest.csv")
    metrics_json = property(lambda self: self.root / "metrics.json")
    metrics_by_series_csv = property(lambda self: self.root / "metrics_by_series.csv")  # a panel's, per series
    error_by_step_png = property(lambda self: self.root / "error_by_step.png")
    forecasts_png = property(lambda self: self.root / "forecasts.png")


class ComparisonDir:
    """Where `forecast compare` writes: the sweep directory, or the directory given with --output."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    comparison_csv = property(lambda self: self.root / "comparison.csv")
    comparison_png = property(lambda self: self.root / "comparison.png")


class ExportDir:
    """Where `forecast export dir=D name=N` writes: TF Serving's model directory D/N/ with one
    directory per integer version V (saved_model.pb, variables/). D/N/V/assets.extra/ (the SavedModel
    place for files the graph does not load, ignored by TF Serving) holds a REST request built from
    the run's last input window and the answer version V gives to it."""

    def __init__(self, root: Path | str, name: str):
        self.root = Path(root)
        self.name = name

    model_dir = property(lambda self: self.root / self.name)

    def version_dir(self, version: int) -> Path:
        return self.model_dir / str(version)

    def example_request_json(self, version_dir: Path) -> Path:
        return version_dir / "assets.extra" / "example_request.json"

    def expected_response_json(self, version_dir: Path) -> Path:
        return version_dir / "assets.extra" / "expected_response.json"

    def versions(self) -> List[int]:
        """The versions TF Serving would see: subdirectories whose name is an integer."""
        if not self.model_dir.is_dir():
            return []
        return sorted(int(p.name) for p in self.model_dir.iterdir() if p.is_dir() and p.name.isdigit())

    def next_version(self) -> int:
        return max(self.versions(), default=0) + 1

    def staging_dir(self, version: int) -> Path:
        """A new empty directory beside the version's, with a name TF Serving ignores (not an integer):
        the version is built there and renamed into place once complete."""
        staging = self.model_dir / f".{version}.{uuid.uuid4().hex[:12]}.tmp"
        staging.mkdir(parents=True)
        return staging


def find_runs(paths: Sequence[Path | str]) -> List[RunDir]:
    """Every run named: a run directory is itself, a sweep directory is each of its jobs."""
    runs: List[RunDir] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise ForecastError(f"run directory not found: {path} (give a run or sweep directory under outputs/train)")
        found = [RunDir(path)] if RunDir(path).is_run() else SweepDir(path).runs()
        if not found:
            raise ForecastError(f"{path} is not a run or sweep directory (no run.json in it or in its subdirectories)")
        runs.extend(found)
    return runs


def runs_below(root: Path | str) -> List[RunDir]:
    """Every training run at or below `root` (runs, sweep jobs, folders of either), in path order: a
    directory holding run.json is a run and is not searched further; predictions and backtests (their
    run.json names a source_run) and hidden directories are skipped. Reads directory listings only."""
    found: List[RunDir] = []
    pending = [Path(root)]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        names = {entry.name for entry in entries}
        if "run.json" in names:
            found.append(RunDir(folder))
            continue
        subfolders = [e for e in entries if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)]
        pending.extend(Path(e.path) for e in sorted(subfolders, key=lambda e: _job_sort_key(e.name), reverse=True))
    return [run for run in found if _is_training(run)]


def _is_training(run: RunDir) -> bool:
    try:
        record = run.record()
    except ForecastError:
        return True  # a damaged run record is still a run: its readers say what is wrong
    return record.get("task", "train") == "train" and "source_run" not in record


def _job_sort_key(name: str):
    head = name.split("_", 1)[0]
    return (0, int(head), name) if head.isdigit() else (1, 0, name)
