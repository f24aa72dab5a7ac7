"""The training stage of a run: `session.run_training` takes a composed config to metrics and
artifacts; the loops of the `trainer` group are in `loops/` (one per `conf/trainer/*.yaml`); every
callback a run installs is assembled in `run_callbacks/`."""
