"""Hands-On ML chapter 15's synthetic data: many short series, each the sum of two sines plus noise.

The generator draws from a seeded legacy RandomState in the book's order, so seed 42 gives the
book's series. Whole series are split 70/20/10 (the book's 7000/2000/1000 of 10,000).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from omegaconf import MISSING

from forecast_cli.data.loaders import DATA
from forecast_cli.data.loaders.base import DataConfig
from forecast_cli.data.series import SPLIT_BY_SERIES, SeriesData
from forecast_cli.errors import require
from forecast_cli.run.provenance import sha256_bytes

if TYPE_CHECKING:
    import numpy as np


@dataclass
class SineDataConfig(DataConfig):
    n_series: int = MISSING
    # None: exactly one window per series (input_width + shift steps), the book's protocol.
    length: Optional[int] = MISSING
    seed: int = MISSING

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.n_series >= 3, "data.n_series", f"must be >= 3 (one series per split), got {self.n_series}")
        require(self.length is None or self.length >= 2, "data.length", f"must be >= 2, got {self.length}")


def generate_time_series(n_series: int, n_steps: int, seed: int) -> "np.ndarray":
    """[n_series, n_steps] float64: 0.5 sin + 0.2 sin of random frequencies and phases, + noise."""
    import numpy as np

    rng = np.random.RandomState(seed)
    freq1, freq2, offsets1, offsets2 = rng.rand(4, n_series, 1)
    time = np.linspace(0, 1, n_steps)
    series = 0.5 * np.sin((time - offsets1) * (freq1 * 10 + 10))
    series += 0.2 * np.sin((time - offsets2) * (freq2 * 20 + 20))
    series += 0.1 * (rng.rand(n_series, n_steps) - 0.5)
    return series


@DATA.register("sine", SineDataConfig)
def load_sine(cfg: SineDataConfig, window_rows: int) -> SeriesData:
    length = cfg.length if cfg.length is not None else window_rows
    series = generate_time_series(cfg.n_series, length, cfg.seed)
    return SeriesData(
        segments=[row[:, None] for row in series],
        columns=["value"],
        targets=["value"],
        split_by=SPLIT_BY_SERIES,
        source=f"sine(n_series={cfg.n_series}, length={length}, seed={cfg.seed})",
        sha256=sha256_bytes(series.tobytes()),
    )
