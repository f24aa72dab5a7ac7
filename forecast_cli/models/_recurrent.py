"""What the recurrent families (simple_rnn, lstm, gru, layernorm_rnn, deep_rnn) share: options and the
stack -> head -> output assembly. Keras is imported inside the functions: this module is imported by
the families at registration time."""

from dataclasses import dataclass
from typing import Callable, ClassVar, Optional

from omegaconf import MISSING

from forecast_cli.errors import require
from forecast_cli.models.base import (
    ModelConfig,
    apply_output,
    check_head_and_output,
    check_sequence_head,
    forecast_head,
    model_input,
    sequence_head,
)


@dataclass
class RecurrentConfig(ModelConfig):
    units: int = MISSING
    layers: int = MISSING
    dropout: float = MISSING
    recurrent_dropout: float = MISSING
    # last: the final state feeds a single-shot Dense head; sequence: a Dense at every step (on the last axis)
    head: str = MISSING
    output: str = MISSING  # direct | residual | nonneg_growth (see models/base.py)
    zero_init: bool = MISSING
    stateful: Optional[bool] = MISSING  # every family's YAML says it (null: false)

    carries_state: ClassVar[bool] = True  # model.stateful=true: every recurrent layer keeps its state

    def __post_init__(self) -> None:
        require(self.units >= 1, "model.units", f"must be >= 1, got {self.units}")
        require(self.layers >= 1, "model.layers", f"must be >= 1, got {self.layers}")
        for key in ("dropout", "recurrent_dropout"):
            value = getattr(self, key)
            require(0 <= value < 1, f"model.{key}", f"must be in [0, 1), got {value}")
        check_head_and_output(self.head, self.output)

    def check_window(self, window) -> None:
        check_sequence_head(self.head, window)


def build_recurrent(cfg: RecurrentConfig, spec, make_layer: Callable):
    """make_layer(units, return_sequences, name) -> a Keras recurrent layer (stateful when cfg.stateful),
    stacked cfg.layers times."""
    import keras

    if cfg.stateful and spec.fixed_batch is None:
        raise ValueError("a stateful model needs the batch of its streams: build it on a spec with fixed_batch")
    inputs = model_input(spec)
    x = inputs  # [batch, time, features]
    for i in range(cfg.layers):
        keep_sequence = cfg.head == "sequence" or i < cfg.layers - 1
        x = make_layer(cfg.units, keep_sequence, f"{cfg.name}_{i}")(x)
    if cfg.head == "sequence":
        outputs = sequence_head(x, spec, cfg.zero_init)  # [batch, time, n_outputs]
    else:
        outputs = forecast_head(x, spec, cfg.zero_init)  # [batch, label_width, n_outputs]
    outputs = apply_output(inputs, outputs, spec, cfg.output, cfg.head)
    return keras.Model(inputs, outputs, name=cfg.name)


def keras_recurrent_layer(kind, cfg: RecurrentConfig) -> Callable:
    """make_layer for one of Keras' recurrent layer classes (keras.layers.LSTM, GRU, SimpleRNN) with cfg's options."""

    def make_layer(units, return_sequences, name):
        return kind(
            units,
            return_sequences=return_sequences,
            dropout=cfg.dropout,
            recurrent_dropout=cfg.recurrent_dropout,
            stateful=bool(cfg.stateful),
            name=name,
        )

    return make_layer
