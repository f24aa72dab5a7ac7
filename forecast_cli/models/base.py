"""What every model config has, and the pieces that several model families share."""

from dataclasses import dataclass
from typing import ClassVar, Optional

from omegaconf import MISSING

from forecast_cli.errors import ForecastError, require

INPUT_MODES = ("all", "last")
HEADS = ("last", "sequence")
INITS = (None, "keras", "torch")
# direct: the head's output; residual: last observed value + the head's output (the tutorial's
# ResidualWrapper); nonneg_growth: max((1 + output) * last observed value, 0) (the TF2 notes' COVID-19 layer)
OUTPUTS = ("direct", "residual", "nonneg_growth")
# How a family takes a learned series embedding (model.series_embedding): "channels": as more input
# channels, constant along the window (families that mix their channels); "own": the family's build
# function takes it itself (N-BEATS: appended to every block's input); None: it could not reach the
# forecast (a family that forecasts every channel on its own, or that has nothing to learn)
EMBEDDING_AS_CHANNELS = "channels"
EMBEDDING_OWN = "own"


@dataclass
class ModelConfig:
    name: str = MISSING
    # Reversible instance normalization (Kim et al., ICLR 2022), applied around any model by build_model:
    # each input window is normalized by its own per-channel mean and std, the forecast mapped back with
    # the label channels' statistics. null means off: runs saved before these keys existed have none,
    # and resuming them compares the saved config with today's key by key.
    revin: Optional[bool] = None
    revin_affine: Optional[bool] = None  # a learned per-channel scale and shift after normalizing
    # A learned vector of this many values per series of a panel (data=panel, data=tsf with
    # data.per_series=true), looked up by the window's series and given to the model with its input
    # window (build_model); null: none. Only families whose `series_embedding_use` is set take one.
    series_embedding: Optional[int] = None
    # The initial weights: keras (null) or torch, the draws of PyTorch's nn.Linear / nn.Conv1d that the
    # papers' code starts from (models/_torch_init.py)
    init: Optional[str] = None
    # true: the recurrent layers carry their state from one batch to the next, over the series laid out
    # as trainer.batch_size parallel streams of window.input_width-step chunks (data/streams.py); null
    # means false (runs saved before this key have none). Only families whose `carries_state` is set.
    stateful: Optional[bool] = None

    series_embedding_use: ClassVar[Optional[str]] = EMBEDDING_AS_CHANNELS
    # whether the family's layers can carry a state across batches (model.stateful=true)
    carries_state: ClassVar[bool] = False

    def check_init(self) -> None:
        require(self.init in INITS, "model.init", f"must be keras, torch or null, got '{self.init}'")

    def check_series_embedding(self) -> None:
        """A ForecastError when model.series_embedding is set on a family that cannot use it."""
        if self.series_embedding is None:
            return
        require(self.series_embedding >= 1, "model.series_embedding", f"must be null or >= 1, got {self.series_embedding}")
        if self.series_embedding_use is None:
            raise ForecastError(
                f"model={self.name} cannot take a series embedding (it forecasts every channel on its own, feeds "
                "its forecasts back, or learns nothing): use model.series_embedding with nbeats or a model that "
                "mixes its inputs (dense, multi_step_dense, linear, lstm, gru, conv, tsmixer, itransformer)"
            )

    def check_stateful(self) -> None:
        """A ForecastError when model.stateful=true is set on a family that has no state to carry."""
        if self.stateful and not self.carries_state:
            from forecast_cli.models import MODELS

            able = [name for name in MODELS.names() if MODELS.get(name).schema.carries_state]
            raise ForecastError(
                f"model={self.name} has no recurrent state to carry between batches: model.stateful=true needs "
                f"one of {', '.join(able)} (or set model.stateful=false)"
            )

    def check_window(self, window) -> None:
        """Combinations with the window that cannot work (a patch longer than the input, ...): raise a
        ForecastError. `window` has input_width, label_width and steps_ahead (a WindowConfig in the
        precheck, before any run directory exists; the resolved WindowSpec when a model is built)."""


def check_inputs_mode(value: str) -> None:
    require(value in INPUT_MODES, "model.inputs", f"must be 'all' (every input step) or 'last', got '{value}'")


