"""Chronological train/val/test splits: the exact row boundaries of both protocols.

tutorial (TensorFlow tutorial): [0, int(n*0.7)), [int(n*0.7), int(n*0.9)), [int(n*0.9), n); windows stay
inside their split. ltsf (Time-Series-Library): n_train = int(n*0.7), n_test = int(n*0.2), n_val the rest,
or fixed row counts (ETT: 8640/2880/2880 hours); validation and test start `lookback` rows early (the
window's input part), so that their first target is the split's first row. Each protocol has its own
validation share (tutorial 0.2, ltsf 0.1) and its source's standard deviation (tutorial: pandas'
ddof=1; ltsf: scikit-learn's StandardScaler, ddof=0).
SPLIT_BY_SERIES assigns whole series instead (the Hands-On ML protocol for many short series).
competition (M3, M4, tourism, the Monash archive): the last `horizon` rows of every series are its test,
the `horizon` rows before them its validation, the rest its training; validation and test start
`lookback` rows early, as under ltsf. The fractions are not used.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from omegaconf import MISSING

from forecast_cli.data.series import SPLIT_BY_SERIES, SeriesData
from forecast_cli.errors import ForecastError, require

if TYPE_CHECKING:
    import numpy as np

SPLITS = ("train", "val", "test")
# tutorial: windows inside each split; ltsf (Time-Series-Library): validation and test windows look
# back into the previous split, so that their first target is the split's first row; competition: the
# last horizon rows of every series are its test, the horizon before them its validation
PROTOCOLS = ("tutorial", "ltsf", "competition")
DEFAULT_VAL = {"tutorial": 0.2, "ltsf": 0.1, "competition": 0.2}  # tutorial 70/20/10, TSLib 70/10/20 (competition: unused)
SCALER_DDOF = {"tutorial": 1, "ltsf": 0, "competition": 1}  # pandas' DataFrame.std; scikit-learn's StandardScaler


@dataclass
class SplitConfig:
    """Chronological fractions; the test split gets the rest (tutorial: 70/20/10, ltsf: 7:1:2)."""

    protocol: str = MISSING
    train: float = MISSING
    val: Optional[float] = MISSING  # None: the protocol's share (DEFAULT_VAL)
    # ltsf only: fixed [train, val, test] row counts from the first row (ETTh: 12/4/4 months of 720
    # hours); rows after them are unused. null: the fractions. A test of 0 rows (or train + val = 1)
    # trains on everything: the run then has no test split and no test metrics.
    rows: Optional[List[int]] = MISSING

    def __post_init__(self) -> None:
        require(self.protocol in PROTOCOLS, "data.split.protocol", f"must be one of {', '.join(PROTOCOLS)}, got '{self.protocol}'")
        require(
            self.rows is None or (len(self.rows) == 3 and min(self.rows[:2]) >= 1 and self.rows[2] >= 0),
            "data.split.rows",
            f"must be null or [train, val, test] row counts (train, val >= 1, test >= 0), got {self.rows}",
        )
        require(self.rows is None or self.protocol == "ltsf", "data.split.rows", "needs data.split.protocol=ltsf")
        require(0 < self.train < 1, "data.split.train", f"must be in (0, 1), got {self.train}")
        val = val_share(self)
        require(0 <= val < 1, "data.split.val", f"must be in [0, 1), got {val}")
        require(
            round(self.train + val, 12) <= 1,
            "data.split",
            f"train + val cannot exceed 1 (got {self.train} + {val}; 1 trains on every row): lower one of them",
        )


def val_share(cfg) -> float:
    """data.split.val, or its protocol's default when null (runs saved before it was optional have 0.2)."""
    val = getattr(cfg, "val", None)
    return float(DEFAULT_VAL[cfg.protocol] if val is None else val)


def scaler_ddof(cfg) -> int:
    """The standard deviation's degrees of freedom of the protocol's source."""
    return SCALER_DDOF[cfg.protocol]


def split_bounds(n: int, cfg: SplitConfig) -> Tuple[int, int]:
    """Indices where val and test start, as the tutorial computes them: int(n*0.7), int(n*0.9).

    The rounding keeps 0.7 + 0.2 (= 0.8999999999999999 in floating point) from moving a boundary.
    """
    return int(n * cfg.train), int(n * round(cfg.train + val_share(cfg), 12))


def split_ranges(n: int, cfg: SplitConfig, lookback: int, horizon: Optional[int] = None) -> Dict[str, Tuple[int, int]]:
    """[start, end) rows of each split of a series of n rows (`horizon`: the competition protocol's)."""
    if cfg.protocol == "competition":
        return competition_ranges(n, horizon, lookback)
    if cfg.protocol == "tutorial":
        val_start, test_start = split_bounds(n, cfg)
        return {"train": (0, val_start), "val": (val_start, test_start), "test": (test_start, n)}
    if cfg.rows is not None:
        n_train, n_val, n_test = cfg.rows
        if n_train + n_val + n_test > n:
            raise ForecastError(
                f"data.split.rows {list(cfg.rows)} need {n_train + n_val + n_test} rows but the data has {n}: "
                "lower them or use the fractions (data.split.rows=null)"
            )
    else:
        n_train, n_test = int(n * cfg.train), int(n * round(1 - cfg.train - val_share(cfg), 12))
        n_val = n - n_train - n_test
    val_start, test_start = n_train, n_train + n_val
    return {
        "train": (0, val_start),
        "val": (max(val_start - lookback, 0), test_start),
        "test": (max(test_start - lookback, 0) if n_test else test_start, test_start + n_test),
    }


def competition_ranges(n: int, horizon: Optional[int], lookback: int) -> Dict[str, Tuple[int, int]]:
    """The last `horizon` rows test, the `horizon` before them validation, the rest training; validation
    and test lead by `lookback` rows. A series of 2 * horizon rows or fewer has no training rows."""
    if horizon is None or horizon < 1:
        raise ForecastError(
            "data.split.protocol=competition needs the forecast horizon: set data.horizon (a .tsf file's @horizon gives it)"
        )
    test_start, val_start = max(n - horizon, 0), max(n - 2 * horizon, 0)
    return {
        "train": (0, val_start),
        "val": (max(val_start - lookback, 0), test_start),
        "test": (max(test_start - lookback, 0), n),
    }


def split_series(
    data: SeriesData, cfg: SplitConfig, lookback: int = 0, horizon: Optional[int] = None
) -> "Dict[str, List[np.ndarray]]":
    """The segments of each split; `lookback` rows of the previous split lead val and test under ltsf."""
    return split_segments(data.segments, data.split_by, cfg, lookback, horizon)


def split_segments(
    segments: list, split_by: str, cfg: SplitConfig, lookback: int = 0, horizon: Optional[int] = None
) -> Dict[str, list]:
    """`split_series` for any arrays aligned with the series' rows (values, or their timestamps)."""
    if split_by == SPLIT_BY_SERIES:
        val_start, test_start = split_bounds(len(segments), cfg)
        return {
            "train": segments[:val_start],
            "val": segments[val_start:test_start],
            "test": segments[test_start:],
        }
    parts: Dict[str, list] = {name: [] for name in SPLITS}
    for segment in segments:
        for name, (start, end) in split_ranges(len(segment), cfg, lookback, horizon).items():
            parts[name].append(segment[start:end])
    return parts
