"""Per-series scaling of a panel: every series scaled by statistics of its own training rows (standard,
minmax, or meanabs: divided by its mean absolute value, "the series' own level"), saved with the run
(`series_scaler.json`) and loaded back by evaluate, predict and backtest, which find a series by its id."""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, List, Sequence

from forecast_cli.data.scaling import Scaler, check_scaler_fields, fit_scaler
from forecast_cli.errors import ForecastError
from forecast_cli.run.atomic import write_json_atomic
from forecast_cli.run.untrusted import load_json

if TYPE_CHECKING:
    import numpy as np


@dataclass
class SeriesScaler:
    """x_scaled = (x - offset[s]) / scale[s] for series s, per column; offset and scale [series, columns]."""

    kind: str
    columns: List[str]
    ids: List[str]
    offset: "np.ndarray"
    scale: "np.ndarray"

    def positions(self, ids: Sequence[str]) -> "np.ndarray":
        """The row of every id in offset and scale; a ForecastError naming the first unknown one."""
        import numpy as np

        known = {name: i for i, name in enumerate(self.ids)}
        unknown = [name for name in ids if name not in known]
        if unknown:
            raise ForecastError(
                f"{len(unknown)} series of the data are not in the run's series_scaler.json (first: '{unknown[0]}'): "
                "the run scales each series by its own training statistics, so it can only forecast the series it was trained on"
            )
        return np.array([known[name] for name in ids], dtype=np.int64)

    def series(self, position: int) -> Scaler:
        """The scaler of the series at `position` (a row of offset and scale)."""
        return Scaler(self.kind, self.columns, self.offset[position], self.scale[position])

    def inverse_rows(self, values: "np.ndarray", positions: "np.ndarray", columns: Sequence[str]) -> "np.ndarray":
        """values [n, ..., len(columns)] of series positions [n] back to real units."""
        index = [self.columns.index(c) for c in columns]
        shape = (len(positions),) + (1,) * (values.ndim - 2) + (len(index),)
        scale = self.scale[positions][:, index].reshape(shape)
        offset = self.offset[positions][:, index].reshape(shape)
        return values * scale + offset

    def save(self, path: Path) -> None:
        write_json_atomic(
            path,
            {
                "kind": self.kind,
                "columns": self.columns,
                "ids": self.ids,
                "offset": self.offset.tolist(),
                "scale": self.scale.tolist(),
            },
        )

    @classmethod
    def load(cls, path: Path) -> "SeriesScaler":
        import numpy as np

        payload = load_json(path)
        check_scaler_fields(payload)
        if not isinstance(payload.get("ids"), list):
            raise ValueError("ids is not a list of series ids")
        scaler = cls(
            kind=str(payload["kind"]),
            columns=[str(c) for c in payload["columns"]],
            ids=[str(i) for i in payload["ids"]],
            offset=np.asarray(payload["offset"], dtype=np.float64).reshape(len(payload["ids"]), -1),
            scale=np.asarray(payload["scale"], dtype=np.float64).reshape(len(payload["ids"]), -1),
        )
        if scaler.offset.shape != scaler.scale.shape or scaler.offset.shape[1] != len(scaler.columns):
            raise ValueError("ids, columns, offset and scale differ in size")
        if len(set(scaler.ids)) != len(scaler.ids):
            raise ValueError("an id appears twice")
        return scaler


def fit_series_scaler(
    kind: str,
    train_parts: "List[np.ndarray]",
    ids: List[str],
    columns: List[str],
    feature_range: Sequence[float],
    unscaled: Sequence[str] = (),
) -> SeriesScaler:
    """One scaler per series, fit on that series' training rows [rows, columns] (`fit_scaler`'s rules)."""
    import numpy as np

    fitted = [fit_scaler(kind, part, columns, feature_range, unscaled=unscaled) for part in train_parts]
    offset = np.stack([f.offset for f in fitted]) if fitted else np.zeros((0, len(columns)))
    scale = np.stack([f.scale for f in fitted]) if fitted else np.ones((0, len(columns)))
    return SeriesScaler(kind, list(columns), list(ids), offset, scale)
