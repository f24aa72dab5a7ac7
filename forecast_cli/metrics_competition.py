"""The forecasting competitions' metrics (M3, M4, tourism, the Monash archive), per series in real units,
then averaged over series:

- sMAPE = mean over a series' forecast values of 200 |F - A| / (|A| + |F|) (0 where A = F = 0), in percent;
- MASE = the series' MAE over the in-sample MAE of the seasonal naive forecast y[t - season] on the rows
  before the forecast (lag 1 when the in-sample part is no longer than a season; NaN when that MAE is 0);
- MAE and RMSE of each series;
- OWA = (sMAPE / sMAPE of the naive + MASE / MASE of the naive) / 2 on the averages over series (M4's
  definition), where the naive forecast is the seasonal naive computed here from the same origins.

A series' scores pool all its forecast windows and label columns (MASE scales each column by its own
in-sample naive MAE). The averages over series skip NaN MASEs and say how many there were.
"""

from typing import TYPE_CHECKING, Any, Dict, List, Sequence

if TYPE_CHECKING:
    import numpy as np

SERIES_METRICS = ("real_mae", "real_rmse", "real_smape", "mase", "naive_smape", "naive_mase")
PANEL_METRICS = SERIES_METRICS + ("owa", "mase_undefined_series")  # the averages over series of a split
SCALED_METRICS = ("mase", "naive_mase")  # NaN where a series' in-sample naive error is 0: undefined, not wrong


def smape_terms(actual: "np.ndarray", forecast: "np.ndarray") -> "np.ndarray":
    """200 |F - A| / (|A| + |F|) elementwise, 0 where both are 0, NaN where either is NaN or infinite."""
    import numpy as np

    actual, forecast = np.asarray(actual, np.float64), np.asarray(forecast, np.float64)
    magnitude = np.abs(actual) + np.abs(forecast)
    with np.errstate(invalid="ignore"):  # inf / inf: NaN, as wanted
        terms = np.divide(200.0 * np.abs(forecast - actual), magnitude, out=np.zeros_like(magnitude), where=magnitude != 0)
    return terms


def mase_scale(insample: "np.ndarray", season: int) -> float:
    """Mean |y[t] - y[t - season]| over the in-sample values (lag 1 when there are no more than `season`
    of them); NaN when it is 0 or there is nothing to difference."""
    import numpy as np

    insample = np.asarray(insample, dtype=np.float64)
    lag = season if len(insample) > season else 1
    if len(insample) <= lag:
        return float("nan")
    scale = float(np.mean(np.abs(insample[lag:] - insample[:-lag])))
    return scale if scale > 0 else float("nan")


def seasonal_naive(history: "np.ndarray", steps: int, season: int) -> "np.ndarray":
    """The next `steps` values of `history` [time, ...] as the seasonal naive forecasts them: the value one
    season earlier, repeated season after season (the last value when the history is shorter than a season)."""
    import numpy as np

    history = np.asarray(history)
    if len(history) < season:
        return np.repeat(history[-1:], steps, axis=0)
    return history[len(history) - season + np.arange(steps) % season]


