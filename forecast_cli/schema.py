"""Structured-config schemas of the two apps, and the registration of every group's schemas.

Everything is stored under the `schema/` group of Hydra's ConfigStore, so schemas validate the
YAML files that extend them without showing up as options of `data`, `model`, ...
"""

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from omegaconf import MISSING

from forecast_cli.registry import require

EVAL_SPLITS = ("train", "val", "test", "all")


@dataclass
class TrainConfig:
    data: Any = MISSING
    window: Any = MISSING
    model: Any = MISSING
    optimizer: Any = MISSING
    strategy: Any = MISSING
    trainer: Any = MISSING
    seed: int = 42
    run_name: str = MISSING  # the suffix of the run directory; train.yaml sets it to the model name
    resume: Optional[str] = None  # a run directory to continue (`forecast train resume=DIR`)


@dataclass
class EvaluateConfig:
    run: str = MISSING  # a run directory, or a multirun sweep directory
    split: str = "test"
    data: Dict[str, Any] = field(default_factory=dict)  # overrides of the run's data config
    allow_incomplete: bool = False
    batch_size: Optional[int] = None

    def __post_init__(self) -> None:
        require(self.split in EVAL_SPLITS, "split", f"must be one of {', '.join(EVAL_SPLITS)}, got '{self.split}'")


_registered = False


def register_schemas() -> None:
    global _registered
    if _registered:
        return
    from hydra.core.config_store import ConfigStore

    from forecast_cli import optimizer, strategy
    from forecast_cli.data import DATA
    from forecast_cli.models import MODELS
    from forecast_cli.trainer import TRAINERS
    from forecast_cli.window import WindowConfig

    from forecast_cli.app_help import register_help_resolver

    register_help_resolver()
    cs = ConfigStore.instance()
    cs.store(group="schema", name="train", node=TrainConfig)
    cs.store(group="schema", name="evaluate", node=EvaluateConfig)
    cs.store(group="schema/window", name="window", node=WindowConfig)
    optimizer.store_schemas(cs)
    strategy.store_schemas(cs)
    for registry in (DATA, MODELS, TRAINERS):
        registry.store_schemas(cs)
    _registered = True
