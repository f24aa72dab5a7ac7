"""The one exception type for mistakes a user can fix, and how the CLI reports them."""

import os
import sys

USER_ERROR_EXIT_CODE = 2


class ForecastError(Exception):
    """A problem the user can fix (bad config, missing file, unknown column...).

    The message must say what is wrong and how to fix it, on one line.
    """


def report_user_error(message: str) -> None:
    """Print one line on stderr; the traceback only when HYDRA_FULL_ERROR=1."""
    first_line = " ".join(str(message).split())
    sys.stderr.write(f"forecast: error: {first_line}\n")


def full_error_requested() -> bool:
    return os.environ.get("HYDRA_FULL_ERROR", "") == "1"
