"""Historical forecasts of a saved model (no refit): from every origin of a split, `stride` rows
apart, `horizon` steps ahead, exactly as a forecast past the data would be made then (recursively
beyond the model's direct steps, calendar columns from the data's own rows)."""

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence

import numpy as np

from forecast_cli.data.scaling import Scaler
from forecast_cli.errors import ForecastError
from forecast_cli.forecaster.engine import forecast_windows
from forecast_cli.forecaster.finite import require_finite_forecast
from forecast_cli.forecaster.plan import ForecastPlan


@dataclass
class Backtest:
    columns: List[str]  # the label columns
    # [origins] the first row forecast from each origin, in the split's values (the forecast is made
    # after the row before it, which backtest.csv names as the origin)
    origins: np.ndarray
    forecast_scaled: np.ndarray  # [origins, horizon, n_labels]
    actual_scaled: np.ndarray
    forecast: np.ndarray  # real units
    actual: np.ndarray

    @property
    def horizon(self) -> int:
        return self.forecast.shape[1]


def origins_of(lengths: Sequence[int], input_width: int, horizon: int, stride: int) -> np.ndarray:
    """Every row where a forecast can start with `input_width` rows before it and `horizon` actual rows
    from it, inside one series, `stride` apart from the first of each series."""
    origins, offset = [], 0
    for length in lengths:
        first, last = offset + input_width, offset + length - horizon
        if last >= first:
            origins.append(np.arange(first, last + 1, stride, dtype=np.int64))
        offset += length
    return np.concatenate(origins) if origins else np.zeros(0, dtype=np.int64)


def run_backtest(
    forward: Callable[[np.ndarray], np.ndarray],
    plan: ForecastPlan,
    values: np.ndarray,
    lengths: Sequence[int],
    scaler: Scaler,
    horizon: int,
    stride: int,
) -> Backtest:
    """`values`: a split's scaled rows [rows, columns] (its series concatenated, of `lengths` rows)."""
    spec = plan.spec
    origins = origins_of(lengths, spec.input_width, horizon, stride)
    if len(origins) == 0:
        raise ForecastError(
            f"no origin in this split has {spec.input_width} rows before it and {horizon} after it: "
            "lower horizon, or use a longer split"
        )
    windows = values[origins[:, None] + np.arange(-spec.input_width, 0)]  # [origins, input_width, columns]
    derived = [spec.columns.index(c) for c in plan.derived_columns if c in spec.columns]

    def derived_future(first: int, count: int) -> np.ndarray:
        return values[origins[:, None] + np.arange(first, first + count)][:, :, derived]

    forecast_scaled = forecast_windows(forward, plan, windows, horizon, derived_future if derived else None)
    forecast = scaler.inverse_transform(forecast_scaled.astype(np.float64), spec.label_columns)
    require_finite_forecast(forecast, spec.label_columns, "the backtest's forecast")
    actual_scaled = values[origins[:, None] + np.arange(horizon)][:, :, spec.label_indices]  # [origins, horizon, labels]
    return Backtest(
        columns=list(spec.label_columns),
        origins=origins,
        forecast_scaled=forecast_scaled.astype(np.float64),
        actual_scaled=actual_scaled.astype(np.float64),
        forecast=forecast,
        actual=scaler.inverse_transform(actual_scaled.astype(np.float64), spec.label_columns),
    )


def backtest_metrics(backtest: Backtest, insample: Dict[str, np.ndarray], season: int) -> Dict[str, Any]:
    """Overall, per horizon step and per label column: scaled MAE/MSE/RMSE and real-unit MAE, RMSE,
    MAPE, sMAPE and MASE (each column's MAE over the in-sample MAE of its seasonal-naive forecast,
    then averaged over columns)."""
    from forecast_cli.evaluation.point import point_metrics
    from forecast_cli.evaluation.seasonal import mase

    def real(actual, forecast):
        figures = point_metrics(actual, forecast)
        per_column = [mase(actual[..., j], forecast[..., j], insample[c], season) for j, c in enumerate(backtest.columns)]
        figures["mase"] = float(np.mean(per_column))
        return figures

    def scaled(actual, forecast):
        error = forecast - actual
        mse = float(np.mean(error**2))
        return {"mae": float(np.mean(np.abs(error))), "mse": mse, "rmse": float(np.sqrt(mse))}

    a, f, sa, sf = backtest.actual, backtest.forecast, backtest.actual_scaled, backtest.forecast_scaled
    return {
        "scaled": scaled(sa, sf),
        "real": real(a, f),
        "by_step": [
            {"step": h + 1, "scaled": scaled(sa[:, h], sf[:, h]), "real": real(a[:, h], f[:, h])}
            for h in range(backtest.horizon)
        ],
        "by_column": {
            column: {
                "scaled": scaled(sa[..., j], sf[..., j]),
                "real": {**point_metrics(a[..., j], f[..., j]), "mase": mase(a[..., j], f[..., j], insample[column], season)},
            }
            for j, column in enumerate(backtest.columns)
        },
    }
