"""The exception type for mistakes a user can fix, how the CLI reports them, the range check every
schema uses, and the two ways a training can end early without a bug (divergence, a stop signal)."""

import os
import sys

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
    from forecast_cli.log_output import printable

    first_line = printable(" ".join(str(message).split()))
    sys.stderr.write(f"forecast: error: {first_line}\n")


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
