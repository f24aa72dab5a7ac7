"""The `optimizer` config group: Keras optimizers built with `hydra.utils.instantiate` from `_target_`.

`learning_rate` is a number or a `_target_` node of a Keras schedule, e.g.
`optimizer.learning_rate._target_=keras.optimizers.schedules.ExponentialDecay`. Values an
optimizer's YAML sets are `???` here (one source of truth: conf/optimizer/*.yaml).
"""

from dataclasses import dataclass
from typing import Any, Optional

from omegaconf import MISSING

from forecast_cli.errors import require


@dataclass
class OptimizerConfig:
    _target_: str = MISSING
    learning_rate: Any = MISSING
    clipnorm: Optional[float] = None
    global_clipnorm: Optional[float] = None

    def __post_init__(self) -> None:
        rate = self.learning_rate
        is_number = isinstance(rate, (int, float)) and not isinstance(rate, bool)
        require(
            is_number or (isinstance(rate, dict) and "_target_" in rate),
            "optimizer.learning_rate",
            f"must be a number or a schedule node with a _target_, got {rate!r}",
        )
        if is_number:
            require(rate > 0, "optimizer.learning_rate", f"must be > 0, got {rate}")
        for key in ("clipnorm", "global_clipnorm"):
            value = getattr(self, key)
            require(value is None or value > 0, f"optimizer.{key}", f"must be > 0 or null, got {value}")


@dataclass
class AdamConfig(OptimizerConfig):
    _target_: str = "keras.optimizers.Adam"
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    amsgrad: bool = False


@dataclass
class AdamWConfig(AdamConfig):
    _target_: str = "keras.optimizers.AdamW"
    weight_decay: float = 0.004


@dataclass
class SGDConfig(OptimizerConfig):
    _target_: str = "keras.optimizers.SGD"
    momentum: float = MISSING
    nesterov: bool = MISSING


@dataclass
class RMSpropConfig(OptimizerConfig):
    _target_: str = "keras.optimizers.RMSprop"
    rho: float = 0.9
    momentum: float = 0.0
    epsilon: float = 1e-7


SCHEMAS = {"adam": AdamConfig, "adamw": AdamWConfig, "sgd": SGDConfig, "rmsprop": RMSpropConfig}


def store_schemas(config_store: Any) -> None:
    for name, schema in SCHEMAS.items():
        config_store.store(group="schema/optimizer", name=name, node=schema)


def build_optimizer(cfg):
    """Instantiate inside `strategy.scope()` so that its variables live on the strategy's devices."""
    from hydra.utils import instantiate

    return instantiate(cfg, _convert_="all")
