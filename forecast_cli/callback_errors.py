"""A user error inside one of our Hydra callbacks. Hydra turns a callback's exception into a warning
and goes on (a sweep writes over an earlier one, a run trains without the logger it asked for), so
these callbacks stop the command themselves: one line and exit 2, the traceback first only with
HYDRA_FULL_ERROR=1. SystemExit is the one exception Hydra's callback loop lets through."""

import sys
import traceback
from typing import Any, Callable

from forecast_cli.errors import USER_ERROR_EXIT_CODE, ForecastError, full_error_requested, report_user_error


def stop_on_user_error(step: Callable[[Any], None], config) -> None:
    try:
        step(config)
    except ForecastError as exc:
        if full_error_requested():
            traceback.print_exc()
        report_user_error(str(exc))
        sys.exit(USER_ERROR_EXIT_CODE)
