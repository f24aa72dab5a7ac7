"""MAE, RMSE, MAPE and sMAPE of forecasts against actuals, in float64: the one definition of each.

MAPE divides by max(|A|, EPSILON); sMAPE is the mean of 200 |F - A| / (|A| + |F|), 0 where A = F = 0 (a
perfect forecast), NaN where either is NaN or infinite (a NaN forecast is no perfect score).
"""

from typing import TYPE_CHECKING, Dict

from forecast_cli.evaluation.names import EPSILON

if TYPE_CHECKING:
    import numpy as np


def smape_terms(actual, forecast) -> "np.ndarray":
    """200 |F - A| / (|A| + |F|) elementwise, 0 where both are 0, NaN where either is NaN or infinite."""
    import numpy as np

    actual, forecast = np.asarray(actual, np.float64), np.asarray(forecast, np.float64)
    magnitude = np.abs(actual) + np.abs(forecast)
    with np.errstate(invalid="ignore"):  # inf / inf: NaN, as wanted
        return np.divide(200.0 * np.abs(forecast - actual), magnitude, out=np.zeros_like(magnitude), where=magnitude != 0)


def ape_terms(actual, forecast) -> "np.ndarray":
    """|F - A| / max(|A|, EPSILON) elementwise (MAPE's terms, as fractions)."""
    import numpy as np

    actual = np.asarray(actual, np.float64)
    return np.abs(np.asarray(forecast, np.float64) - actual) / np.maximum(np.abs(actual), EPSILON)


def point_metrics(actual, forecast) -> Dict[str, float]:
    """MAE, RMSE, MAPE and sMAPE (both in percent) over every value of equally shaped actuals and forecasts."""
    import numpy as np

    if np.shape(actual) != np.shape(forecast):
        raise ValueError(f"actual and forecast differ in shape: {np.shape(actual)} and {np.shape(forecast)}")
    actual, forecast = np.asarray(actual, np.float64), np.asarray(forecast, np.float64)
    if actual.size == 0:
        raise ValueError("no values to compute metrics on")
    error = np.abs(forecast - actual)
    return {
        "mae": float(error.mean()),
        "rmse": float(np.sqrt(np.square(error).mean())),
        "mape": 100.0 * float(ape_terms(actual, forecast).mean()),
        "smape": float(smape_terms(actual, forecast).mean()),
    }
