"""The subcommands of `forecast`: one module each, exposing `COMMAND` (a `base.Command`).

Adding a subcommand = its module here and one line in COMMANDS (plus `conf/<name>.yaml` when it is a
Hydra app). The summaries stay here so that `forecast --help` imports no command module.
"""

import importlib

COMMANDS = {
    "train": ("forecast_cli.commands.train", "train a model: forecast train model=lstm data=csv data.path=FILE ..."),
    "evaluate": ("forecast_cli.commands.evaluate", "recompute a saved run's metrics: forecast evaluate run=DIR [split=val]"),
    "predict": ("forecast_cli.commands.predict", "forecast past the data, in real units: forecast predict run=DIR [horizon=N]"),
    "backtest": ("forecast_cli.commands.backtest", "historical forecasts from every origin of a split: forecast backtest run=DIR"),
    "export": ("forecast_cli.commands.export", "a run's model for TF Serving, in real units: forecast export run=DIR name=N"),
    "compare": ("forecast_cli.commands.compare", "table, bar chart and CSV of runs: forecast compare SWEEP_DIR | RUN_DIR..."),
    "runs": ("forecast_cli.commands.runs", "every run under outputs/, newest first: forecast runs [DIR] [--sort val/loss]"),
}


def load_command(name: str):
    """The `COMMAND` of a subcommand's module (imported only when that subcommand runs)."""
    return importlib.import_module(COMMANDS[name][0]).COMMAND
