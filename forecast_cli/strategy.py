"""The `strategy` config group: which tf.distribute strategy trains the model."""

from dataclasses import dataclass
from typing import Any, Optional

from forecast_cli.errors import ForecastError
from forecast_cli.registry import require

STRATEGIES = ("auto", "cpu", "gpu", "mirrored")


@dataclass
class StrategyConfig:
    name: str = "auto"
    # one_device strategies: the device to use (cpu: "/cpu:0", gpu: "/gpu:0")
    device: Optional[str] = None
    # mirrored on a host without GPUs: split the CPU into this many logical devices (0: do not split)
    logical_cpus: int = 0

    def __post_init__(self) -> None:
        require(self.name in STRATEGIES, "strategy.name", f"must be one of {', '.join(STRATEGIES)}, got '{self.name}'")
        require(self.logical_cpus >= 0, "strategy.logical_cpus", f"must be >= 0, got {self.logical_cpus}")


def store_schemas(config_store: Any) -> None:
    config_store.store(group="schema/strategy", name="strategy", node=StrategyConfig)


def make_strategy(cfg):
    """The tf.distribute strategy for `cfg`; call before TensorFlow runs any op."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if cfg.name == "mirrored" and not gpus and cfg.logical_cpus > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * int(cfg.logical_cpus)
        )
    if cfg.name == "auto":
        if len(gpus) > 1:
            return tf.distribute.MirroredStrategy()
        return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")
    if cfg.name == "cpu":
        return tf.distribute.OneDeviceStrategy(cfg.device or "/cpu:0")
    if cfg.name == "gpu":
        if not gpus:
            raise ForecastError("strategy=gpu but TensorFlow sees no GPU: use strategy=auto or strategy=cpu")
        return tf.distribute.OneDeviceStrategy(cfg.device or "/gpu:0")
    if gpus:
        return tf.distribute.MirroredStrategy()
    devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices=devices)
