"""Real-unit error sums per series and label column over batches of windows (scoring a split never holds all
its windows), the figures of every series, and their reduction to the figures of a split.

A series' figures pool all its forecast values (every window, step and label column; MASE scales each column
by its own in-sample naive MAE). A split's figures are the means over its series (the forecasting
competitions' convention: M3, M4, tourism, Monash), where one series is the split of a series cut by time;
where whole series are the samples (data split by series), they pool every value of the split instead.
OWA = (sMAPE / sMAPE of the naive + MASE / MASE of the naive) / 2 on those figures (M4's definition).
MASEs undefined by a zero in-sample naive error are skipped and counted.
"""

from typing import TYPE_CHECKING, Any, Dict, List, Sequence

from forecast_cli.evaluation.names import COLUMN_METRICS, SERIES_METRICS, column_metric
from forecast_cli.evaluation.point import ape_terms, smape_terms

if TYPE_CHECKING:
    import numpy as np

KEYS = ("abs", "sq", "ape", "smape", "scaled", "naive_smape", "naive_scaled")
SCALED = ("scaled", "naive_scaled")  # summed over the values whose series has a MASE scale only


class SeriesScores:
    """Sums [n_series, n_columns] of every error term, and the values they were summed over."""

    def __init__(self, n_series: int, n_columns: int = 1):
        import numpy as np

        self.n_series, self.n_columns = n_series, n_columns
        self.windows = np.zeros(n_series, dtype=np.int64)
        self.values = np.zeros((n_series, n_columns))
        self.scaled_values = np.zeros((n_series, n_columns))
        self.sums = {key: np.zeros((n_series, n_columns)) for key in KEYS}

    def update(self, actual, forecast, naive, series, scales) -> None:
        """Windows' actual, forecast and naive values [windows, steps, columns] (real units), the series of
        every window [windows], and the MASE scale of every series and column [n_series, columns] (NaN: none)."""
        import numpy as np

        if len(series) == 0:
            return
        actual, forecast, naive = (np.asarray(a, np.float64).reshape(len(series), -1, self.n_columns) for a in (actual, forecast, naive))
        window_scales = scales[series][:, None, :]  # [windows, 1, columns]
        defined = np.isfinite(window_scales)
        safe = np.where(defined, window_scales, 1.0)
        error, naive_error = np.abs(forecast - actual), np.abs(naive - actual)
        terms = {
            "abs": error,
            "sq": error**2,
            "ape": ape_terms(actual, forecast),
            "smape": smape_terms(actual, forecast),
            "scaled": np.where(defined, error / safe, 0.0),
            "naive_smape": smape_terms(actual, naive),
            "naive_scaled": np.where(defined, naive_error / safe, 0.0),
        }
        windows = np.bincount(series, minlength=self.n_series)
        self.windows += windows
        count = windows * float(actual.shape[1])  # values of each series in one column
        for j in range(self.n_columns):
            self.values[:, j] += count
            self.scaled_values[:, j] += count * np.isfinite(scales[:, j])
            for key, value in terms.items():
                self.sums[key][:, j] += np.bincount(series, weights=value[:, :, j].sum(axis=1), minlength=self.n_series)

    def pooled(self) -> "SeriesScores":
        """One row: every series' sums added (the split's values pooled)."""
        total = SeriesScores(1, self.n_columns)
        total.windows[:] = self.windows.sum()
        total.values[:] = self.values.sum(axis=0)
        total.scaled_values[:] = self.scaled_values.sum(axis=0)
        for key, value in self.sums.items():
            total.sums[key][:] = value.sum(axis=0)
        return total

    def result(self) -> Dict[str, "np.ndarray"]:
        """windows [n_series], SERIES_METRICS [n_series] (all columns pooled) and `metric[j]` [n_series] per column
        index j (NaN for a series without windows)."""
        import numpy as np

        def figures(sums, values, scaled_values):
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = {key: sums[key] / (scaled_values if key in SCALED else values) for key in KEYS}
            return {
                "real_mae": mean["abs"],
                "real_rmse": np.sqrt(mean["sq"]),
                "real_mape": 100.0 * mean["ape"],
                "real_smape": mean["smape"],
                "mase": mean["scaled"],
                "naive_smape": mean["naive_smape"],
                "naive_mase": mean["naive_scaled"],
            }

        result: Dict[str, Any] = {"windows": self.windows.copy()}
        result.update(figures({k: v.sum(axis=1) for k, v in self.sums.items()}, self.values.sum(axis=1), self.scaled_values.sum(axis=1)))
        for j in range(self.n_columns):
            by_column = figures({k: v[:, j] for k, v in self.sums.items()}, self.values[:, j], self.scaled_values[:, j])
            result.update({(name, j): value for name, value in by_column.items()})
        return result


