"""The run directory: its layout (the only module that names its files), atomic writes, provenance,
the status lifecycle, the per-epoch checkpoint, resume checks, signal handling, saving and loading
models, and restoring a saved run (config + scaler + model) for every command that reads one.

A saved run is input: evaluate, predict, backtest and export read its files as data (the model with
safe_mode, JSON, YAML, arrays) and download nothing. Resume recomposes the run's own overrides, and
so instantiates the `_target_`s they name (issue #13 restricts them).
"""
