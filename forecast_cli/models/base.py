"""What every model config has, and the pieces that several model families share."""

from dataclasses import dataclass

from forecast_cli.registry import require

INPUT_MODES = ("all", "last")


@dataclass
class ModelConfig:
    name: str = "???"


def check_inputs_mode(value: str) -> None:
    require(value in INPUT_MODES, "model.inputs", f"must be 'all' (every input step) or 'last', got '{value}'")


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
    """[batch, units] -> [batch, label_width, n_labels]."""
    import keras

    initializer = "zeros" if zero_init else "glorot_uniform"
    x = keras.layers.Dense(spec.label_width * spec.n_labels, kernel_initializer=initializer, name="head")(x)
    # float32 even under a mixed-precision policy: losses, metrics and the SavedModel see float32
    return keras.layers.Reshape((spec.label_width, spec.n_labels), name="forecast", dtype="float32")(x)
