"""`multi_step_dense`: the tutorial's MLP on the whole flattened input window (Flatten, Dense 32, 32)."""

from dataclasses import dataclass


from forecast_cli.models import MODELS
from forecast_cli.models.dense import DenseConfig, build_dense


@dataclass
class MultiStepDenseConfig(DenseConfig):
    """Its values: conf/model/multi_step_dense.yaml."""


@MODELS.register("multi_step_dense", MultiStepDenseConfig)
def build(cfg: MultiStepDenseConfig, spec):
    return build_dense(cfg, spec)
