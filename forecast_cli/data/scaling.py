"""Scalers fit on the training split only, saved with the run as JSON and loaded back by evaluate."""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional, Sequence

from forecast_cli.run.atomic import write_json_atomic
from forecast_cli.run.untrusted import load_json

if TYPE_CHECKING:
    import numpy as np

# meanabs: x / mean(|x|) of the training rows, the series' own level (DeepAR's scaling; keeps zero at zero)
SCALERS = ("standard", "minmax", "none", "meanabs")


@dataclass
class Scaler:
    """x_scaled = (x - offset) / scale, per column."""

    kind: str
    columns: List[str]
    offset: "np.ndarray"
    scale: "np.ndarray"
    ddof: Optional[int] = None  # standard: the deviation's degrees of freedom (recorded, not used to transform)

    def transform(self, values: "np.ndarray", columns: Sequence[str] | None = None) -> "np.ndarray":
        index = [self.columns.index(c) for c in columns] if columns is not None else slice(None)
        return (values - self.offset[index]) / self.scale[index]

    def inverse_transform(self, values: "np.ndarray", columns: Sequence[str] | None = None) -> "np.ndarray":
        index = [self.columns.index(c) for c in columns] if columns is not None else slice(None)
        return values * self.scale[index] + self.offset[index]

    def save(self, path: Path) -> None:
        write_json_atomic(
            path,
            {
                "kind": self.kind,
                "columns": self.columns,
                "offset": self.offset.tolist(),
                "scale": self.scale.tolist(),
                **({"ddof": self.ddof} if self.ddof is not None else {}),
            },
        )

    @classmethod
    def load(cls, path: Path) -> "Scaler":
        import numpy as np

        payload = load_json(path)
        check_scaler_fields(payload)
        scaler = cls(
            kind=payload["kind"],
            columns=list(payload["columns"]),
            offset=np.asarray(payload["offset"], dtype=np.float64),
            scale=np.asarray(payload["scale"], dtype=np.float64),
            ddof=payload.get("ddof"),
        )
        if not len(scaler.columns) == len(scaler.offset) == len(scaler.scale):
            raise ValueError("columns, offset and scale differ in length")
        return scaler


SCALER_KINDS = ("none", "standard", "minmax", "meanabs")


def check_scaler_fields(payload: Any) -> None:
    """The fields of a saved scaler (scaler.json, series_scaler.json) with their types: a known kind,
    column names, finite offsets and positive finite scales (nested lists for a panel's series)."""
    import numpy as np

    if not isinstance(payload, dict):
        raise ValueError("not a JSON object")
    if payload.get("kind") not in SCALER_KINDS:
        raise ValueError(f"kind is {payload.get('kind')!r}, not one of {', '.join(SCALER_KINDS)}")
    if not isinstance(payload.get("columns"), list) or not all(isinstance(c, str) for c in payload["columns"]):
        raise ValueError("columns is not a list of column names")
    for key in ("offset", "scale"):
        try:
            values = np.asarray(payload.get(key), dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{key} is not a list of numbers") from None
        if values.dtype != np.float64 or not np.isfinite(values).all() or (key == "scale" and (values <= 0).any()):
            raise ValueError(f"{key} holds a value that is not a finite number{' above 0' if key == 'scale' else ''}")


def fit_scaler(
    kind: str,
    train: "np.ndarray",
    columns: List[str],
    feature_range: Sequence[float],
    ddof: int = 1,
    unscaled: Sequence[str] = (),
) -> Scaler:
    """Fit on the [rows, features] training values. Constant columns get scale 1 (no division by 0), the
    `unscaled` columns offset 0 and scale 1 (they pass through).

    `ddof` of the standard deviation: 1 as pandas' DataFrame.std (the tutorial), 0 as scikit-learn's
    StandardScaler (Time-Series-Library)."""
    import numpy as np

    n_features = train.shape[1]
    if kind == "none":
        offset, scale = np.zeros(n_features), np.ones(n_features)
    elif kind == "standard":
        offset = train.mean(axis=0)
        scale = train.std(axis=0, ddof=ddof) if len(train) > ddof else np.ones(n_features)
    elif kind == "minmax":
        low, high = feature_range
        data_min, data_max = train.min(axis=0), train.max(axis=0)
        spread = np.where(data_max > data_min, data_max - data_min, 1.0)
        scale = spread / (high - low)
        offset = data_min - low * scale
    elif kind == "meanabs":
        offset, scale = np.zeros(n_features), np.abs(train).mean(axis=0)
    else:
        raise ValueError(f"unknown scaler kind {kind!r}")
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    passed = [columns.index(c) for c in unscaled if c in columns]
    offset, scale = np.array(offset, dtype=np.float64), np.array(scale, dtype=np.float64)
    offset[passed], scale[passed] = 0.0, 1.0
    return Scaler(
        kind,
        list(columns),
        np.asarray(offset, dtype=np.float64),
        np.asarray(scale, dtype=np.float64),
        ddof if kind == "standard" else None,
    )
