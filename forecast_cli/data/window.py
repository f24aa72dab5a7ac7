"""The `window` config group: the tutorial's WindowGenerator semantics, resolved against the data's
columns, and the start row of every window (the pipeline in `pipeline.py` gathers windows from them).

A window is `input_width + shift` consecutive rows. Inputs are its first `input_width` rows, labels its
last `label_width` rows. With `steps_ahead` N > 1 (Hands-On ML's sequence-to-sequence target), every
label step carries the next N rows instead of one, and the window grows by N - 1 rows.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

from omegaconf import MISSING

from forecast_cli.errors import ForecastError, require

if TYPE_CHECKING:
    import numpy as np


@dataclass
class WindowConfig:
    input_width: int = MISSING
    label_width: int = MISSING
    shift: int = MISSING
    # None: the data's target columns
    label_columns: Optional[List[str]] = MISSING
    # None: every column of the data
    input_columns: Optional[List[str]] = MISSING
    # N > 1: every label step holds the next N values of each label column (Hands-On ML seq-to-seq:
    # input_width=label_width=50, shift=1, steps_ahead=10)
    steps_ahead: int = MISSING
    # N: the next N steps are the labels (label_width = shift = N, through `${forecast_horizon:...}` in
    # conf/window/*.yaml); None: label_width and shift as given
    horizon: Optional[int] = MISSING

    def __post_init__(self) -> None:
        for key in ("input_width", "label_width", "steps_ahead"):
            value = getattr(self, key)
            require(value >= 1, f"window.{key}", f"must be >= 1, got {value}")
        if self.horizon is not None:
            require(self.horizon >= 1, "window.horizon", f"must be >= 1 or null, got {self.horizon}")
            require(
                self.label_width == self.shift == self.horizon,
                "window.horizon",
                f"({self.horizon}) sets label_width and shift, but they are {self.label_width} and {self.shift}: "
                "give window.horizon alone, or window.horizon=null with label_width and shift",
            )
        # shift=0: labels at the input steps themselves (the sin->cos article: cos(x) from sin(x) at the same x)
        require(self.shift >= 0, "window.shift", f"must be >= 0, got {self.shift}")
        require(
            self.label_width <= self.input_width + self.shift,
            "window.label_width",
            f"({self.label_width}) cannot exceed input_width + shift ({self.input_width + self.shift})",
        )


@dataclass(frozen=True)
class WindowSpec:
    """A window resolved against the data's columns: everything a model and the pipeline need."""

    input_width: int
    label_width: int
    shift: int
    columns: Tuple[str, ...]
    input_columns: Tuple[str, ...]
    label_columns: Tuple[str, ...]
    steps_ahead: int = 1
    # the last `embedded` input channels are a learned series embedding, not data: the window a family's
    # model is built on behind `model.series_embedding` (models/_series_embedding.py)
    embedded: int = 0
    # input columns computed from the timestamps alone (data.calendar, the Jena time signals): RevIN
    # passes them through, as a window's own statistics would erase what they say (the day of the year
    # barely moves within a window)
    calendar_columns: Tuple[str, ...] = ()
    # the batch a stateful model is built for, its parallel streams (model.stateful=true, data/streams.py);
    # None: any batch
    fixed_batch: Optional[int] = None

    @property
    def total_width(self) -> int:
        return self.input_width + self.shift + self.steps_ahead - 1

    @property
    def label_start(self) -> int:
        """Row of the first label step's first value; step k ahead of it is k rows later."""
        return self.input_width + self.shift - self.label_width

    @property
    def input_indices(self) -> List[int]:
        return [self.columns.index(c) for c in self.input_columns]

    @property
    def label_indices(self) -> List[int]:
        return [self.columns.index(c) for c in self.label_columns]

    @property
    def label_positions_in_inputs(self) -> List[int]:
        """Where each label column sits among the inputs (-1 where it is not an input)."""
        return [self.input_columns.index(c) if c in self.input_columns else -1 for c in self.label_columns]

    @property
    def n_features(self) -> int:
        return len(self.input_columns)

    @property
    def n_labels(self) -> int:
        return len(self.label_columns)

    @property
    def n_outputs(self) -> int:
        """Values per label step: [step 1 ahead of every label column, step 2 ahead, ...]."""
        return self.n_labels * self.steps_ahead


def steps_ahead(cfg) -> int:
    """Runs saved before `steps_ahead` existed have none in their config.yaml: one step."""
    return int(getattr(cfg, "steps_ahead", 1))


def total_window(cfg) -> int:
    return int(cfg.input_width) + int(cfg.shift) + steps_ahead(cfg) - 1


def resolve_window(cfg, columns: Sequence[str], targets: Sequence[str]) -> WindowSpec:
    columns = tuple(columns)
    labels = tuple(cfg.label_columns) if cfg.label_columns is not None else tuple(targets or columns)
    inputs = tuple(cfg.input_columns) if cfg.input_columns is not None else columns
    for key, names in (("window.label_columns", labels), ("window.input_columns", inputs)):
        unknown = [n for n in names if n not in columns]
        if unknown:
            raise ForecastError(
                f"{key} names {', '.join(map(repr, unknown))}, not in the data; available columns: {', '.join(columns)}"
            )
        if not names:
            raise ForecastError(f"{key} is empty: name at least one column")
    return WindowSpec(
        int(cfg.input_width), int(cfg.label_width), int(cfg.shift), columns, inputs, labels, steps_ahead(cfg)
    )


def window_starts(segment_lengths: Sequence[int], total_width: int) -> "np.ndarray":
    """Start rows of every window (stride 1) in the concatenation of the segments; none crosses a segment."""
    import numpy as np

    starts = []
    offset = 0
    for length in segment_lengths:
        if length >= total_width:
            starts.append(offset + np.arange(length - total_width + 1, dtype=np.int64))
        offset += length
    return np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)


def ensure_windows(split: str, count: int, longest: int, total_width: int) -> None:
    if count == 0:
        raise ForecastError(
            f"the {split} split has no complete window: its longest series has {longest} rows but a window "
            f"needs {total_width} rows (input_width + shift + steps_ahead - 1); lower window.input_width/window.shift or use more data"
        )
