"""The run directory: its layout (the only module that names its files), atomic writes, provenance,
the status lifecycle, the per-epoch checkpoint, resume checks, signal handling, saving and loading
models, and restoring a saved run (config + scaler + model) for every command that reads one.

A saved run is input: reading one (evaluate, resume) never executes code from it.
"""
