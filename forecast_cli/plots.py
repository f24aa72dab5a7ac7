"""The PNG charts of runs and comparisons, written atomically. matplotlib (Agg backend, no display
needed) is imported inside the functions: `--help` and `--cfg job` must not pay for it."""

import math
from pathlib import Path
from typing import Any, Dict, List, Sequence

LOG_SCALE_RANGE = 100.0  # losses spanning more than this factor are drawn on a log axis


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path: Path) -> None:
    from forecast_cli.run.atomic import write_atomic

    figure.tight_layout()
    try:
        write_atomic(path, lambda handle: figure.savefig(handle, format="png", dpi=100), mode="wb")
    finally:
        _pyplot().close(figure)


def plot_history(rows: Sequence[Dict[str, Any]], path: Path) -> None:
    """Training and validation loss per epoch (history.csv's rows), log scale over a wide range."""
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6, 4))
    epochs = [row["epoch"] for row in rows]
    plotted: List[float] = []
    for key, label in (("loss", "Training"), ("val_loss", "Validation")):
        if not any(key in row for row in rows):
            continue
        values = [row.get(key, math.nan) for row in rows]
        axis.plot(epochs, values, marker="o", label=label)
        plotted += [v for v in values if math.isfinite(v)]
    if plotted and min(plotted) > 0 and max(plotted) / min(plotted) > LOG_SCALE_RANGE:
        axis.set_yscale("log")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlabel("epoch")
    axis.set_ylabel("loss")
    axis.legend()
    _save(figure, path)


def plot_comparison(rows: List[Dict[str, Any]], metric: str, path: Path) -> None:
    """Grouped bars, validation and test, one group per run (the tutorial's performance chart)."""
    import numpy as np

    plt = _pyplot()
    x = np.arange(len(rows))
    figure, axis = plt.subplots(figsize=(max(6, 1.1 * len(rows) + 2), 4.5))
    for offset, split in ((-0.17, "val"), (0.17, "test")):
        values = [row.get(f"{split}/{metric}", float("nan")) for row in rows]
        axis.bar(x + offset, values, width=0.34, label="Validation" if split == "val" else "Test")
    axis.set_xticks(x, [row["run"] for row in rows], rotation=45, ha="right")
    axis.set_ylabel(metric)
    axis.legend()
    _save(figure, path)
