"""The exception type for mistakes a user can fix, how the CLI reports them, the range check every
schema uses, the two ways a training can end early without a bug (divergence, a stop signal), and how
our Hydra callbacks stop a command on a user error."""

import errno
import os
import sys
import traceback
from typing import Any, Callable

USER_ERROR_EXIT_CODE = 2


class ForecastError(Exception):
    """A problem the user can fix (bad config, missing file, unknown column...).

    The message must say what is wrong and how to fix it, on one line.
    """


def require(condition: bool, key: str, message: str) -> None:
    """Raise a ForecastError for a config value out of range, naming the key to change."""
    if not condition:
        raise ForecastError(f"{key} {message}")


def report_user_error(message: str) -> None:
    """Print one line on stderr; the traceback only when HYDRA_FULL_ERROR=1."""
    from forecast_cli.report.log_output import printable

    first_line = printable(" ".join(str(message).split()))
    sys.stderr.write(f"forecast: error: {first_line}\n")


# what the file system says when a path cannot be written or read as given: the user can fix each
_PATH_ERRORS = {
    errno.EACCES: "give a path you may write (or read)",
    errno.EPERM: "give a path you may write (or read)",
    errno.EROFS: "the file system is read-only: give an output directory elsewhere",
    errno.ENOSPC: "free some space, or give an output directory on another disk",
    errno.EDQUOT: "free some space, or give an output directory on another disk",
    errno.EISDIR: "a directory is in the way: give a file path",
    errno.ENOTDIR: "a file is in the way: give a directory path",
    errno.EEXIST: "something is in the way: give a new path",
    errno.ENAMETOOLONG: "give a shorter path",
    errno.ENOENT: "a folder on the path does not exist and cannot be made there: give another path",
}


def path_error(exc: BaseException) -> "ForecastError | None":
    """The one-line ForecastError for an OSError a user can fix (permissions, a read-only or full disk, a
    file where a directory belongs); None for any other exception, which stays a bug with its traceback."""
    if not isinstance(exc, OSError) or exc.errno not in _PATH_ERRORS:
        return None
    where = exc.filename or "a file"
    return ForecastError(f"cannot use {where}: {exc.strerror}; {_PATH_ERRORS[exc.errno]}")


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type's name when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def full_error_requested() -> bool:
    return os.environ.get("HYDRA_FULL_ERROR", "") == "1"


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite: not a user input error (exit 1), but no bug either."""


class RunInterrupted(Exception):
    """Training stopped on SIGINT/SIGTERM at a clean point; the process exits 128 + signal number."""

    def __init__(self, signum: int, message: str):
        super().__init__(message)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def stop_on_user_error(step: Callable[[Any], None], config) -> None:
    """`step(config)` for one of our Hydra callbacks. Hydra turns a callback's exception into a warning and goes
    on (a sweep writes over an earlier one, a run trains without the logger it asked for), so a user error
    stops the command here: one line and exit 2, the traceback first only with HYDRA_FULL_ERROR=1.
    SystemExit is the one exception Hydra's callback loop lets through."""
    try:
        step(config)
    except ForecastError as exc:
        if full_error_requested():
            traceback.print_exc()
        report_user_error(str(exc))
        sys.exit(USER_ERROR_EXIT_CODE)
