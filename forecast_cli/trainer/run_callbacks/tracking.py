"""Callbacks of the tools that follow a run from outside it: the Optuna trial the run is part of
(search/pruning.py) and the experiment logger chosen with `logger=` (forecast_cli/logger/)."""

from typing import Any, List


def tracking_callbacks() -> List[Any]:
    from forecast_cli.logger import epoch_callbacks
    from forecast_cli.search.pruning import pruning_callbacks

    return [*pruning_callbacks(), *epoch_callbacks()]
