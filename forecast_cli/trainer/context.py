"""What a training loop receives, and the callbacks that every loop installs."""

import sys
from dataclasses import dataclass
from typing import Any, Dict, List

from forecast_cli.run_layout import RunDir


@dataclass
class TrainingContext:
    model: Any  # keras.Model, built in strategy.scope()
    optimizer: Any
    loss: Any
    datasets: Dict[str, Any]  # "train" (shuffled) and "val" tf.data pipelines, global batches
    cfg: Any  # the trainer config node
    run: RunDir
    strategy: Any
    initial_epoch: int = 0  # epochs already done (a resumed run): both loops start counting here


def keras_verbosity(mode: str) -> int:
    if mode == "auto":
        return 1 if sys.stdout.isatty() else 2
    return {"bar": 1, "epoch": 2, "silent": 0}[mode]


def build_callbacks(cfg, run: RunDir) -> List[Any]:
    """User callbacks from `trainer.callbacks` (`_target_` nodes) plus TensorBoard."""
    import keras
    from hydra.utils import instantiate

    callbacks = [instantiate(node, _convert_="all") for node in cfg.callbacks.values() if node is not None]
    if cfg.tensorboard.enabled:
        callbacks.append(
            keras.callbacks.TensorBoard(
                log_dir=str(run.tensorboard_dir),
                histogram_freq=cfg.tensorboard.histogram_freq,
                write_graph=cfg.tensorboard.write_graph,
                update_freq=cfg.tensorboard.update_freq,
            )
        )
    return callbacks
