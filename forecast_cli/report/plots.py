"""The PNG charts of runs, comparisons, forecasts and backtests, written atomically. matplotlib (Agg
backend, no display needed) is imported inside the functions: `--help` and `--cfg job` must not pay for it."""

import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

LOG_SCALE_RANGE = 100.0  # losses spanning more than this factor are drawn on a log axis
MAX_PANELS = 8  # one panel per label column, the first ones when there are more


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
    _save(figure, path)


def plot_window_forecast(forecast, path: Path, title: str) -> None:
    """A run's `forecast.png`: the inputs, actual and forecast label steps of one window (real units)."""
    plot_forecast(path, forecast.columns, forecast.history_x, forecast.history, forecast.x, forecast.forecast,
                  actual=forecast.actual, title=title)


def plot_error_by_step(path: Path, backtest, title: str) -> None:
    """MAE by horizon step: scaled over every column (comparable across columns) and, per column, in
    real units."""
    plt = _pyplot()
    steps = np.arange(1, backtest.horizon + 1)
    shown = list(range(min(len(backtest.columns), MAX_PANELS)))
    figure, axes = plt.subplots(len(shown) + 1, 1, figsize=(8, 2.4 * (len(shown) + 1) + 0.6), sharex=True, squeeze=False)
    scaled = np.abs(backtest.forecast_scaled - backtest.actual_scaled).mean(axis=(0, 2))
    axes[0, 0].plot(steps, scaled, marker=".", color="tab:purple")
    axes[0, 0].set_ylabel("MAE (scaled)")
    axes[0, 0].set_title(title)
    real = np.abs(backtest.forecast - backtest.actual).mean(axis=0)  # [horizon, n_labels]
    for panel, j in zip(axes[1:, 0], shown):
        panel.plot(steps, real[:, j], marker=".", color="tab:orange")
        panel.set_ylabel(f"MAE {backtest.columns[j]}")
    for panel in axes[:, 0]:
        panel.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("horizon step")
    _save(figure, path)


def plot_backtest_origins(path: Path, backtest, prepared, count: int) -> None:
    """Forecast against actual from `count` origins spread over the split (the first label column), each after
    the input rows it was made from, read from its series."""
    from forecast_cli.data.timestamps import format_timestamps

    if count == 0:
        return
    plt = _pyplot()
    input_width = prepared.spec.input_width
    picked = np.unique(np.linspace(0, len(backtest.origins) - 1, count).round().astype(int))
    column = backtest.columns[0]
    index = list(prepared.series.columns).index(column)
    many = len(prepared.series.ids) > 1
    figure, axes = plt.subplots(len(picked), 1, figsize=(10, 2.6 * len(picked) + 0.6), squeeze=False)
    for panel, i in zip(axes[:, 0], picked):
        series, origin = int(backtest.series[i]), int(backtest.origin_rows[i])
        rows = np.arange(origin - input_width, origin + backtest.horizon)
        stamps = prepared.series.timestamps
        x = stamps[series][rows] if stamps is not None else rows
        past = prepared.series.segments[series][rows[:input_width], index]
        panel.plot(x[:input_width], past, color="tab:blue", label="history")
        panel.plot(x[input_width:], backtest.actual[i, :, 0], color="tab:green", marker=".", label="actual")
        panel.plot(x[input_width:], backtest.forecast[i, :, 0], color="tab:orange", marker=".", label="forecast")
        panel.set_ylabel(column)
        made_after = format_timestamps(x[input_width - 1 : input_width])[0] if stamps is not None else f"row {x[input_width - 1]}"
        panel.set_title((f"series {prepared.series.ids[series]}: " if many else "") + f"forecast made after {made_after}", fontsize=9)
        panel.tick_params(axis="x", labelrotation=20)  # each origin has its own dates: no shared axis
        panel.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left")
    _save(figure, path)
