"""The sin->cos article's picture, from run directories: the prediction of a stateful run
(`experiment=sincos_stateful`) against cos(x) along the first stream of its test split, read chunk after
chunk carrying the state as `forecast evaluate` reads it, and, with --stateless, the prediction of a
stateless run of the same data on the same rows, each 20-step window from a zero state. Prints one JSON
line: the stateful run's test MSE on the first chunk of every stream (read from a zero state) and on the
others, and the stateless run's test MSE on the same windows.

    python benchmarks/sincos_stateful_plot.py STATEFUL_RUN [--stateless RUN] [--rows 200] --output PNG
"""

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from forecast_cli.data.pipeline import make_dataset  # noqa: E402
from forecast_cli.data.streams import stream_starts  # noqa: E402
from forecast_cli.models._stateful import reset_states, stateful_streams  # noqa: E402
from forecast_cli.run.layout import RunDir  # noqa: E402
from forecast_cli.run.restore import restore_run  # noqa: E402


def test_predictions(run_dir: str, starts=None):
    """(first test row, starts, predictions [windows, W], actual [windows, W]) of a run's test windows, in order:
    a stateful run's streams (batch k, row b), or the given window starts of a stateless run."""
    restored = restore_run(RunDir(run_dir), {})
    prepared = restored.prepare(["test"])
    model = restored.load_model()
    split = prepared.splits["test"]
    streams = stateful_streams(model)
    if streams:
        starts = stream_starts(prepared, "test", streams, None, None)
    batch = streams or len(starts)
    reset_states(model)
    predicted, actual = [], []
    for inputs, labels in make_dataset(split.values, starts, prepared.spec, batch, shuffle=False, seed=0):
        predicted.append(model(inputs, training=False).numpy()[:, :, 0])
        actual.append(labels.numpy()[:, :, 0])
    return prepared.split_ranges["test"][0], starts, np.concatenate(predicted), np.concatenate(actual), streams


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stateful")
    parser.add_argument("--stateless")
    parser.add_argument("--rows", type=int, default=200, help="rows of the first stream drawn")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    first_row, starts, predicted, actual, streams = test_predictions(args.stateful)
    chunks = len(starts) // streams
    width = predicted.shape[1]
    by_chunk = ((predicted - actual) ** 2).reshape(chunks, streams, width)  # [chunk, stream, step]
    stream0 = starts.reshape(chunks, streams)[:, 0]  # the first stream's chunk starts: 0, W, 2W, ...
    figures = {
        "stateful_test_mse": float(by_chunk.mean()),
        "stateful_first_chunk_mse": float(by_chunk[0].mean()),
        "stateful_later_chunks_mse": float(by_chunk[1:].mean()),
    }
    shown = min(args.rows // width, chunks)
    rows = first_row + np.arange(shown * width)
    x = rows / (10 * np.pi)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(10, 4.4))
    axis.plot(x, actual.reshape(chunks, streams, width)[:shown, 0].reshape(-1), "r", label="cos(x)")
    axis.plot(x, predicted.reshape(chunks, streams, width)[:shown, 0].reshape(-1), "b--",
              label=f"stateful LSTM (state carried; test MSE {figures['stateful_test_mse']:.4f})")
    if args.stateless:
        stateless_first, stateless_starts, stateless, stateless_actual, _ = test_predictions(args.stateless, stream0)
        same_rows = np.allclose(stateless_actual, actual.reshape(chunks, streams, width)[:, 0])
        if stateless_first != first_row or not same_rows:
            raise SystemExit("the stateless run's test split holds other rows: train it on the same data.rows")
        figures["stateless_same_windows_mse"] = float(((stateless - stateless_actual) ** 2).mean())
        mse = figures["stateless_same_windows_mse"]
        label = f"stateless LSTM (zero state per window; MSE on these windows {mse:.4f})"
        axis.plot(x, stateless[:shown].reshape(-1), ":", color="gray", label=label)
    for boundary in x[::width]:
        axis.axvline(boundary, color="0.9", linewidth=0.8, zorder=0)
    axis.set_ylim(-1.3, 1.3)
    axis.set_xlabel("x (test split, first stream; a grey line at every 20-step chunk)")
    axis.set_title(f"{Path(args.stateful).name}: cos(x) read from sin(x)")
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8, frameon=False)
    figure.tight_layout()
    figure.savefig(args.output, dpi=100)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