def check_head_and_output(head: str, output: str) -> None:
    require(head in HEADS, "model.head", f"must be one of {', '.join(HEADS)}, got '{head}'")
    require(output in OUTPUTS, "model.output", f"must be one of {', '.join(OUTPUTS)}, got '{output}'")


def model_input(spec):
    import keras

    # [batch, time, features]; a stateful model's batch is fixed: its parallel streams (WindowSpec.fixed_batch)
    return keras.Input(shape=(spec.input_width, spec.n_features), batch_size=spec.fixed_batch, name="inputs")


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


def revin_output_positions(spec):
    """The input channel whose statistics map each output back (output j: label column j % n_labels);
    a ForecastError when a label is not an input."""
    positions = spec.label_positions_in_inputs
    missing = [c for c, p in zip(spec.label_columns, positions) if p < 0]
    if missing:
        raise ForecastError(
            f"model.revin=true maps the forecast back with the statistics of the label columns' inputs, but "
            f"{missing} are not in window.input_columns: add them there or set model.revin=false"
        )
    return [positions[j % spec.n_labels] for j in range(spec.n_outputs)]


def calendar_positions(spec):
    """The input channels computed from the timestamps (WindowSpec.calendar_columns), which RevIN passes through."""
    return [spec.input_columns.index(c) for c in spec.calendar_columns if c in spec.input_columns]


def revin_around(x, spec, affine: bool, forward):
    """forward(x normalized by RevIN), mapped back with x's statistics: the RevIN pair around any
    function of the window (`spec` names x's channels and the labels among them)."""
    from forecast_cli.models.layers import RevINDenormalization, RevINNormalization

    output_positions = revin_output_positions(spec)
    normalize = RevINNormalization(affine, passthrough=calendar_positions(spec), dtype="float32", name="revin_normalize")
    normalized, scale, shift = normalize(x)
    outputs = forward(normalized)
    return RevINDenormalization(output_positions, dtype="float32", name="revin_denormalize")([outputs, scale, shift])


def with_revin(model, spec, affine: bool):
    """`model` between a RevIN normalization of its inputs and a denormalization of its outputs.

    Output j of the model belongs to label column j % n_labels (WindowSpec.n_outputs): it is mapped back
    with the statistics of that column's input channel, so every label must be an input."""
    import keras

    inputs = model_input(spec)
    name = model.name
    model.name = f"{name}_normalized"  # the outer model keeps the family's name
    return keras.Model(inputs, revin_around(inputs, spec, affine, model), name=name)


def horizon_steps(spec) -> int:
    """Values each channel-wise model forecasts per channel: every label step, steps_ahead values each."""
    return spec.label_width * spec.steps_ahead


def label_forecast(per_channel, spec, positions):
    """[batch, channels, label_width * steps_ahead] forecasts of every input channel -> the label columns'
    [batch, label_width, n_outputs], float32 even under a mixed-precision policy."""
    from forecast_cli.models.layers import LabelChannels

    return LabelChannels(positions, spec.label_width, spec.steps_ahead, dtype="float32", name="forecast")(per_channel)


def check_within_input(value: int, key: str, window) -> None:
    """A length the model slides over its input window (a kernel, a patch) cannot exceed that window."""
    require(
        value <= window.input_width,
        key,
        f"({value}) exceeds window.input_width ({window.input_width}): lower it or lengthen the window",
    )


def check_sequence_head(head: str, window) -> None:
    require(
        head != "sequence" or window.label_width == window.input_width,
        "model.head=sequence",
        f"forecasts at every input step: set window.label_width equal to window.input_width "
        f"({window.input_width}), got {window.label_width}",
    )


def check_moving_average_kernel(kernel: int) -> None:
    require(
        kernel >= 1 and kernel % 2 == 1,
        "model.moving_avg",
        f"must be odd and >= 1 (padding (k - 1) / 2 steps at each end keeps the length), got {kernel}",
    )


def check_positive(cfg, *keys: str) -> None:
    for key in keys:
        value = getattr(cfg, key)
        require(value >= 1, f"model.{key}", f"must be >= 1, got {value}")


def check_dropout(cfg, *keys: str) -> None:
    for key in keys:
        value = getattr(cfg, key)
        require(0 <= value < 1, f"model.{key}", f"must be in [0, 1), got {value}")
