"""Simple exponential smoothing (ETS(A,N,N)) on every series of a .tsf file, scored as `forecast train` scores
the competition protocol's test: the docs/benchmark.md SES row, computed by our own code.

    python benchmarks/monash_ses.py TSF_FILE

Each series is fit on all its values but the last `horizon` (the archive's training series) by least
squares of the one-step errors, which is ETS(A,N,N)'s maximum likelihood: for a smoothing parameter
alpha the initial level minimizing the squared errors has a closed form (the errors are linear in it);
alpha is searched on a grid over [1e-4, 0.9999] (R's ets bounds) and refined by golden section. The
forecast is the last level, flat. MASE, sMAPE (percent) and the seasonal naive come from
forecast_cli.evaluation, as in the runs.
"""

import json
import sys
import time

import numpy as np

from forecast_cli.config.store import option_object
from forecast_cli.data.loaders.tsf import load_tsf
from forecast_cli.evaluation.by_series import aggregate, score_series
from forecast_cli.evaluation.seasonal import mase_scale, seasonal_naive

LOW, HIGH = 1e-4, 0.9999


def level_path(y: np.ndarray, alpha: float):
    """(c, d): the level before step t is c[t] + d[t] * l0; the one-step error at t is y[t] - that level."""
    n = len(y)
    c, d = np.zeros(n + 1), np.zeros(n + 1)
    d[0] = 1.0
    for t in range(n):
        c[t + 1] = alpha * y[t] + (1 - alpha) * c[t]
        d[t + 1] = (1 - alpha) * d[t]
    return c, d


def fit(y: np.ndarray, alpha: float):
    """(sse, last level) with the initial level that minimizes the squared one-step errors."""
    c, d = level_path(y, alpha)
    residual, slope = y - c[:-1], d[:-1]  # error_t = residual_t - slope_t * l0
    l0 = float(residual @ slope / (slope @ slope))
    errors = residual - slope * l0
    return float(errors @ errors), c[-1] + d[-1] * l0


def ses_forecast(y: np.ndarray, horizon: int) -> np.ndarray:
    grid = np.linspace(LOW, HIGH, 200)
    sse = [fit(y, a)[0] for a in grid]
    best = int(np.argmin(sse))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(40):  # golden section inside the bracket around the best grid point
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if fit(y, a)[0] <= fit(y, b)[0]:
            high = b
        else:
            low = a
    return np.full(horizon, fit(y, (low + high) / 2)[1])


def main() -> None:
    started = time.perf_counter()
    data = load_tsf(option_object("data", "tsf", path=sys.argv[1]), 1)  # conf/data/tsf.yaml with the file
    horizon, season = data.horizon, data.season
    actual, forecast, naive, scales = [], [], [], []
    for segment in data.segments:
        train, test = segment[:-horizon, 0], segment[-horizon:, 0]
        actual.append(test)
        forecast.append(ses_forecast(train, horizon))
        naive.append(seasonal_naive(train, horizon, season))
        scales.append([mase_scale(train, season)])
    n = len(data.segments)
    scores = score_series(*(np.array(v)[:, :, None] for v in (actual, forecast, naive)), np.arange(n), np.array(scales), n)
    print(json.dumps({"model": "ses", "seconds": round(time.perf_counter() - started, 1), **aggregate(scores)}, indent=1))


if __name__ == "__main__":
    main()
