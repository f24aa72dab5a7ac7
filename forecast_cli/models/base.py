"""What every model config has, and the pieces that several model families share."""

from dataclasses import dataclass

from forecast_cli.errors import ForecastError, require

INPUT_MODES = ("all", "last")
HEADS = ("last", "sequence")
# direct: the head's output; residual: last observed value + the head's output (the tutorial's
# ResidualWrapper); nonneg_growth: max((1 + output) * last observed value, 0) (the TF2 notes' COVID-19 layer)
OUTPUTS = ("direct", "residual", "nonneg_growth")


@dataclass
class ModelConfig:
    name: str = "???"


def check_inputs_mode(value: str) -> None:
    require(value in INPUT_MODES, "model.inputs", f"must be 'all' (every input step) or 'last', got '{value}'")


def check_head_and_output(head: str, output: str) -> None:
    require(head in HEADS, "model.head", f"must be one of {', '.join(HEADS)}, got '{head}'")
    require(output in OUTPUTS, "model.output", f"must be one of {', '.join(OUTPUTS)}, got '{output}'")


def model_input(spec):
    import keras

    return keras.Input(shape=(spec.input_width, spec.n_features), name="inputs")  # [batch, time, features]


def flatten_steps(x, spec, mode: str):
    """[batch, time, features] -> [batch, time*features], or only the last step's features."""
    import keras

    if mode == "last" and spec.input_width > 1:
        x = keras.layers.Cropping1D((spec.input_width - 1, 0), name="last_step")(x)
    return keras.layers.Flatten(name="flatten")(x)


def forecast_head(x, spec, zero_init: bool = False):
    """[batch, units] -> [batch, label_width, n_outputs], all steps at once (single shot)."""
    import keras

    initializer = "zeros" if zero_init else "glorot_uniform"
    x = keras.layers.Dense(spec.label_width * spec.n_outputs, kernel_initializer=initializer, name="head")(x)
    # float32 even under a mixed-precision policy: losses, metrics and the SavedModel see float32
    return keras.layers.Reshape((spec.label_width, spec.n_outputs), name="forecast", dtype="float32")(x)


def sequence_head(x, spec, zero_init: bool = False):
    """[batch, time, units] -> [batch, time, n_outputs]: one forecast at every input step.

    A Dense layer acts on the last axis, so it is the tutorial's per-step head without Keras 3's
    TimeDistributed wrapper, which made a 24-step LSTM epoch 40% slower on CPU (docs/performance.md)."""
    import keras

    if spec.label_width != spec.input_width:
        raise ForecastError(
            f"model.head=sequence forecasts at every input step: set window.label_width equal to "
            f"window.input_width ({spec.input_width}), got {spec.label_width}"
        )
    initializer = "zeros" if zero_init else "glorot_uniform"
    return keras.layers.Dense(spec.n_outputs, kernel_initializer=initializer, name="head")(x)


def label_positions(spec, model_name: str):
    """Where each label column is among the inputs; a ForecastError if one is not an input."""
    positions = spec.label_positions_in_inputs
    missing = [c for c, p in zip(spec.label_columns, positions) if p < 0]
    if missing:
        raise ForecastError(
            f"{model_name} needs the label columns among the inputs, but {missing} are not in window.input_columns"
        )
    return positions


def apply_output(inputs, outputs, spec, output: str, head: str):
    """Turn the head's output into the forecast as `model.output` says (see OUTPUTS)."""
    import keras

    from forecast_cli.models.layers import LastValue, NonNegativeGrowth, PreviousSteps

    if output == "direct":
        return outputs
    if spec.steps_ahead != 1:
        raise ForecastError(f"model.output={output} needs window.steps_ahead=1, got {spec.steps_ahead}")
    positions = label_positions(spec, f"model.output={output}")
    if head == "sequence":
        anchor = PreviousSteps(positions, spec.input_width, name="observed")(inputs)
    else:
        anchor = LastValue(positions, spec.label_width, name="last_observed")(inputs)
    if output == "residual":
        return keras.layers.Add(name="residual")([anchor, outputs])
    return NonNegativeGrowth(name="nonneg_growth")([anchor, outputs])
