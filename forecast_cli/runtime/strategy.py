"""The `strategy` config group: which tf.distribute strategy trains the model."""

from dataclasses import dataclass
from typing import Any, List, Optional

from omegaconf import MISSING

from forecast_cli.runtime.cluster import MULTI_WORKER, check_tpu_reachable, require_cluster
from forecast_cli.errors import ForecastError, require

STRATEGIES = ("auto", "cpu", "gpu", "mirrored", MULTI_WORKER, "tpu")


@dataclass
class StrategyConfig:
    name: str = MISSING
    # one_device strategies: the device to use (cpu: "/cpu:0", gpu: "/gpu:0")
    device: Optional[str] = MISSING
    # mirrored on a host without GPUs: split the CPU into this many logical devices (0: do not split)
    logical_cpus: int = MISSING
    # multi_worker: host:port of every worker, and this process's index; empty: the cluster of TF_CONFIG
    workers: List[str] = MISSING
    task_index: int = MISSING
    # tpu: a Cloud TPU name, "local" (a TPU VM), or grpc://host:port
    tpu: str = MISSING
    connect_timeout_s: float = MISSING

    def __post_init__(self) -> None:
        require(self.name in STRATEGIES, "strategy.name", f"must be one of {', '.join(STRATEGIES)}, got '{self.name}'")
        require(self.logical_cpus >= 0, "strategy.logical_cpus", f"must be >= 0, got {self.logical_cpus}")
        require(self.connect_timeout_s > 0, "strategy.connect_timeout_s", f"must be > 0, got {self.connect_timeout_s}")
        require(bool(self.tpu), "strategy.tpu", "must name a TPU, 'local', or grpc://host:port")


def store_schemas(config_store: Any) -> None:
    config_store.store(group="schema/strategy", name="strategy", node=StrategyConfig)


def check_trainer_supported(strategy_cfg, trainer_name: str) -> None:
    """Combinations that cannot work, refused before anything runs."""
    if strategy_cfg.name == MULTI_WORKER and trainer_name == "fit":
        raise ForecastError(
            "strategy=multi_worker needs trainer=custom: Keras 3 Model.fit cannot run under "
            "MultiWorkerMirroredStrategy (keras-team/keras#20585)"
        )
    require_cluster(strategy_cfg)


# strategies that split every batch across replicas (mirrored: even on one device, by its kind)
MULTI_REPLICA = ("mirrored", MULTI_WORKER, "tpu")


def check_single_replica(strategy_cfg, why: str) -> None:
    """For training that needs every batch on one replica (`why` says what needs it), refused before anything runs."""
    if strategy_cfg.name in MULTI_REPLICA:
        raise ForecastError(
            f"strategy={strategy_cfg.name} splits every batch across replicas, but {why}: use strategy=auto, cpu or gpu"
        )


def check_one_replica(strategy, why: str) -> None:
    """The same once the strategy exists: strategy=auto mirrors over every GPU of a host with several."""
    replicas = int(strategy.num_replicas_in_sync)
    if replicas > 1:
        raise ForecastError(
            f"the strategy has {replicas} replicas (strategy=auto on a host with several GPUs), but {why}: "
            "use strategy=gpu (one device)"
        )


def make_strategy(cfg):
    """The tf.distribute strategy for `cfg`; call before TensorFlow runs any op."""
    import tensorflow as tf

    if cfg.name == MULTI_WORKER:
        return _multi_worker_strategy(cfg)
    if cfg.name == "tpu":
        return _tpu_strategy(cfg)
    gpus = tf.config.list_physical_devices("GPU")
    if cfg.name == "mirrored" and not gpus and cfg.logical_cpus > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * int(cfg.logical_cpus)
        )
    if cfg.name == "auto":
        if len(gpus) > 1:
            return tf.distribute.MirroredStrategy()
        # TensorFlow's default strategy: ops go to the GPU when there is one. OneDeviceStrategy would
        # add a distributed iterator that cost ~1 s per epoch on a 2-core CPU (docs/performance.md).
        return tf.distribute.get_strategy()
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


def _multi_worker_strategy(cfg):
    import tensorflow as tf

    resolver = None  # TFConfigClusterResolver: the cluster of TF_CONFIG
    if cfg.workers:
        resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
            tf.train.ClusterSpec({"worker": list(cfg.workers)}),
            task_type="worker",
            task_id=int(cfg.task_index),
            rpc_layer="grpc",
        )
    return tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)


def _tpu_strategy(cfg):
    import tensorflow as tf

    check_tpu_reachable(cfg.tpu, float(cfg.connect_timeout_s))
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=cfg.tpu)
        if cfg.tpu != "local":
            tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, OSError, tf.errors.OpError) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ForecastError(
            f"no TPU available at strategy.tpu='{cfg.tpu}' ({first_line}); train with strategy=auto instead"
        ) from exc
    return tf.distribute.TPUStrategy(resolver)