def naive_source_rows(label_rows: "np.ndarray", origin: "np.ndarray", season: int) -> "np.ndarray":
    """The row whose value the seasonal naive gives for every label row (both rows of one series):
    `label - k * season` with the smallest k >= 1 that lands before `origin` (the first row not observed);
    `origin - 1` (the last observed value) where that row would be before the series' start."""
    import numpy as np

    origin = np.asarray(origin)[..., None] if np.ndim(origin) < np.ndim(label_rows) else origin
    seasons_back = np.maximum((label_rows - origin) // season + 1, 1)
    source = label_rows - seasons_back * season
    return np.where(source >= 0, source, origin - 1)


class SeriesScores:
    """Per-series error sums over batches of windows, so that scoring a split never holds all its windows."""

    KEYS = ("abs", "sq", "smape", "scaled", "naive_smape", "naive_scaled")

    def __init__(self, n_series: int):
        import numpy as np

        self.n_series = n_series
        self.windows = np.zeros(n_series)
        self.values = np.zeros(n_series)
        self.sums = {key: np.zeros(n_series) for key in self.KEYS}

    def update(self, actual, forecast, naive, series, scales) -> None:
        """Windows' actual, forecast and naive values [windows, steps, columns] (real units), the series of
        every window [windows], and the MASE scale of every series and column [n_series, columns]."""
        import numpy as np

        if len(series) == 0:
            return
        window_scales = scales[series][:, None, :]  # [windows, 1, columns]
        error, naive_error = np.abs(forecast - actual), np.abs(naive - actual)
        terms = {
            "abs": error,
            "sq": error**2,
            "smape": smape_terms(actual, forecast),
            "scaled": error / window_scales,
            "naive_smape": smape_terms(actual, naive),
            "naive_scaled": naive_error / window_scales,
        }
        self.windows += np.bincount(series, minlength=self.n_series)
        self.values += np.bincount(series, minlength=self.n_series) * actual[0].size
        for key, value in terms.items():
            self.sums[key] += np.bincount(series, weights=value.reshape(len(value), -1).sum(axis=1), minlength=self.n_series)

    def result(self) -> Dict[str, "np.ndarray"]:
        """windows [n_series] and SERIES_METRICS [n_series] (NaN for a series without windows)."""
        import numpy as np

        with np.errstate(invalid="ignore", divide="ignore"):
            mean = {key: value / self.values for key, value in self.sums.items()}
            return {
                "windows": self.windows.astype(np.int64),
                "real_mae": mean["abs"],
                "real_rmse": np.sqrt(mean["sq"]),
                "real_smape": mean["smape"],
                "mase": mean["scaled"],
                "naive_smape": mean["naive_smape"],
                "naive_mase": mean["naive_scaled"],
            }


def score_series(
    actual: "np.ndarray",
    forecast: "np.ndarray",
    naive: "np.ndarray",
    series: "np.ndarray",
    scales: "np.ndarray",
    n_series: int,
) -> Dict[str, "np.ndarray"]:
    """`SeriesScores` of one batch of windows: per series, windows and SERIES_METRICS."""
    scores = SeriesScores(n_series)
    scores.update(actual, forecast, naive, series, scales)
    return scores.result()


def aggregate(scores: Dict[str, "np.ndarray"]) -> Dict[str, Any]:
    """Means over the series that have windows (MASEs undefined by a zero in-sample naive error skipped and
    counted; any other NaN makes its mean NaN), and OWA."""
    import numpy as np

    scored = scores["windows"] > 0
    result: Dict[str, Any] = {"series": int(scored.sum())}
    for name in SERIES_METRICS:
        values = scores[name][scored]
        if name in SCALED_METRICS:
            values = values[np.isfinite(values)]
        result[name] = float(values.mean()) if len(values) else float("nan")
    result["owa"] = owa(result["real_smape"], result["mase"], result["naive_smape"], result["naive_mase"])
    undefined = int((~np.isfinite(scores["mase"][scored])).sum())
    if undefined:
        result["mase_undefined_series"] = undefined
    return result


def owa(smape: float, mase: float, naive_smape: float, naive_mase: float) -> float:
    """M4's overall weighted average relative to the naive: (sMAPE/sMAPE_naive + MASE/MASE_naive) / 2."""
    if not naive_smape or not naive_mase:
        return float("nan")
    return 0.5 * (smape / naive_smape + mase / naive_mase)


def series_rows(ids: Sequence[str], scores: Dict[str, "np.ndarray"], **keys: Any) -> List[Dict[str, Any]]:
    """One row per series with windows: `keys` (e.g. split=test), id, windows and SERIES_METRICS."""
    rows = []
    for i, name in enumerate(ids):
        if scores["windows"][i] == 0:
            continue
        row: Dict[str, Any] = {**keys, "id": name, "windows": int(scores["windows"][i])}
        row.update({metric: float(scores[metric][i]) for metric in SERIES_METRICS})
        rows.append(row)
    return rows
