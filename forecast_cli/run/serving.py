"""The SavedModel a run serves, in real units: the run's scaler is part of the graph.

Signature `serving_default`: `inputs` float32 [batch, input_width, n_features] (the window's input
columns, raw) -> `forecast` float32 [batch, label_width, n_outputs] (raw), where output j holds label
column `label_columns[j % n_labels]` (step 1 ahead of every label column, then step 2 ahead, ...).
A run that scales every series by its own statistics (series_scaler.json) takes a second input,
`series` int32 [batch]: the row of each window's series in that file. A model with a learned series
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


def raw_unit_forecast(model, scaler: Scaler, spec: WindowSpec):
    """fn(raw inputs) -> {"forecast": raw outputs}: scale, run the model, invert the scaler, in float32."""
    import tensorflow as tf

    inputs_at = [scaler.columns.index(c) for c in spec.input_columns]
    outputs_at = [scaler.columns.index(c) for c in output_columns(spec)]
    input_high, input_low = float32_pair(scaler.offset[inputs_at])
    input_scale = scaler.scale[inputs_at].astype(np.float32)
    output_high, output_low = float32_pair(scaler.offset[outputs_at])
    output_scale = scaler.scale[outputs_at].astype(np.float32)

    def forecast(inputs):
        scaled = (inputs - input_high - input_low) / input_scale
        # a mixed-precision model answers in float16/bfloat16
        outputs = tf.cast(model(scaled, training=False), tf.float32)
        return {OUTPUT_NAME: outputs * output_scale + output_low + output_high}

    return forecast


def raw_unit_archive(model, scaler: Scaler, spec: WindowSpec):
    """A keras.export.ExportArchive whose `serving_default` endpoint is `raw_unit_forecast`."""
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(model)
    signature = [tf.TensorSpec([None, spec.input_width, spec.n_features], tf.float32, name=INPUT_NAME)]
    archive.add_endpoint(SIGNATURE, raw_unit_forecast(model, scaler, spec), input_signature=signature)
    return archive


SERIES_INPUT_NAME = "series"


def per_series_forecast(model, series_scaler, spec: WindowSpec):
    """fn(raw inputs, series) -> {"forecast": raw outputs} for a run scaled per series: `series` [batch]
    int32 is each window's row in the run's series_scaler.json (its `ids` order)."""
    import tensorflow as tf

    embedded = has_series_index(spec)
    inputs_at = [series_scaler.columns.index(c) for c in spec.input_columns if c != SERIES_INDEX_COLUMN]
    outputs_at = [series_scaler.columns.index(c) for c in output_columns(spec)]
    input_high, input_low = float32_pair(series_scaler.offset[:, inputs_at])  # [series, n_features]
    input_scale = series_scaler.scale[:, inputs_at].astype(np.float32)
    output_high, output_low = float32_pair(series_scaler.offset[:, outputs_at])  # [series, n_outputs]
    output_scale = series_scaler.scale[:, outputs_at].astype(np.float32)

    def forecast(inputs, series):
        def per_window(table):
            return tf.gather(tf.constant(table), series)[:, None, :]  # [batch, 1, columns]

        scaled = (inputs - per_window(input_high) - per_window(input_low)) / per_window(input_scale)
        if embedded:  # the series' row as the last channel, at every step (data/series_index.py)
            index = tf.cast(series, tf.float32)[:, None, None] + tf.zeros_like(scaled[:, :, :1])
            scaled = tf.concat([scaled, index], axis=2)
        outputs = tf.cast(model(scaled, training=False), tf.float32)
        return {OUTPUT_NAME: outputs * per_window(output_scale) + per_window(output_low) + per_window(output_high)}

    return forecast


def per_series_archive(model, series_scaler, spec: WindowSpec):
    """A keras.export.ExportArchive whose `serving_default` takes raw `inputs` and each window's `series`."""
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(model)
    features = spec.n_features - (1 if has_series_index(spec) else 0)
    signature = [
        tf.TensorSpec([None, spec.input_width, features], tf.float32, name=INPUT_NAME),
        tf.TensorSpec([None], tf.int32, name=SERIES_INPUT_NAME),
    ]
    archive.add_endpoint(SIGNATURE, per_series_forecast(model, series_scaler, spec), input_signature=signature)
    return archive
