"""Atomic file writes: a crash never leaves a truncated file behind."""

import csv
import errno
import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List


def write_atomic(path: Path, write: Callable[[Any], None], mode: str = "w") -> None:
    """Call write(file) on a temporary file beside `path`, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        with os.fdopen(fd, mode) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, lambda f: f.write(text))


def write_json_atomic(path: Path, payload: Any) -> None:
    """JSON as RFC 8259 defines it: a NaN or infinity is a ValueError (a bug: results are checked finite
    before they are written, and undefined figures go through `undefined_as_null`)."""
    write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=False, default=str, allow_nan=False) + "\n")


def undefined_as_null(payload: Any) -> Any:
    """`payload` with every NaN float as None (JSON null): for figures undefined by their definition (the
    MASE of a series whose in-sample naive error is 0), once the values they come from are checked finite."""
    if isinstance(payload, dict):
        return {key: undefined_as_null(value) for key, value in payload.items()}
    if isinstance(payload, (list, tuple)):
        return [undefined_as_null(value) for value in payload]
    if isinstance(payload, float) and math.isnan(payload):
        return None
    return payload


def rows_to_csv(rows: List[Dict[str, Any]]) -> str:
    """CSV text with one column per key seen in any row, in the order first seen; every text cell and
    header formula-safe (`formula_safe`)."""
    columns: List[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([formula_safe(c) for c in columns])
    writer.writerows([formula_safe(row.get(c, "")) for c in columns] for row in rows)
    return buffer.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a string starting with = + - @ tab or CR (a series id, a
    column name) gets a leading apostrophe, as OWASP's CSV-injection advice says; numbers, and text that
    is a number (-1.5, -10.0%), are kept."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    try:
        float(value.removesuffix("%"))
        return value
    except ValueError:
        return "'" + value


def formula_safe_frame(frame):
    """A pandas DataFrame with formula_safe text cells and column names, for DataFrame.to_csv."""
    safe = frame.rename(columns=formula_safe)
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype).startswith(("string", "str", "category")):
            safe[column] = safe[column].astype(object).map(formula_safe)
    return safe


def write_frame_csv_atomic(path: Path, frame) -> None:
    """A DataFrame as CSV (formula-safe, floats to 7 significant digits, as float32 holds them)."""
    write_atomic(path, lambda handle: formula_safe_frame(frame).to_csv(handle, index=False, float_format="%.7g"))


def write_csv_atomic(path: Path, rows: List[Dict[str, Any]]) -> None:
    write_text_atomic(path, rows_to_csv(rows))


def read_json(path: Path) -> Any:
    with open(path) as handle:
        return json.load(handle)


def out_of_space(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it: TensorFlow and Keras wrap OS errors) is a full disk or quota."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "No space left on device" in str(exc) or "Disk quota exceeded" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def no_space_error(run, exc: BaseException):
    """The one-line message for a run that filled its disk."""
    from forecast_cli.errors import ForecastError

    where = getattr(exc, "filename", None) or run.root
    return ForecastError(
        f"no space left on the device while writing {where}: free some space, then continue with "
        f"`forecast train resume={run.root}`"
    )


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
