"""Options every training loop shares. Their values are in conf/_base/trainer.yaml (`???` here: one
source of truth); the schema gives their types and ranges."""

from dataclasses import dataclass
from typing import Any, Dict, Optional

from omegaconf import MISSING

from forecast_cli.errors import require
from forecast_cli.evaluation.names import LOSSES

VERBOSITY = ("auto", "bar", "epoch", "silent", "0", "1", "2")  # or Keras' own numbers
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


@dataclass
class TensorBoardConfig:
    enabled: bool = MISSING
    histogram_freq: int = MISSING
    write_graph: bool = MISSING
    update_freq: str = MISSING


@dataclass
class TrainerConfig:
    name: str = MISSING
    epochs: int = MISSING
    batch_size: int = MISSING  # per replica; the global batch is batch_size * replicas
    loss: str = MISSING
    deterministic: bool = MISSING
    verbose: str = MISSING  # auto: a progress bar on a terminal, one line per epoch otherwise
    # Keras callbacks as a keyed dict of `_target_` nodes; set an entry to null to drop it.
    callbacks: Dict[str, Any] = MISSING
    tensorboard: TensorBoardConfig = MISSING
    eval_batch_size: Optional[int] = MISSING  # None: batch_size
    # mixed_*: compute in 16 bits, keep float32 weights; falls back to float32 where the device cannot
    precision: str = MISSING
    # PyTorch's drop_last, as Informer-lineage code (PatchTST's) loads data: training and validation windows
    # shuffled every epoch, batched at batch_size, the last partial batch of each left out
    drop_last: bool = MISSING

    def __post_init__(self) -> None:
        require(self.epochs >= 0, "trainer.epochs", f"must be >= 0, got {self.epochs}")
        require(self.batch_size >= 1, "trainer.batch_size", f"must be >= 1, got {self.batch_size}")
        require(self.loss in LOSSES, "trainer.loss", f"must be one of {', '.join(LOSSES)}, got '{self.loss}'")
        require(self.verbose in VERBOSITY, "trainer.verbose", f"must be one of {', '.join(VERBOSITY)}, got '{self.verbose}'")
        require(
            self.precision in PRECISIONS, "trainer.precision", f"must be one of {', '.join(PRECISIONS)}, got '{self.precision}'"
        )
        require(
            self.eval_batch_size is None or self.eval_batch_size >= 1,
            "trainer.eval_batch_size",
            f"must be >= 1 or null, got {self.eval_batch_size}",
        )
