"""The run's epoch record: history.csv rewritten after every epoch, and one line per epoch in the run log."""

import csv
import io
import logging
import time
from pathlib import Path
from typing import Any, Dict, List

import keras

from forecast_cli.errors import ForecastError
from forecast_cli.run.atomic import write_csv_atomic
from forecast_cli.run.untrusted import read_text

log = logging.getLogger("forecast.train")


def read_history_csv(path: Path) -> List[Dict[str, Any]]:
    """The epochs recorded so far (a resumed run's), read as untrusted data: numbers only."""
    rows = list(csv.DictReader(io.StringIO(read_text(path), newline="")))
    try:
        return [{k: int(v) if k == "epoch" else float(v) for k, v in row.items() if v != ""} for row in rows]
    except (TypeError, ValueError) as exc:
        raise ForecastError(f"{path} holds a value that is not a number ({exc}): it was edited or damaged; start a new run") from exc


class EpochRecorder(keras.callbacks.Callback):
    """Times every epoch, keeps its logs, rewrites history.csv atomically, logs one line per epoch.

    A resumed run starts from the rows already on disk; an epoch trained again replaces its row.
    """

    def __init__(self, history_path: Path):
        super().__init__()
        self.history_path = Path(history_path)
        self.rows: List[Dict[str, Any]] = read_history_csv(self.history_path) if self.history_path.is_file() else []
        self._started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._started
        row: Dict[str, Any] = {"epoch": epoch + 1}
        row.update({k: float(v) for k, v in (logs or {}).items() if _is_number(v)})
        row["learning_rate"] = _current_learning_rate(self.model)
        row["epoch_seconds"] = round(seconds, 4)
        self.rows = [r for r in self.rows if r["epoch"] < row["epoch"]] + [row]
        write_csv_atomic(self.history_path, self.rows)
        shown = ", ".join(f"{k}={v:.6g}" for k, v in row.items() if k not in ("epoch",))
        log.info("epoch %d: %s", epoch + 1, shown)


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _current_learning_rate(model) -> float:
    try:
        return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    except Exception:
        return float("nan")
