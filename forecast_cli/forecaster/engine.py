"""Forecasts of a model from windows of scaled rows, as far ahead as asked: one call gives the plan's
direct steps; beyond them every forecast is appended to the window and fed back (the airline
article's 12-month forecast, the TF2 notes' 100 days of COVID-19 cases)."""

from typing import Callable, Optional

import numpy as np

from forecast_cli.data.series_index import SERIES_INDEX_COLUMN
from forecast_cli.forecaster.plan import ForecastPlan

CHUNK = 4096  # windows per model call: bounded memory whatever the number of origins


def forecast_windows(
    forward: Callable[[np.ndarray], np.ndarray],
    plan: ForecastPlan,
    windows: np.ndarray,
    horizon: int,
    derived_future: Optional[Callable[[int, int], np.ndarray]] = None,
) -> np.ndarray:
    """Scaled forecasts [batch, horizon, n_labels] from `windows` [batch, input_width, columns] (every
    column of the data, scaled, in `plan.spec.columns` order).

    `forward` maps model inputs [batch, input_width, n_features] to outputs [batch, label_width,
    n_outputs]. `derived_future(first, count)` gives the scaled values [batch, count, n_derived] of
    the plan's derived columns for future steps first .. first + count - 1 (0: the row after the
    window); it is needed only when the horizon exceeds the direct steps.
    """
    spec = plan.spec
    plan.check_horizon(horizon)
    steps = plan.direct_steps
    inputs = list(spec.input_indices)
    labels = list(spec.label_indices)
    derived = [spec.columns.index(c) for c in plan.derived_columns if c in spec.columns]
    constant = [spec.columns.index(SERIES_INDEX_COLUMN)] if SERIES_INDEX_COLUMN in spec.columns else []
    window = np.asarray(windows, dtype=np.float32)
    blocks = []
    done = 0
    while done < horizon:
        block = plan.future_block(_forward_in_chunks(forward, window[:, :, inputs]))  # [batch, steps, n_labels]
        blocks.append(block)
        done += steps
        if done >= horizon:
            break
        rows = np.full((len(window), steps, window.shape[2]), np.nan, dtype=np.float32)
        rows[:, :, labels] = block
        if derived:
            rows[:, :, derived] = derived_future(done - steps, steps)
        if constant:  # the window's series does not change as it moves forward
            rows[:, :, constant] = window[:, -1:, constant]
        window = np.concatenate([window, rows], axis=1)[:, -spec.input_width :]
    return np.concatenate(blocks, axis=1)[:, :horizon]


def _forward_in_chunks(forward, inputs: np.ndarray) -> np.ndarray:
    return np.concatenate([np.asarray(forward(inputs[i : i + CHUNK])) for i in range(0, len(inputs), CHUNK)])


def inference_function(model):
    """`model(x, training=False)` as one graph for any batch size: traced once, shared by every split."""
    import tensorflow as tf

    signature = [tf.TensorSpec([None, *model.inputs[0].shape[1:]], model.inputs[0].dtype)]
    return tf.function(lambda x: model(x, training=False), input_signature=signature)
