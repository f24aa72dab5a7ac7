"""The data stage of a run: loaders (`loaders/`, one per `conf/data` option) returning series
(`series.py`) with their timestamps (`timestamps.py`: frequency, future dates), the chronological
splits (`split.py`), the one scaler fit on the training split, one group for every series
or one per series (`scaling.py`), the `window` group
(`window.py`), the prepared splits (`prepare.py`), their tf.data pipelines (`pipeline.py`), and the
way back to real units (`real_units.py`)."""
