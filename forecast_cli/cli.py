"""The `forecast` console script: dispatches `forecast <command> ...` to the command's module
(`commands.COMMANDS`), which exposes a `commands.base.Command`.

Hydra's own flags (-m, --cfg, --info, --help, -sc) pass through untouched. Nothing here imports
TensorFlow; the commands import it only once a run needs it.
"""

import logging
import os
import sys
from typing import List, Optional

from forecast_cli import __version__
from forecast_cli.commands import COMMANDS, load_command
from forecast_cli.errors import USER_ERROR_EXIT_CODE, ForecastError, full_error_requested, path_error, report_user_error

USAGE = f"""usage: forecast <command> [hydra flags] [key=value ...]

A command-line experiment runner for time-series forecasting (TensorFlow/Keras + Hydra).

commands:
{chr(10).join(f"  {name:<10}{text}" for name, (_, text) in COMMANDS.items())}

examples:
  forecast train                                   # default: LSTM on synthetic sine series, offline
  forecast train model=linear window.input_width=48
  forecast train -m model=linear,lstm optimizer.learning_rate=1e-3,1e-2
  forecast train --cfg job                         # print the composed config, run nothing
  forecast evaluate run=outputs/train/<date>/<time>_lstm
  forecast predict run=outputs/train/<date>/<time>_lstm horizon=24   # past the data, real units
  forecast backtest run=outputs/train/<date>/<time>_lstm            # every origin of the test split
  forecast export run=outputs/train/<date>/<time>_lstm name=lstm   # serving/lstm/1/ for TF Serving
  forecast train -m 'experiment=glob(tutorial/*)' data.path=jena_climate_2009_2016_hourly.csv
  forecast compare outputs/train/<date>/<time>_sweep

`forecast <command> --help` lists the config groups and their options.
Shell completion: eval "$(forecast -sc install=bash)"
"""


def main(argv: Optional[List[str]] = None) -> int:
    # a log line that cannot be written (train.log on a full disk) is dropped, not a traceback on stderr
    logging.raiseExceptions = False
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-sc", "--shell-completion"):
        return _shell_completion(args)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    if args[0] in ("-V", "--version"):
        print(f"forecast {__version__}")
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        report_user_error(f"unknown command '{name}': use one of {', '.join(COMMANDS)} (see forecast --help)")
        return USER_ERROR_EXIT_CODE
    try:
        return load_command(name).run(rest)
    except (ForecastError, OSError) as exc:
        user_error = exc if isinstance(exc, ForecastError) else path_error(exc)
        if user_error is None or full_error_requested():
            raise
        report_user_error(str(user_error))
        return USER_ERROR_EXIT_CODE


def _shell_completion(args: List[str]) -> int:
    """Hydra's completion script calls `forecast -sc query=bash` with the whole line in COMP_LINE."""
    if not any(a.startswith("query=") for a in args):
        return load_command("train").complete(args)  # `-sc install=bash`: Hydra's script, for any command
    line = os.environ.get("COMP_LINE", "")
    words, ends_with_space = line.split(), line.endswith(" ")
    if len(words) >= 2 and words[1] in COMMANDS and (len(words) > 2 or ends_with_space):
        os.environ["COMP_LINE"] = " ".join([words[0], *words[2:]]) + (" " if ends_with_space else "")
        return load_command(words[1]).complete(args)
    prefix = words[1] if len(words) == 2 and not ends_with_space else ""
    print(" ".join(name for name in COMMANDS if name.startswith(prefix)))
    return 0


def entry_point() -> None:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (`forecast --help | head`): stop quietly, as other command-line tools do;
        # stdout goes to /dev/null so that the flush at exit cannot raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.exit(code)
