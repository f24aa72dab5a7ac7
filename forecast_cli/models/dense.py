"""`dense`: a multilayer perceptron on the flattened input window (or its last step)."""

from dataclasses import dataclass
from typing import List

from omegaconf import MISSING

from forecast_cli.errors import require
from forecast_cli.models import MODELS
from forecast_cli.models.base import ModelConfig, check_inputs_mode, flatten_steps, forecast_head, model_input


@dataclass
class DenseConfig(ModelConfig):
    units: List[int] = MISSING
    activation: str = MISSING
    dropout: float = MISSING
    inputs: str = MISSING
    zero_init: bool = MISSING

    def __post_init__(self) -> None:
        check_inputs_mode(self.inputs)
        require(all(u >= 1 for u in self.units), "model.units", f"must all be >= 1, got {list(self.units)}")
        require(0 <= self.dropout < 1, "model.dropout", f"must be in [0, 1), got {self.dropout}")


@MODELS.register("dense", DenseConfig)
def build(cfg: DenseConfig, spec):
    return build_dense(cfg, spec)


def build_dense(cfg: DenseConfig, spec):
    import keras

    inputs = model_input(spec)
    x = flatten_steps(inputs, spec, cfg.inputs)
    for i, units in enumerate(cfg.units):
        x = keras.layers.Dense(units, activation=cfg.activation, name=f"dense_{i}")(x)
        if cfg.dropout:
            x = keras.layers.Dropout(cfg.dropout, name=f"dropout_{i}")(x)
    return keras.Model(inputs, forecast_head(x, spec, cfg.zero_init), name=cfg.name)
