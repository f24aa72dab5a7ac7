"""The seasonal naive forecast and the MASE it scales by: one definition for every run, backtest and panel.

MASE (Hyndman & Koehler 2006, the M4 and Monash definition) = a series' MAE over the in-sample MAE of the
seasonal naive y[t - season] on the rows before the forecast. When the in-sample part is no longer than a
season, lag 1 is used instead (the M4 code's fallback); NaN when that MAE is 0 or there is nothing to difference.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def mase_scale(insample, season: int) -> float:
    """Mean |y[t] - y[t - season]| over the in-sample values [time, ...] (all columns pooled), lag 1 when there
    are no more than `season` of them; NaN when it is 0 or there is nothing to difference."""
    import numpy as np

    if season < 1:
        raise ValueError(f"season must be >= 1, got {season}")
    insample = np.asarray(insample, dtype=np.float64)
    lag = season if len(insample) > season else 1
    if len(insample) <= lag:
        return float("nan")
    scale = float(np.mean(np.abs(insample[lag:] - insample[:-lag])))
    # a constant in-sample series has no naive error to scale by: undefined, and a NaN lets the others report
    return scale if scale > 0 else float("nan")


def mase(actual, forecast, insample, season: int) -> float:
    """The MAE of `forecast` over `mase_scale(insample, season)`: below 1, better than the seasonal naive."""
    import numpy as np

    error = np.abs(np.asarray(forecast, np.float64) - np.asarray(actual, np.float64))
    return float(error.mean()) / mase_scale(insample, season)


def seasonal_naive(history, steps: int, season: int) -> "np.ndarray":
    """The next `steps` values of `history` [time, ...] as the seasonal naive forecasts them: the value one
    season earlier, repeated season after season (the last value when the history is shorter than a season)."""
    import numpy as np

    history = np.asarray(history)
    if len(history) < season:
        return np.repeat(history[-1:], steps, axis=0)
    return history[len(history) - season + np.arange(steps) % season]


def naive_source_rows(label_rows, origin, season: int) -> "np.ndarray":
    """The row whose value the seasonal naive gives for every label row (both rows of one series):
    `label - k * season` with the smallest k >= 1 that lands before `origin` (the first row not observed);
    `origin - 1` (the last observed value) where that row would be before the series' start."""
    import numpy as np

    label_rows = np.asarray(label_rows)
    origin = np.asarray(origin)
    origin = origin.reshape(origin.shape + (1,) * (label_rows.ndim - origin.ndim))
    seasons_back = np.maximum((label_rows - origin) // season + 1, 1)
    source = label_rows - seasons_back * season
    return np.where(source >= 0, source, origin - 1)
