"""Figures a person looks at instead of reading numbers: one PNG each, written atomically.
Matplotlib (Agg backend) is imported inside the functions."""

from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

from forecast_cli.run.atomic import write_atomic

MAX_PANELS = 8  # one panel per label column, the first ones when there are more


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure, path: Path) -> None:
    figure.tight_layout()
    write_atomic(Path(path), lambda handle: figure.savefig(handle, format="png", dpi=100), mode="wb")
    _pyplot().close(figure)


def plot_forecast(
    path: Path,
    columns: Sequence[str],
    history_x,
    history: np.ndarray,
    forecast_x,
    forecast: np.ndarray,
    actual: Optional[np.ndarray] = None,
    title: str = "",
) -> None:
    """History, forecast (and the actual values when known) of each column: `history` [rows, columns],
    `forecast`/`actual` [steps, columns], x values dates or step numbers."""
    plt = _pyplot()
    shown: List[int] = list(range(min(len(columns), MAX_PANELS)))
    figure, axes = plt.subplots(len(shown), 1, figsize=(10, 2.6 * len(shown) + 0.6), sharex=True, squeeze=False)
    for panel, j in zip(axes[:, 0], shown):
        panel.plot(history_x, history[:, j], color="tab:blue", label="history")
        if actual is not None:
            panel.plot(forecast_x, actual[:, j], color="tab:green", marker=".", label="actual")
        panel.plot(forecast_x, forecast[:, j], color="tab:orange", marker=".", label="forecast")
        panel.set_ylabel(columns[j])
        panel.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left")
    if title:
        axes[0, 0].set_title(title + (f" (first {MAX_PANELS} of {len(columns)} columns)" if len(columns) > MAX_PANELS else ""))
    figure.autofmt_xdate()
    save_figure(figure, path)


def plot_window_forecast(forecast, path: Path, title: str) -> None:
    """A run's `forecast.png`: the inputs, actual and forecast label steps of one window (real units)."""
    plot_forecast(path, forecast.columns, forecast.history_x, forecast.history, forecast.x, forecast.forecast,
                  actual=forecast.actual, title=title)
