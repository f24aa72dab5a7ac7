"""The options every data config shares."""

from dataclasses import dataclass, field
from typing import List

from forecast_cli.data.scaling import SCALERS
from forecast_cli.data.split import SplitConfig
from forecast_cli.errors import require


@dataclass
class DataConfig:
    name: str = "???"
    scaler: str = "standard"
    scaler_range: List[float] = field(default_factory=lambda: [0.0, 1.0])
    split: SplitConfig = field(default_factory=SplitConfig)

    def __post_init__(self) -> None:
        require(self.scaler in SCALERS, "data.scaler", f"must be one of {', '.join(SCALERS)}, got '{self.scaler}'")
        require(
            len(self.scaler_range) == 2 and self.scaler_range[0] < self.scaler_range[1],
            "data.scaler_range",
            f"must be [low, high] with low < high, got {list(self.scaler_range)}",
        )