def owa(smape: float, mase: float, naive_smape: float, naive_mase: float) -> float:
    """M4's overall weighted average relative to the naive: (sMAPE/sMAPE_naive + MASE/MASE_naive) / 2."""
    if not naive_smape or not naive_mase:
        return float("nan")
    return 0.5 * (smape / naive_smape + mase / naive_mase)


def score_series(actual, forecast, naive, series, scales, n_series: int) -> Dict[str, Any]:
    """`SeriesScores` of one batch of windows: per series, windows and SERIES_METRICS."""
    scores = SeriesScores(n_series, scales.shape[1])
    scores.update(actual, forecast, naive, series, scales)
    return scores.result()


def aggregate(result: Dict[str, Any], columns: Sequence[str] = ()) -> Dict[str, Any]:
    """The means of per-series figures (`SeriesScores.result()`) over the series that have windows: SERIES_METRICS,
    OWA, the series scored, and `metric[column]` per label column."""
    import numpy as np

    rows = result["windows"] > 0
    summary: Dict[str, Any] = {name: _reduce(result[name][rows], name) for name in SERIES_METRICS if name in result}
    summary["owa"] = owa(summary["real_smape"], summary["mase"], summary["naive_smape"], summary["naive_mase"])
    summary["series"] = int(rows.sum())
    undefined = int((~np.isfinite(result["mase"][rows])).sum())
    if undefined:
        summary["mase_undefined_series"] = undefined
    for j, column in enumerate(columns):
        for name in COLUMN_METRICS:
            summary[column_metric(name, column)] = _reduce(result[(name, j)][rows], name)
    return summary


def summarize(scores: SeriesScores, columns: Sequence[str], over_series: bool = True) -> Dict[str, Any]:
    """A split's figures: the means over its series that have windows (`over_series`), else its values pooled
    (then `series` still counts the series scored, and `mase_undefined_series` those without a MASE scale)."""
    if over_series:
        return aggregate(scores.result(), columns)
    per_series = scores.result()
    summary = aggregate(scores.pooled().result(), columns)
    counted = aggregate({key: per_series[key] for key in ("windows", *SERIES_METRICS)})
    summary["series"] = counted["series"]
    summary.pop("mase_undefined_series", None)
    if "mase_undefined_series" in counted:
        summary["mase_undefined_series"] = counted["mase_undefined_series"]
    return summary


def _reduce(values: "np.ndarray", name: str) -> float:
    """The mean; MASEs undefined (NaN) skipped, any other NaN making the mean NaN."""
    import numpy as np

    if name in ("mase", "naive_mase"):
        values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else float("nan")


def series_rows(ids: Sequence[str], scores: SeriesScores, **keys: Any) -> List[Dict[str, Any]]:
    """One row per series with windows: `keys` (e.g. split=test), id, windows and SERIES_METRICS."""
    result = scores.result()
    rows = []
    for i, name in enumerate(ids):
        if result["windows"][i] == 0:
            continue
        row: Dict[str, Any] = {**keys, "id": name, "windows": int(result["windows"][i])}
        row.update({metric: float(result[metric][i]) for metric in SERIES_METRICS})
        rows.append(row)
    return rows
