"""Options every training loop shares."""

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from forecast_cli.metrics import LOSSES
from forecast_cli.registry import require

VERBOSITY = ("auto", "bar", "epoch", "silent")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


@dataclass
class TensorBoardConfig:
    enabled: bool = True
    histogram_freq: int = 0
    write_graph: bool = True
    update_freq: str = "epoch"


@dataclass
class TrainerConfig:
    name: str = "???"
    epochs: int = 20
    batch_size: int = 32  # per replica; the global batch is batch_size * replicas
    loss: str = "mse"
    deterministic: bool = False
    verbose: str = "auto"  # auto: a progress bar on a terminal, one line per epoch otherwise
    # Keras callbacks as a keyed dict of `_target_` nodes; set an entry to null to drop it.
    callbacks: Dict[str, Any] = field(default_factory=dict)
    tensorboard: TensorBoardConfig = field(default_factory=TensorBoardConfig)
    eval_batch_size: Optional[int] = None  # None: batch_size
    # mixed_*: compute in 16 bits, keep float32 weights; falls back to float32 where the device cannot
    precision: str = "float32"

    def __post_init__(self) -> None:
        require(self.epochs >= 0, "trainer.epochs", f"must be >= 0, got {self.epochs}")
        require(self.batch_size >= 1, "trainer.batch_size", f"must be >= 1, got {self.batch_size}")
        require(self.loss in LOSSES, "trainer.loss", f"must be one of {', '.join(LOSSES)}, got '{self.loss}'")
        require(self.verbose in VERBOSITY, "trainer.verbose", f"must be one of {', '.join(VERBOSITY)}")
        require(
            self.precision in PRECISIONS, "trainer.precision", f"must be one of {', '.join(PRECISIONS)}, got '{self.precision}'"
        )
        require(
            self.eval_batch_size is None or self.eval_batch_size >= 1,
            "trainer.eval_batch_size",
            f"must be >= 1 or null, got {self.eval_batch_size}",
        )
