"""Scalers fit on the training split only, saved with the run as JSON and loaded back by evaluate."""

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from forecast_cli.errors import ForecastError
from forecast_cli.run.atomic import write_json_atomic
from forecast_cli.run.untrusted import load_json

if TYPE_CHECKING:
    import numpy as np

# meanabs: x / mean(|x|) of the training rows, the series' own level (DeepAR's scaling; keeps zero at zero)
SCALERS = ("standard", "minmax", "none", "meanabs")


@dataclass
class Scaler:
    """x_scaled = (x - offset[g]) / scale[g], per column, for scaling group g: one group for every series
    (global: `ids` None, saved as scaler.json; offset and scale [columns]) or one group per series, found by
    its id (a panel with data.per_series=true, saved as series_scaler.json; offset and scale [series, columns])."""

    kind: str
    columns: List[str]
    offset: "np.ndarray"
    scale: "np.ndarray"
    ddof: Optional[int] = None  # standard: the deviation's degrees of freedom (recorded, not used to transform)
    ids: Optional[List[str]] = None  # per series: the id of each group's series; None: one group for all

    def __post_init__(self) -> None:
        import numpy as np

        shape = (-1, len(self.columns)) if self.per_series else (len(self.columns),)
        self.offset = np.asarray(self.offset, dtype=np.float64).reshape(shape)
        self.scale = np.asarray(self.scale, dtype=np.float64).reshape(shape)

    @property
    def per_series(self) -> bool:
        return self.ids is not None

    def positions(self, ids: Sequence[str]) -> "np.ndarray":
        """The group of every series id; a ForecastError naming the first id a per-series scaler does not know."""
        import numpy as np

        if not self.per_series:
            return np.zeros(len(ids), dtype=np.int64)
        known = self._group_of
        unknown = [name for name in ids if name not in known]
        if unknown:
            raise ForecastError(
                f"{len(unknown)} series of the data are not in the run's series_scaler.json (first: '{unknown[0]}'): "
                "the run scales each series by its own training statistics, so it can only forecast the series it was trained on"
            )
        return np.array([known[name] for name in ids], dtype=np.int64)

    def rows(self) -> "Tuple[np.ndarray, np.ndarray]":
        """offset and scale as [groups, columns] (one row for a global scaler)."""
        import numpy as np

        return np.atleast_2d(self.offset), np.atleast_2d(self.scale)

    def knows(self, name: str) -> bool:
        """Whether the scaler can scale series `name` (a global one scales any)."""
        return not self.per_series or name in self._group_of

    @functools.cached_property
    def _group_of(self) -> Dict[str, int]:
        """id -> group of a per-series scaler, built once: a panel of 10^5 series looks every id up."""
        return {name: i for i, name in enumerate(self.ids or ())}

    def transform(self, values: "np.ndarray", columns: Sequence[str] | None = None, groups=None) -> "np.ndarray":
        """`values` [..., len(columns)] scaled; with `groups` [n], values [n, ..., len(columns)] of those groups."""
        offset, scale = self._of(values, columns, groups)
        return (values - offset) / scale

    def inverse_transform(self, values: "np.ndarray", columns: Sequence[str] | None = None, groups=None) -> "np.ndarray":
        """`transform` undone: scaled values back to real units."""
        offset, scale = self._of(values, columns, groups)
        return values * scale + offset

    def _of(self, values, columns, groups):
        import numpy as np

        index = [self.columns.index(c) for c in columns] if columns is not None else slice(None)
        if not self.per_series:  # one group: the same row broadcast over every value
            return self.offset[index], self.scale[index]
        if groups is None:
            if len(self.ids) != 1:
                raise ValueError("a per-series scaler needs the group of every value")
            return self.offset[0, index], self.scale[0, index]
        groups = np.asarray(groups, dtype=np.int64)
        shape = (len(groups),) + (1,) * (np.ndim(values) - 2) + (-1,)
        return self.offset[groups][:, index].reshape(shape), self.scale[groups][:, index].reshape(shape)

    def save(self, path: Path) -> None:
        """scaler.json (one group: 1-D offset and scale) or series_scaler.json (per series: ids and rows)."""
        if self.per_series:
            payload = {"kind": self.kind, "columns": self.columns, "ids": self.ids, "offset": self.offset.tolist(), "scale": self.scale.tolist()}
        else:
            payload = {
                "kind": self.kind,
                "columns": self.columns,
                "offset": self.offset.tolist(),
                "scale": self.scale.tolist(),
                **({"ddof": self.ddof} if self.ddof is not None else {}),
            }
        write_json_atomic(path, payload)

    @classmethod
    def load(cls, path: Path) -> "Scaler":
        """Either file a run saves (scaler.json or series_scaler.json), checked field by field."""
        import numpy as np

        payload = load_json(path)
        check_scaler_fields(payload)
        ids = payload.get("ids")
        if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, (str, int)) for i in ids)):
            raise ValueError("ids is not a list of series ids")
        offset = np.asarray(payload["offset"], dtype=np.float64)
        scale = np.asarray(payload["scale"], dtype=np.float64)
        groups = 1 if ids is None else len(ids)
        columns = [str(c) for c in payload["columns"]]
        if offset.shape != scale.shape or offset.size != groups * len(columns) or (ids is None and offset.ndim != 1):
            raise ValueError("ids, columns, offset and scale differ in size")
        if ids is not None and len(set(map(str, ids))) != len(ids):
            raise ValueError("an id appears twice")
        return cls(
            kind=payload["kind"],
            columns=columns,
            offset=offset,
            scale=scale,
            ddof=payload.get("ddof") if ids is None else None,
            ids=None if ids is None else [str(i) for i in ids],
        )


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


def fit_series_scaler(
    kind: str,
    train_parts: "List[np.ndarray]",
    ids: List[str],
    columns: List[str],
    feature_range: Sequence[float],
    unscaled: Sequence[str] = (),
) -> Scaler:
    """One group per series, fit on that series' training rows [rows, columns] (`fit_scaler`'s rules)."""
    import numpy as np

    fitted = [fit_scaler(kind, part, columns, feature_range, unscaled=unscaled) for part in train_parts]
    offset = np.stack([f.offset for f in fitted]) if fitted else np.zeros((0, len(columns)))
    scale = np.stack([f.scale for f in fitted]) if fitted else np.ones((0, len(columns)))
    return Scaler(kind, list(columns), offset, scale, ids=list(ids))
