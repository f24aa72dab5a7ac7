"""Callbacks every training loop gets: per-epoch history on disk and epoch lines in the run log."""

import csv
import io
import logging
import time
from pathlib import Path
from typing import Any, Dict, List

import keras

from forecast_cli.atomic import write_text_atomic

log = logging.getLogger("forecast.train")


def history_csv_text(rows: List[Dict[str, Any]]) -> str:
    columns: List[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def read_history_csv(path: Path) -> List[Dict[str, Any]]:
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [{k: int(v) if k == "epoch" else float(v) for k, v in row.items() if v != ""} for row in rows]


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
        write_text_atomic(self.history_path, history_csv_text(self.rows))
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
