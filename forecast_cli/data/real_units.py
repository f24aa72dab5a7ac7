"""Values back in real units (the scaler inverted): `LabelUnscaler` for labels and model outputs (the
real-unit metrics), and `readable` for the values a person reads in a CSV."""

from dataclasses import dataclass
from typing import Tuple

import numpy as np

from forecast_cli.data.scaling import Scaler
from forecast_cli.data.window import WindowSpec


@dataclass(frozen=True)
class LabelUnscaler:
    """Scaled [batch, label_width, n_outputs] labels or outputs -> [batch, label_width, steps_ahead,
    n_labels] in real units. Output j belongs to label column j % n_labels (WindowSpec.n_outputs)."""

    scaler: Scaler
    spec: WindowSpec

    @property
    def columns(self) -> Tuple[str, ...]:
        return self.spec.label_columns

    def __call__(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        by_column = values.reshape(*values.shape[:-1], self.spec.steps_ahead, self.spec.n_labels)
        return self.scaler.inverse_transform(by_column, self.spec.label_columns)


def readable(value: float) -> float:
    """A value of float32 origin (a model's output, a scaled value inverted) to 7 significant digits:
    a float32 holds about 7, the rest is noise of the scaling (417.0000014901161 -> 417.0)."""
    return float(f"{value:.7g}")
