"""The check every command that forecasts makes before it writes anything (as training does, README
"Nothing non-finite is completed"): NaN or infinite forecasts or metrics from finite data mean the
model's outputs overflow float32 (a long recursive horizon that feeds growing values back, data far
beyond what it was trained on). That is no user typo but no bug either: TrainingDiverged, exit 1, one
line, and nothing written as a result."""

import math
from typing import TYPE_CHECKING, Any, Dict, Sequence

from forecast_cli.errors import TrainingDiverged
from forecast_cli.evaluation.names import may_be_undefined

if TYPE_CHECKING:
    import numpy as np

OVERFLOW = "the model's outputs overflow float32"


def require_finite_forecast(values: "np.ndarray", columns: Sequence[str], what: str) -> None:
    """`values` [..., horizon, n_labels] (`columns` the labels): refused at the first non-finite value,
    naming its step and column."""
    import numpy as np

    bad = ~np.isfinite(values)
    if not bad.any():
        return
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    raise TrainingDiverged(
        f"{what} is not finite ({values[first]} at step {first[-2] + 1}, column '{columns[first[-1]]}'; "
        f"{int(bad.sum())} values in all): {OVERFLOW}; lower horizon (a "
        "recursive forecast feeds its own outputs back) or check the data for values far beyond the training data's"
    )


def require_finite_metrics(metrics: Dict[str, Any], what: str) -> None:
    """Every float of `metrics` (flat) finite."""
    bad = sorted(k for k, v in metrics.items() if isinstance(v, float) and not math.isfinite(v) and not may_be_undefined(k))
    if bad:
        raise TrainingDiverged(
            f"{what} are not finite ({bad[0]}={metrics[bad[0]]}, {len(bad)} in all): {OVERFLOW}; check the data "
            "for values far beyond the training data's"
        )
