"""The one scorer of every run: a split's windows forward through the model, batch by batch, scored on the
scaled values the model sees (names.METRICS) and in the data's own units, per series (by_series.py).

Real units: labels and outputs unscaled with their own series' scaling (the run's one scaler where it has
one for all series), the seasonal naive of OWA read from the same series' rows, MASE scaled by the in-sample
naive error of each series. Train, evaluate and the tests all score through `score_split`, so the same model
on the same windows gives the same numbers.
"""

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

import numpy as np

from forecast_cli.data.panel import series_positions_of_windows
from forecast_cli.evaluation.by_series import SeriesScores, series_rows, summarize
from forecast_cli.evaluation.scaled import MetricAccumulator
from forecast_cli.evaluation.seasonal import mase_scale, naive_source_rows

if TYPE_CHECKING:
    from forecast_cli.data.prepare import PreparedData


def insample_end(prepared: "PreparedData", split: str, series: int) -> int:
    """Rows of a series before a split's forecasts, the in-sample part of its MASE: the training rows for
    train and val, the rows before the test part for test (the Monash archive's scale); where whole series
    are split, the rows its windows observe."""
    if prepared.whole_series_split:
        return prepared.spec.input_width
    ranges = prepared.ranges[series]
    return ranges["val"][1] if split == "test" else ranges["train"][1]


def mase_scales(prepared: "PreparedData", split: str) -> np.ndarray:
    """[series, n_labels]: the in-sample seasonal-naive MAE of every series and label column (NaN: undefined)."""
    labels = list(prepared.spec.label_indices)
    segments = prepared.series.segments
    return np.array(
        [[mase_scale(segment[: insample_end(prepared, split, i), j], prepared.season) for j in labels] for i, segment in enumerate(segments)]
    ).reshape(len(segments), len(labels))


class SplitScorer:
    """Metrics of one split's windows, fed as (scaled labels, scaled outputs) batches in the order of `starts`."""

    def __init__(self, prepared: "PreparedData", split: str, loss: str, starts: Optional[np.ndarray] = None):
        self.prepared, self.split = prepared, split
        self.part = prepared.splits[split]
        self.starts = self.part.starts if starts is None else np.asarray(starts)
        self.cursor = 0
        spec = prepared.spec
        self.scaled = MetricAccumulator(loss)
        self.scores = SeriesScores(len(prepared.series.segments), spec.n_labels)
        self.scales = mase_scales(prepared, split)
        # [label_width, steps_ahead]: rows after a window's start of each of its label values
        self.label_offsets = spec.label_start + np.arange(spec.label_width)[:, None] + np.arange(spec.steps_ahead)[None, :]

    def update(self, labels, outputs) -> None:
        labels, outputs = np.asarray(labels), np.asarray(outputs)
        self.scaled.update(labels, outputs)
        spec, count = self.prepared.spec, len(labels)
        starts = self.starts[self.cursor : self.cursor + count]
        if len(starts) != count:
            raise ValueError(f"{self.split}: {self.cursor + count} windows scored, the split has {len(self.starts)}")
        self.cursor += count
        segment, row_in_segment = series_positions_of_windows(starts, self.part.lengths)
        series = self.part.series[segment]
        window_rows = self.part.first_rows[segment] + row_in_segment
        shape = (count, spec.label_width * spec.steps_ahead, spec.n_labels)
        actual = self.prepared.to_real(labels.reshape(shape), series, spec.label_columns)
        forecast = self.prepared.to_real(outputs.reshape(shape), series, spec.label_columns)
        label_rows = (window_rows[:, None, None] + self.label_offsets).reshape(count, -1)
        sources = naive_source_rows(label_rows, window_rows + spec.input_width, self.prepared.season)
        naive = self.prepared.raw_labels(series, sources)
        self.scores.update(actual, forecast, naive, series, self.scales)

    def result(self) -> Dict[str, Any]:
        """The scaled metrics, then the real-unit figures of the split (by_series.summarize)."""
        if self.cursor != len(self.starts):
            raise ValueError(f"{self.split}: {self.cursor} of its {len(self.starts)} windows scored")
        columns = self.prepared.spec.label_columns
        return {**self.scaled.result(), **summarize(self.scores, columns, over_series=not self.prepared.whole_series_split)}

    def series_rows(self) -> List[Dict[str, Any]]:
        """One row per series of the split: metrics_by_series.csv."""
        return series_rows(self.prepared.series.ids, self.scores, split=self.split)


def score_split(forward, dataset, prepared: "PreparedData", split: str, loss: str, starts=None) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """`forward` (scaled inputs -> scaled outputs, numpy) over every (inputs, labels) batch of `dataset`, whose
    windows start at `starts` (default: the split's), in order: the split's metrics and its per-series rows."""
    scorer = SplitScorer(prepared, split, loss, starts)
    for inputs, labels in dataset:
        scorer.update(labels.numpy(), forward(inputs))
    return scorer.result(), scorer.series_rows()
