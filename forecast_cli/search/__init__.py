"""Hyperparameter search: the Optuna study behind `hydra/sweeper=optuna` (space, study, sweeper), the
Keras callback that prunes a trial (pruning), and TensorBoard HParams for every job (hparams).

The Hydra plugin itself is hydra_plugins/forecast_optuna/; Optuna is imported only by these modules.
"""


def register_optuna_sweeper() -> None:
    """Make `hydra/sweeper=optuna` known to Hydra however the package is installed: a regular install
    puts hydra_plugins/forecast_optuna where Hydra's plugin scan finds it, but an editable install
    (setuptools >= 64) exposes it through an import hook that the scan cannot list (Hydra issue #3252)."""
    from hydra.core.plugins import Plugins

    from hydra_plugins.forecast_optuna.optuna_sweeper import OptunaSweeper

    Plugins.instance().register(OptunaSweeper)
