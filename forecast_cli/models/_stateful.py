"""Running a stateful model (model.stateful=true, data/streams.py): its layers' states reset, and its
forecast from the state a series carried to it (train's forecast.csv, `forecast predict`).

A stateful model's batch is fixed at its streams. The families that can carry a state never mix the
rows of a batch (recurrent layers, Dense heads, per-window RevIN), so one series runs as the first row
of a batch whose other rows are zeros: its outputs are what a one-stream copy would give.
Keras and TensorFlow are imported inside the functions (the registry imports this package).
"""

from typing import Callable, List, Optional

import numpy as np

from forecast_cli.errors import ForecastError


def stateful_layers(model) -> List:
    """Every layer of `model`, nested models included, that keeps its state between calls."""
    found = []
    for layer in getattr(model, "layers", []):
        if getattr(layer, "stateful", False):
            found.append(layer)
        found.extend(stateful_layers(layer))
    return found


def reset_states(model) -> None:
    """Every stream starts again from a zero state."""
    for layer in stateful_layers(model):
        layer.reset_state()


def stateful_streams(model) -> Optional[int]:
    """The streams a stateful model runs at once (its fixed batch); None for a stateless model."""
    if not stateful_layers(model):
        return None
    return int(model.inputs[0].shape[0])


def refuse_stateful(model, why: str) -> None:
    """A ForecastError saying `why` a command cannot run a stateful model; nothing for a stateless one."""
    streams = stateful_streams(model)
    if streams is not None:
        raise ForecastError(f"the run's model is stateful (model.stateful=true, {streams} streams): {why}")


class LastStreamForecast:
    """Stands for the model in forecaster/last_window.py: `self(inputs [1, W, F])` forecasts `inputs` as
    the next chunk of the last stream of `dataset` (a split's streams, data/streams.py), from the state
    that stream carried over all its earlier chunks."""

    def __init__(self, model, dataset):
        self.model = model
        self.dataset = dataset

    def __call__(self, inputs, training=False):
        reset_states(self.model)
        last = None
        for batch, _ in self.dataset:
            if last is not None:
                self.model(last, training=False)
            last = batch.numpy()
        last[-1] = np.asarray(inputs)[0]
        outputs = self.model(last, training=False)
        return np.asarray(outputs)[-1:]


def forecast_function(model, scaler, plan, origins, horizon: int) -> Callable[[np.ndarray], np.ndarray]:
    """`forward` for forecaster/future.py (scaled windows -> outputs, numpy): the model on each window, or a
    stateful model on the last window of the one series of `origins` with the state that series carried to it."""
    if stateful_streams(model) is not None:
        if len(origins.series.segments) != 1:
            raise ForecastError(
                f"the run's model is stateful (model.stateful=true): it carries a state along one series, but the "
                f"forecast would continue {len(origins.series.segments)}; name one with ids=[...]"
            )
        scaled = scaler.transform(origins.series.segments[0][None], groups=origins.groups)[0]
        return carried_state_forward(model, scaled, plan, horizon)
    from forecast_cli.forecaster.engine import inference_function

    forward = inference_function(model)
    return lambda inputs: forward(inputs).numpy()


def carried_state_forward(model, scaled: np.ndarray, plan, horizon: int) -> Callable[[np.ndarray], np.ndarray]:
    """`forward` for forecaster/future.py: the model on the last window of `scaled` (a series' scaled rows
    [rows, columns]) after it has read every earlier chunk of window.input_width rows in order, from the last
    stretch of finite rows, carrying the state; each further call continues from there.

    Beyond its direct steps a forecast is fed back as the next window, which continues the state only
    when the window moves by a whole chunk: otherwise the horizon is refused."""
    spec = plan.spec
    width = spec.input_width
    if horizon > plan.direct_steps and plan.direct_steps != width:
        raise ForecastError(
            f"horizon={horizon} needs a recursive forecast, but the run's model is stateful and reads chunks of "
            f"window.input_width={width} rows: feeding back its {plan.direct_steps} direct steps would make it read "
            f"rows again; use horizon<={plan.direct_steps}, or train with window.label_width=window.shift={width}"
        )
    from forecast_cli.forecaster.engine import inference_function

    forward = inference_function(model)
    streams = stateful_streams(model)
    shape = (streams, width, spec.n_features)

    def step(chunk: np.ndarray) -> np.ndarray:
        batch = np.zeros(shape, dtype=np.float32)
        batch[0] = chunk
        return forward(batch).numpy()[:1]

    reset_states(model)
    for chunk in _warm_up_chunks(scaled[:-width], width):
        step(chunk[:, spec.input_indices])
    return lambda inputs: np.concatenate([step(window) for window in np.asarray(inputs, dtype=np.float32)])


def _warm_up_chunks(rows: np.ndarray, width: int) -> np.ndarray:
    """[chunks, width, columns]: the whole chunks of `rows` that end at its last row, after its last
    non-finite value (a state that read one would be NaN)."""
    bad = np.flatnonzero(~np.isfinite(rows).all(axis=1))
    first = 0 if not len(bad) else int(bad[-1]) + 1
    count = (len(rows) - first) // width
    return rows[len(rows) - count * width :].reshape(count, width, rows.shape[1]).astype(np.float32)
