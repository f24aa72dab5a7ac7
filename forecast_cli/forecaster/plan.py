"""Which future steps one call of a model forecasts, read off its window.

A window is `input_width` input rows, then labels ending `shift` rows after the inputs. Without
`steps_ahead`, the label steps after the inputs are the model's forecast of the next `shift` rows
(single step: 1; the tutorial's multi-step 24 -> 24: 24; a sequence model, one label per input
step: 1, its last step). With `steps_ahead` N and shift 1 (Hands-On ML), the last label step holds
the next N rows. Longer horizons feed the forecasts back (engine.py): that needs every input column
for the future rows, which only the label columns (forecast) and the columns a loader derives from
timestamps (known for any date) can give.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Sequence

from forecast_cli.data.series_index import SERIES_INDEX_COLUMN
from forecast_cli.data.window import WindowSpec
from forecast_cli.errors import ForecastError

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class ForecastPlan:
    spec: WindowSpec
    derived_columns: Sequence[str] = ()  # columns computed from timestamps (known in the future)

    @property
    def direct_steps(self) -> int:
        """How many rows past the inputs one call of the model forecasts."""
        spec = self.spec
        if spec.shift == 0:
            raise ForecastError(
                "window.shift=0: the run's labels are the input steps themselves (a series-to-series task), "
                "so its model forecasts nothing past the data"
            )
        if spec.steps_ahead > 1:
            if spec.shift != 1:
                raise ForecastError(
                    f"window.steps_ahead={spec.steps_ahead} with window.shift={spec.shift}: a forecast past the data "
                    "reads the last label step's values, which needs window.shift=1"
                )
            return spec.steps_ahead
        if spec.shift > spec.label_width:
            raise ForecastError(
                f"window.shift ({spec.shift}) > window.label_width ({spec.label_width}): the run's labels start "
                f"{spec.shift - spec.label_width} rows after the data, so its model does not forecast the next row"
            )
        return spec.shift

    def future_block(self, outputs: "np.ndarray") -> "np.ndarray":
        """[batch, label_width, n_outputs] model outputs -> [batch, direct_steps, n_labels], the rows
        right after the inputs, in order."""
        spec, steps = self.spec, self.direct_steps
        if spec.steps_ahead > 1:
            return outputs[:, -1, :].reshape(len(outputs), steps, spec.n_labels)
        return outputs[:, spec.label_width - steps :, :]

    def unknown_future_inputs(self) -> List[str]:
        """Input columns that neither the forecast nor the timestamps give for a future row (a window's
        series index stays what it was)."""
        known = set(self.spec.label_columns) | set(self.derived_columns) | {SERIES_INDEX_COLUMN}
        return [c for c in self.spec.input_columns if c not in known]

    def check_horizon(self, horizon: int) -> bool:
        """True when `horizon` needs the recursion; a ForecastError when it cannot be done."""
        if horizon <= self.direct_steps:
            return False
        unknown = self.unknown_future_inputs()
        if unknown:
            raise ForecastError(
                f"horizon={horizon} needs a recursive forecast (the model forecasts {self.direct_steps} steps at once), "
                f"which needs every input column for the future steps, but {', '.join(map(repr, unknown))} are neither "
                f"forecast by the model nor derived from the timestamps: use horizon<={self.direct_steps}, or train "
                "with window.input_columns limited to the label (and calendar) columns"
            )
        return True
