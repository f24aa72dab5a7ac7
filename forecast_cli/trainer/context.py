"""What a training loop receives (assembled by `session.run_training`)."""

import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List

from forecast_cli.run.layout import RunDir


@dataclass
class TrainingContext:
    model: Any  # keras.Model, built in strategy.scope()
    optimizer: Any
    loss: Any
    datasets: Dict[str, Any]  # "train" (shuffled) and "val" tf.data pipelines, global batches
    cfg: Any  # the trainer config node
    run: RunDir
    strategy: Any
    # Every Keras callback of the run, in the order `run_callbacks.build_callbacks` gives them. A loop
    # drives them all (through keras.callbacks.CallbackList) and honours model.stop_training.
    callbacks: List[Any] = field(default_factory=list)
    initial_epoch: int = 0  # > 0 when resuming: the epochs already completed


def keras_verbosity(mode: str) -> int:
    """`trainer.verbose` as Keras' number: auto (a bar on a terminal, else a line per epoch), bar,
    epoch, silent, or Keras' own 0, 1, 2."""
    if mode == "auto":
        return 1 if sys.stdout.isatty() else 2
    if mode in ("0", "1", "2"):
        return int(mode)
    return {"bar": 1, "epoch": 2, "silent": 0}[mode]
