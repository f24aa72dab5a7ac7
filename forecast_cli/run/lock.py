"""One writer per run directory: `forecast train` (and its resume) holds an exclusive flock on the run's
lock file for as long as the process lives; the OS releases it when the process ends, however it ends.

The lock file holds the holder's pid, so a refusal can name a process that is verified to write the run.
"""

import fcntl
import os
from pathlib import Path
from typing import Dict, Optional

from forecast_cli.errors import ForecastError
from forecast_cli.run.layout import RunDir
from forecast_cli.run.untrusted import open_regular

# open descriptors of the locks this process holds: closing one would release its lock
_held: Dict[Path, int] = {}


def lock_holder(run: RunDir) -> Optional[str]:
    """The pid written by the process that holds the run's lock ("unknown" if unreadable); None when no
    other process holds it. Creates and changes nothing."""
    path = _lock_path(run)
    if path in _held:
        return None
    try:
        fd = open_regular(path)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _written_pid(fd)
    finally:
        os.close(fd)
    return None


def acquire_run_lock(run: RunDir) -> None:
    """Hold the run's lock until this process ends (creating the directory if needed); a ForecastError
    naming the holder's pid if another process holds it."""
    path = _lock_path(run)
    if path in _held:
        return
    run.root.mkdir(parents=True, exist_ok=True)
    fd = open_regular(path, os.O_RDWR | os.O_CREAT)  # a planted link or FIFO is refused, never written through
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _written_pid(fd)
        os.close(fd)
        raise in_use(run, holder) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    _held[path] = fd


def release_run_lock(run: RunDir) -> None:
    fd = _held.pop(_lock_path(run), None)
    if fd is not None:
        os.close(fd)


def _lock_path(run: RunDir) -> Path:
    """The lock file in the run's real directory: the file itself is never resolved (it may be a link)."""
    return run.root.resolve() / run.lock_file.name


def in_use(run: RunDir, holder: Optional[str]) -> ForecastError:
    return ForecastError(
        f"{run.root} is in use: forecast process {holder or 'unknown'} holds its lock and writes it; "
        "wait for it to end or stop it (Ctrl-C), or give another hydra.run.dir"
    )


def claim_run_dir(run: RunDir, resume: bool) -> None:
    """Make this process the only writer of `run`: refuse (ForecastError) a directory another process
    writes, or one that already holds a run unless it is resumed; nothing in it is touched before."""
    holder = lock_holder(run)
    if holder is not None:
        raise in_use(run, holder)
    if run.is_run() and not resume:
        raise ForecastError(
            f"{run.root} already holds a run (run.json): a run directory is never reused; give a new "
            f"hydra.run.dir, or continue the run with forecast train resume={run.root}"
        )
    acquire_run_lock(run)


def _written_pid(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 32).decode(errors="replace").strip()
    return text if text.isdigit() else "unknown"
