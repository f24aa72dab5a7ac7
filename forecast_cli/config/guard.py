"""What a composed config may hold, whoever wrote it (the command line, a YAML file, a saved run):
only the keys its schemas declare, and `_target_`s from one allow-list.

`hydra.utils.instantiate` imports and calls whatever a `_target_` names. Hydra's own blocklist stops
`os.system` and `subprocess`, not `builtins.open`, `shutil.copyfile` or `pandas.read_pickle`, so every
`_target_` of a run (the job's config and `hydra.callbacks`) must be one named below. Keras callbacks that
write files where their arguments say (CSVLogger, ModelCheckpoint, BackupAndRestore, TensorBoard), post
to a URL (RemoteMonitor) or wrap Python callables (LambdaCallback) are not: a run already writes its
history, TensorBoard logs and checkpoints into its own directory.
"""

import dataclasses
from typing import Any, Iterator, Tuple

from forecast_cli.errors import ForecastError

_KERAS_OPTIMIZERS = (
    "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion",
    "LossScaleOptimizer", "Muon", "Nadam", "RMSprop", "SGD",
)  # fmt: skip
_KERAS_SCHEDULES = (
    "CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay",
    "PolynomialDecay",
)  # fmt: skip
_KERAS_CALLBACKS = ("EarlyStopping", "ReduceLROnPlateau", "SwapEMAWeights", "TerminateOnNaN")

ALLOWED_TARGETS = frozenset(
    [f"keras.optimizers.{name}" for name in _KERAS_OPTIMIZERS]
    + [f"keras.optimizers.schedules.{name}" for name in _KERAS_SCHEDULES]
    + [f"keras.callbacks.{name}" for name in _KERAS_CALLBACKS]
    + [
        "forecast_cli.trainer.callbacks.EarlyStopping",
        "forecast_cli.trainer.callbacks.EpochDecay",
        "forecast_cli.trainer.schedules.OneCycle",
        "forecast_cli.run.sweep.SweepSummaryCallback",
        "forecast_cli.search.hparams.HParamsCallback",
        "forecast_cli.logger.LoggerCallback",
        "hydra.experimental.callbacks.LogJobReturnCallback",
    ]
)


# the `_target_`s of versions before 0.4, when these classes lived at the package's top level: a saved run's
# config, or an override copied from one, still names them; they are read as the names they moved to
MOVED_TARGETS = {
    "forecast_cli.callbacks.EarlyStopping": "forecast_cli.trainer.callbacks.EarlyStopping",
    "forecast_cli.callbacks.EpochDecay": "forecast_cli.trainer.callbacks.EpochDecay",
    "forecast_cli.schedules.OneCycle": "forecast_cli.trainer.schedules.OneCycle",
}


# TensorFlow's shapes, batch sizes and indices are int32: a larger integer would reach it as a traceback.
# A field with a range of its own says so in its metadata: field(default=..., metadata={"max": None}).
MAX_INT = 2**31 - 1


def check_config(cfg) -> None:
    """The checks on a job's config (without its `hydra` node); raises ForecastError. A `_target_` that
    moved (MOVED_TARGETS) is rewritten to its new name first, in place."""
    rewrite_moved_targets(cfg)
    check_declared_keys(cfg)
    check_targets(cfg)
    check_int_limits(cfg)


def check_int_limits(node, where: str = "") -> None:
    """Every integer of a schema-typed node lies within +-MAX_INT (or its field's own `max`; None: the
    field checks its range itself)."""
    from omegaconf import DictConfig, OmegaConf
    from omegaconf.nodes import IntegerNode

    if not isinstance(node, DictConfig):
        return
    schema = OmegaConf.get_type(node)
    limits = {f.name: f.metadata.get("max", MAX_INT) for f in dataclasses.fields(schema)} if dataclasses.is_dataclass(schema) else {}
    for key in node.keys():
        child = node._get_node(key)
        path = f"{where}.{key}" if where else str(key)
        if isinstance(child, DictConfig):
            check_int_limits(child, path)
        elif isinstance(child, IntegerNode) and not (child._is_none() or child._is_missing() or child._is_interpolation()):
            limit = limits.get(str(key), MAX_INT)
            if limit is not None and abs(int(child._value())) > limit:
                raise ForecastError(f"{path}={child._value()} is beyond {limit:,} in size: give a smaller value")


def rewrite_moved_targets(node) -> None:
    """Every `_target_` under `node` (a DictConfig or ListConfig) that names a moved class gets its new name."""
    from omegaconf import DictConfig, ListConfig, read_write

    if isinstance(node, DictConfig):
        keys = list(node.keys())
    elif isinstance(node, ListConfig):
        keys = list(range(len(node)))
    else:
        return
    for key in keys:
        child = node._get_node(key)
        if key == "_target_" and not child._is_interpolation() and child._value() in MOVED_TARGETS:
            with read_write(node):
                node[key] = MOVED_TARGETS[child._value()]
        elif isinstance(child, (DictConfig, ListConfig)):
            rewrite_moved_targets(child)


def check_targets(node, where: str = "") -> None:
    """Every `_target_` under `node` (a DictConfig, resolved) is in ALLOWED_TARGETS."""
    from omegaconf import OmegaConf

    container = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node
    for path, target in _targets(container, where):
        if target not in ALLOWED_TARGETS:
            raise ForecastError(
                f"{path}._target_={target!r} is not an allowed target (an unknown name, or one that could run code "
                f"or write outside the run): use one of {_allowed_for(path)}"
            )


def check_declared_keys(node, where: str = "") -> None:
    """Every key of a schema-typed node is a field of its schema: `+data.sepparator=x` or a key planted in
    a saved run is refused like any unknown key (Hydra's `+` opens the node, and OmegaConf.to_object drops
    the extra key silently)."""
    from omegaconf import DictConfig, OmegaConf

    if not isinstance(node, DictConfig):
        return
    schema = OmegaConf.get_type(node)
    if dataclasses.is_dataclass(schema):
        fields = {field.name for field in dataclasses.fields(schema)}
        unknown = sorted(str(key) for key in node.keys() if key not in fields)
        if unknown:
            prefix = f"{where}." if where else ""
            raise ForecastError(
                f"unknown key '{prefix}{unknown[0]}': {schema.__name__} has no such key "
                f"(known: {', '.join(sorted(fields))}); check the spelling"
            )
    for key in node.keys():
        child = node._get_node(key)
        if isinstance(child, DictConfig):
            check_declared_keys(child, f"{where}.{key}" if where else str(key))


def _targets(node: Any, where: str) -> Iterator[Tuple[str, str]]:
    if isinstance(node, dict):
        if "_target_" in node:
            yield where or "<root>", str(node["_target_"])
        for key, value in node.items():
            yield from _targets(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _targets(value, f"{where}[{index}]")


def _allowed_for(path: str) -> str:
    """The allowed targets of the kind this place takes (all of them where no kind is clear)."""
    kinds = {
        "callbacks": (
            f"keras.callbacks.{{{', '.join(_KERAS_CALLBACKS)}}}, forecast_cli.trainer.callbacks.{{EarlyStopping, EpochDecay}}"
        ),
        "learning_rate": f"keras.optimizers.schedules.{{{', '.join(_KERAS_SCHEDULES)}}}, forecast_cli.trainer.schedules.OneCycle",
        "optimizer": f"keras.optimizers.{{{', '.join(_KERAS_OPTIMIZERS)}}}",
    }
    for kind, names in kinds.items():
        if kind in path:
            return names
    return "; ".join(kinds.values())
