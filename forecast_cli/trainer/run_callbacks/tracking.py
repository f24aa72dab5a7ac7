"""Callbacks of the tools that follow a run from outside it: the Optuna trial the run is part of
(search/pruning.py) and the experiment logger chosen with `logger=` (forecast_cli/logger/)."""

from typing import Any, List

from forecast_cli.run.layout import RunDir


def tracking_callbacks(run: RunDir) -> List[Any]:
    from forecast_cli.logger import epoch_callbacks
    from forecast_cli.search.pruning import pruning_callbacks

    return [*pruning_callbacks(run), *epoch_callbacks(run)]
