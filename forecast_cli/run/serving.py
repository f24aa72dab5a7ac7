"""The SavedModel a run serves, in real units: the run's scaler is part of the graph.

Signature `serving_default`: `inputs` float32 [batch, input_width, n_features] (the window's input
columns, raw) -> `forecast` float32 [batch, label_width, n_outputs] (raw), where output j holds label
column `label_columns[j % n_labels]` (step 1 ahead of every label column, then step 2 ahead, ...).
A run that scales every series by its own statistics (series_scaler.json) takes a second input,
`series` int32 [batch]: the row of each window's series in that file (one signature: the `series`
input exists only where there is more than one scaling group). A model with a learned series
embedding gets that row as its last input channel from the graph: `inputs` are the data's columns only.
"""

from typing import List, Tuple

import numpy as np

from forecast_cli.data.scaling import Scaler
from forecast_cli.data.series_index import SERIES_INDEX_COLUMN, has_series_index
from forecast_cli.data.window import WindowSpec

SIGNATURE = "serving_default"
INPUT_NAME = "inputs"
OUTPUT_NAME = "forecast"


def output_columns(spec: WindowSpec) -> List[str]:
    """The label column of every output index of the model's last axis."""
    return [spec.label_columns[j % spec.n_labels] for j in range(spec.n_outputs)]


def float32_pair(values: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """float64 values as float32 high + low parts. Subtracting both keeps an offset's low digits that
    float32 alone would lose (an input near 1e6 would be off by ~0.03 before scaling)."""
    high = values.astype(np.float32)
    return high, (values - high).astype(np.float32)


SERIES_INPUT_NAME = "series"


def raw_unit_forecast(model, scaler: Scaler, spec: WindowSpec):
    """fn(raw inputs[, series]) -> {"forecast": raw outputs}: scale, run the model, invert the scaler, in
    float32. With a per-series scaler, `series` [batch] int32 is each window's row in its `ids` order."""
    import tensorflow as tf

    embedded = has_series_index(spec)
    inputs_at = [scaler.columns.index(c) for c in spec.input_columns if c != SERIES_INDEX_COLUMN]
    outputs_at = [scaler.columns.index(c) for c in output_columns(spec)]
    offset, scale = scaler.rows()
    input_high, input_low = float32_pair(offset[:, inputs_at])  # [groups, n_features]
    input_scale = scale[:, inputs_at].astype(np.float32)
    output_high, output_low = float32_pair(offset[:, outputs_at])  # [groups, n_outputs]
    output_scale = scale[:, outputs_at].astype(np.float32)

    def run(inputs, of, series=None):
        scaled = (inputs - of(input_high) - of(input_low)) / of(input_scale)
        if embedded:  # the series' row as the last channel, at every step (data/series_index.py)
            index = tf.cast(series, tf.float32)[:, None, None] + tf.zeros_like(scaled[:, :, :1])
            scaled = tf.concat([scaled, index], axis=2)
        # a mixed-precision model answers in float16/bfloat16
        outputs = tf.cast(model(scaled, training=False), tf.float32)
        return {OUTPUT_NAME: outputs * of(output_scale) + of(output_low) + of(output_high)}

    if not scaler.per_series:
        return lambda inputs: run(inputs, lambda table: table[0])

    def forecast(inputs, series):
        def of(table):  # [batch, 1, columns]: each window's own series' row
            return tf.gather(tf.constant(table), series)[:, None, :]

        return run(inputs, of, series)

    return forecast


def serving_archive(model, scaler: Scaler, spec: WindowSpec):
    """A keras.export.ExportArchive whose `serving_default` takes raw `inputs` and, where the run scales each
    series by its own statistics, each window's `series`."""
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(model)
    features = spec.n_features - (1 if has_series_index(spec) else 0)
    signature = [tf.TensorSpec([None, spec.input_width, features], tf.float32, name=INPUT_NAME)]
    if scaler.per_series:
        signature.append(tf.TensorSpec([None], tf.int32, name=SERIES_INPUT_NAME))
    archive.add_endpoint(SIGNATURE, raw_unit_forecast(model, scaler, spec), input_signature=signature)
    return archive
