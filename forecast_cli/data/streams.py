"""The data layout of a stateful run (model.stateful=true): each split's one series laid out as
`streams` parallel contiguous streams, each cut into consecutive chunks of window.input_width rows.

Stream b holds rows [b*L, (b+1)*L) of the split, L = chunks * input_width the same for every stream;
batch k holds chunk k of every stream in stream order, so row b of batch k + 1 continues row b of batch
k exactly, and the state a stateful layer ends a batch with is where each of its streams goes on:
truncated backpropagation through time over one long series, as the sin->cos article trains. A chunk's
labels are its window's (window.shift, label_width, steps_ahead): the last chunks may read up to
`extra` = shift + steps_ahead - 1 rows past their stream, which the layout keeps inside the split. The
rows after those, fewer than streams * input_width, are left out.

The pipeline (pipeline.py) gathers the windows from the start rows given here, in order, unshuffled.
No TensorFlow here: the precheck lays the data out before any run directory exists.
"""

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

from forecast_cli.errors import ForecastError, require
from forecast_cli.runtime.strategy import check_single_replica

if TYPE_CHECKING:
    import numpy as np

    from forecast_cli.data.prepare import PreparedData
    from forecast_cli.data.window import WindowSpec

STATEFUL = "model.stateful=true"


@dataclass(frozen=True)
class StreamLayout:
    streams: int
    chunk: int  # rows per chunk: window.input_width
    chunks: int  # chunks per stream: the batches of one pass over the split
    extra: int  # label rows past a chunk's inputs (window.shift + steps_ahead - 1)
    rows: int  # the split's

    @property
    def stream_rows(self) -> int:
        return self.chunks * self.chunk

    @property
    def rows_left_out(self) -> int:
        """Rows at the end of the split that no window reads."""
        return self.rows - self.streams * self.stream_rows - self.extra

    def starts(self) -> "np.ndarray":
        """[chunks * streams] int64: the start row of every window, batch after batch (batch k, row b: b*L + k*W)."""
        import numpy as np

        chunk_starts = np.arange(self.chunks, dtype=np.int64)[:, None] * self.chunk  # [chunks, 1]
        stream_starts = np.arange(self.streams, dtype=np.int64)[None, :] * self.stream_rows  # [1, streams]
        return (chunk_starts + stream_starts).reshape(-1)

    def record(self) -> Dict[str, int]:
        return {"chunks": self.chunks, "stream_rows": self.stream_rows, "rows_left_out": self.rows_left_out}


def stream_layout(split: str, rows: int, streams: int, spec: "WindowSpec") -> StreamLayout:
    """The layout of a split of `rows` rows; a ForecastError when it cannot hold `streams` streams of a chunk."""
    chunk, extra = spec.input_width, spec.total_width - spec.input_width
    chunks = (rows - extra) // (streams * chunk)
    if chunks < 1:
        most = (rows - extra) // chunk
        fix = f"lower trainer.batch_size to at most {most}" if most >= 1 else "shorten window.input_width"
        raise ForecastError(
            f"{STATEFUL} lays the {split} split's {rows} rows out as trainer.batch_size={streams} streams of "
            f"window.input_width={chunk}-row chunks, which needs at least {streams * chunk + extra} rows: {fix}, "
            "or use more data"
        )
    return StreamLayout(streams=streams, chunk=chunk, chunks=chunks, extra=extra, rows=rows)


def lay_out_streams(prepared: "PreparedData", streams: int) -> Tuple["PreparedData", Dict[str, StreamLayout]]:
    """`prepared` with every split's windows replaced by its streams' chunks, in batch order, and its spec
    fixed to the batch of `streams` (what a stateful model is built for); and the layout of every split."""
    if not prepared.single_series_by_time:
        raise ForecastError(
            f"{STATEFUL} carries a state along one series, but the data holds {len(prepared.series.segments)} "
            "separate series: train on one long series (data=csv, jena, ett, sincos, ...) or set model.stateful=false"
        )
    layouts = {name: stream_layout(name, split.rows, streams, prepared.spec) for name, split in prepared.splits.items()}
    splits = {name: dataclasses.replace(prepared.splits[name], starts=lay.starts()) for name, lay in layouts.items()}
    spec = dataclasses.replace(prepared.spec, fixed_batch=streams)
    return dataclasses.replace(prepared, splits=splits, spec=spec), layouts


def stream_record(layouts: Dict[str, StreamLayout]) -> Dict[str, Any]:
    """What run.json says about the layout: `stateful: {streams, chunk, splits: {train: {chunks, ...}}}`."""
    first = next(iter(layouts.values()))
    return {
        "streams": first.streams,
        "chunk": first.chunk,
        "splits": {name: layout.record() for name, layout in layouts.items()},
    }


def check_stateful_job(cfg) -> None:
    """What model.stateful=true cannot run with, refused before any run directory exists (`cfg`: the typed
    train config): a family without a state, shuffled windows, a batch split across replicas."""
    cfg.model.check_stateful()
    if not cfg.model.stateful:
        return
    require(
        not cfg.trainer.drop_last,
        "trainer.drop_last=true",
        f"shuffles the training windows every epoch, but {STATEFUL} feeds them in stream order: "
        "set trainer.drop_last=false",
    )
    check_single_replica(cfg.strategy, f"{STATEFUL} carries each row of a batch into the same row of the next")


def check_stateful_data(cfg) -> None:
    """With model.stateful=true, that every split holds the streams (loads the data, no TensorFlow): a batch
    larger than the data allows is refused before any run directory exists."""
    if not cfg.model.get("stateful"):
        return
    from forecast_cli.data.loaders._download import downloads_refused
    from forecast_cli.data.prepare import prepare_data

    # a resumed run's config comes from its directory: it may not choose a URL and where to write it
    with downloads_refused() if cfg.resume is not None else contextlib.nullcontext():
        prepared = prepare_data(cfg.data, cfg.window)
    lay_out_streams(prepared, int(cfg.trainer.batch_size))


def stream_starts(
    prepared: "PreparedData", split: str, streams: int, batch_size: Optional[int], drop_last: Optional[int]
) -> "np.ndarray":
    """The windows `forecast evaluate` scores for a stateful model of `streams` streams: its streams'
    chunks, in batch order, as training scored them. Its batch is the model's own."""
    if batch_size not in (None, streams):
        raise ForecastError(
            f"batch_size={batch_size}: the run's model is stateful and runs its {streams} streams at once "
            "(its trainer.batch_size); leave batch_size out"
        )
    if drop_last:
        raise ForecastError(
            f"drop_last={drop_last}: the run's model is stateful and scores its {streams} streams in order, every "
            "chunk; leave drop_last out"
        )
    laid_out, _ = lay_out_streams(prepared, streams)
    return laid_out.splits[split].starts
