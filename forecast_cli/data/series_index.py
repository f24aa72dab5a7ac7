"""Which series a window belongs to, as one more input column: the series' row in the run's
series_scaler.json, a constant along each series. A model with a learned series embedding
(`model.series_embedding`) reads it from the last input channel; every path that builds input windows
(the training pipeline, evaluate, backtest, predict, the SavedModel) carries it through unchanged,
because it is a column of the scaled values like any other, only never scaled and never forecast."""

import dataclasses
from typing import TYPE_CHECKING, Sequence

from forecast_cli.data.window import WindowSpec
from forecast_cli.errors import ForecastError

if TYPE_CHECKING:
    import numpy as np

SERIES_INDEX_COLUMN = "series_index"
SERIES_INDEX_NEEDS = (
    "model.series_embedding learns one vector per series of a panel: it needs data=panel or data=tsf with "
    "data.per_series=true (the vectors are looked up by the series' row in series_scaler.json)"
)


def uses_series_embedding(cfg) -> bool:
    """Whether a run's (or a saved run's) config asks for a series embedding: its data then carries the index."""
    return bool(getattr(cfg.model, "series_embedding", None))


def with_series_index(spec: WindowSpec) -> WindowSpec:
    """The spec with the index as the last data column and the last input column."""
    if SERIES_INDEX_COLUMN in spec.columns:
        raise ForecastError(
            f"the data has a column named '{SERIES_INDEX_COLUMN}', the name model.series_embedding gives each "
            "window's series: rename that column"
        )
    return dataclasses.replace(
        spec,
        columns=tuple(spec.columns) + (SERIES_INDEX_COLUMN,),
        input_columns=tuple(spec.input_columns) + (SERIES_INDEX_COLUMN,),
    )


def has_series_index(spec: WindowSpec) -> bool:
    return SERIES_INDEX_COLUMN in spec.input_columns


def data_input_indices(spec: WindowSpec) -> list:
    """The input columns' positions among the data's own columns (the index, which no file has, left out)."""
    return [spec.columns.index(c) for c in spec.input_columns if c != SERIES_INDEX_COLUMN]


def append_series_index(values: "np.ndarray", lengths: Sequence[int], positions: Sequence[int]) -> "np.ndarray":
    """Scaled rows [rows, columns] of consecutive series (`lengths` rows each) with one more column: the
    position of each row's series (float32 holds every integer below 2**24 exactly)."""
    import numpy as np

    column = np.repeat(np.asarray(positions, dtype=np.float32), np.asarray(lengths, dtype=np.int64))
    return np.concatenate([values, column[:, None]], axis=1).astype(np.float32)


def append_window_index(windows: "np.ndarray", positions: Sequence[int]) -> "np.ndarray":
    """Windows [n, time, columns] of the series at `positions` [n] with the index column appended."""
    import numpy as np

    windows = np.asarray(windows, dtype=np.float32)
    column = np.broadcast_to(np.asarray(positions, dtype=np.float32)[:, None, None], (len(windows), windows.shape[1], 1))
    return np.concatenate([windows, column], axis=2)
