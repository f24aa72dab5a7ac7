"""The sin->cos article's task: from sin(x) predict cos(x), x = t / (10 pi) for t = 0, 1, ... (one long series)."""

from dataclasses import dataclass

from omegaconf import MISSING

from forecast_cli.data.loaders import DATA
from forecast_cli.data.loaders.base import DataConfig
from forecast_cli.data.series import SPLIT_BY_TIME, SeriesData
from forecast_cli.errors import require
from forecast_cli.run.provenance import sha256_bytes


@dataclass
class SinCosDataConfig(DataConfig):
    rows: int = MISSING  # the article's 200 batches advance 20 steps each over 50 x 20-step sequences

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.rows >= 10, "data.rows", f"must be >= 10, got {self.rows}")


@DATA.register("sincos", SinCosDataConfig)
def load_sincos(cfg: SinCosDataConfig, window_rows: int) -> SeriesData:
    import numpy as np

    x = np.arange(cfg.rows, dtype=np.float64) / (10 * np.pi)
    values = np.stack([np.sin(x), np.cos(x)], axis=1)
    return SeriesData(
        segments=[values],
        columns=["sin", "cos"],
        targets=["cos"],
        split_by=SPLIT_BY_TIME,
        source=f"sincos(rows={cfg.rows})",
        ids=["sincos"],
        sha256=sha256_bytes(values.tobytes()),
    )
