"""The `optimizer` config group: Keras optimizers built with `hydra.utils.instantiate` from `_target_`.

`learning_rate` is a number or a `_target_` node of a schedule, e.g.
`optimizer.learning_rate._target_=keras.optimizers.schedules.ExponentialDecay`, or PyTorch's one-cycle
(`forecast_cli.trainer.schedules.OneCycle`, whose length the trainer gives). Values an optimizer's YAML sets are
`???` here (one source of truth: conf/optimizer/*.yaml).
"""

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from omegaconf import MISSING

from forecast_cli.errors import ForecastError, require


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
    beta_1: float = MISSING
    beta_2: float = MISSING
    epsilon: float = MISSING
    amsgrad: bool = MISSING


@dataclass
class AdamWConfig(AdamConfig):
    weight_decay: float = MISSING


@dataclass
class SGDConfig(OptimizerConfig):
    momentum: float = MISSING
    nesterov: bool = MISSING


@dataclass
class RMSpropConfig(OptimizerConfig):
    rho: float = MISSING
    momentum: float = MISSING
    epsilon: float = MISSING


SCHEMAS = {"adam": AdamConfig, "adamw": AdamWConfig, "sgd": SGDConfig, "rmsprop": RMSpropConfig}


def store_schemas(config_store: Any) -> None:
    for name, schema in SCHEMAS.items():
        config_store.store(group="schema/optimizer", name=name, node=schema)


# Callbacks that assign the optimizer's rate, which Keras refuses once the rate is a schedule.
RATE_CALLBACKS = ("keras.callbacks.ReduceLROnPlateau", "forecast_cli.trainer.callbacks.EpochDecay")
ONE_CYCLE = "forecast_cli.trainer.schedules.OneCycle"  # forecast_cli.trainer.schedules imports Keras; this module must not
ONE_CYCLE_DEFAULTS = {"pct_start": 0.3, "div_factor": 25.0, "final_div_factor": 1e4}  # PyTorch's OneCycleLR
ONE_CYCLE_KEYS = ("max_learning_rate", "total_steps", *ONE_CYCLE_DEFAULTS)


def is_schedule(rate: Any) -> bool:
    return isinstance(rate, Mapping) and "_target_" in rate


def one_cycle_problem(max_learning_rate, pct_start, div_factor, final_div_factor, total_steps=1) -> Optional[str]:
    """What is wrong with these one-cycle arguments, or None (checked before a run and by the schedule)."""
    values = (max_learning_rate, pct_start, div_factor, final_div_factor, total_steps)
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        return f"takes numbers, got {', '.join(repr(v) for v in values)}"
    if max_learning_rate <= 0:
        return f"max_learning_rate must be > 0, got {max_learning_rate!r}"
    if not 0 < pct_start < 1 or div_factor < 1 or final_div_factor < 1 or total_steps < 1:
        return (
            "pct_start must be in (0, 1), div_factor and final_div_factor >= 1, total_steps >= 1, "
            f"got {pct_start}, {div_factor}, {final_div_factor}, {total_steps}"
        )
    return None


def check_one_cycle(rate: Mapping[str, Any]) -> None:
    unknown = sorted(set(rate) - {"_target_", *ONE_CYCLE_KEYS})
    if unknown or "max_learning_rate" not in rate:
        raise ForecastError(
            f"optimizer.learning_rate ({ONE_CYCLE}) takes {', '.join(ONE_CYCLE_KEYS)}, max_learning_rate required; "
            f"got {', '.join(sorted(k for k in rate if k != '_target_'))}"
        )
    given = {**ONE_CYCLE_DEFAULTS, "total_steps": 1, **rate}  # total_steps: the trainer's, unless given
    problem = one_cycle_problem(
        given["max_learning_rate"], given["pct_start"], given["div_factor"], given["final_div_factor"],
        given["total_steps"],
    )
    if problem:
        raise ForecastError(f"optimizer.learning_rate ({ONE_CYCLE}): {problem}")


def check_schedule_alone(rate: Any, callbacks: Mapping[str, Any]) -> None:
    """A schedule sets the rate of every step: a callback that assigns the rate would fail mid-training.
    A one-cycle schedule's arguments are checked here too, before any run directory exists."""
    if not is_schedule(rate):
        return
    if rate["_target_"] == ONE_CYCLE:
        check_one_cycle(rate)
    for name, node in callbacks.items():
        if isinstance(node, Mapping) and node.get("_target_") in RATE_CALLBACKS:
            raise ForecastError(
                f"trainer.callbacks.{name} sets the learning rate, which optimizer.learning_rate "
                f"({rate['_target_']}) already sets at every step: drop it with trainer.callbacks.{name}=null"
            )


def build_optimizer(cfg, total_steps: Optional[int] = None):
    """Instantiate inside `strategy.scope()` so that its variables live on the strategy's devices.

    `total_steps` (epochs x steps per epoch) completes a one-cycle schedule, whose config leaves it out.
    """
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    node = OmegaConf.to_container(cfg, resolve=True)
    rate = node["learning_rate"]
    if is_schedule(rate) and rate["_target_"] == ONE_CYCLE and "total_steps" not in rate:
        if not total_steps:
            raise ForecastError(f"optimizer.learning_rate ({ONE_CYCLE}) needs the number of training steps")
        rate["total_steps"] = int(total_steps)
    return instantiate(node, _convert_="all")
