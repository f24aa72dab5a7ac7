"""`forecast backtest run=DIR [split=test] [horizon=H] [stride=S]`: historical forecasts of a saved
model (no refit) from every origin of a split, scored per horizon step and per column.

Writes backtest.csv (origin, timestamp, step, column, actual, forecast; real units), metrics.json
(scaled MAE/MSE/RMSE; real MAE, RMSE, MAPE, sMAPE and MASE against the seasonal-naive forecast;
overall, per step, per column), error_by_step.png and forecasts.png into its own directory,
outputs/backtest/<date>/<time>_<run name>/ unless `output=DIR`.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional

import hydra
from omegaconf import MISSING

from forecast_cli import __version__
from forecast_cli.commands.base import OneRunCommand, exit_on_user_error
from forecast_cli.errors import require
from forecast_cli.run.layout import COMPLETED, BacktestDir, find_runs, utc_now

CONFIG_NAME = "backtest"
SPLITS = ("test", "val", "train")
# what carrying a state across origins would mean is not clear: each origin would need the state of
# everything before it, which no window holds
STATEFUL_REFUSED = (
    "a backtest forecasts every origin from its window alone, but its forecasts depend on the state carried "
    "along the series; score it with `forecast evaluate` (its streams in order) or forecast with `forecast predict`"
)


@dataclass
class BacktestConfig:
    run: str = MISSING  # a run directory
    split: str = "test"
    horizon: Optional[int] = None  # steps ahead from every origin; null: the steps the model forecasts at once
    stride: int = 1  # rows between origins
    season: Optional[int] = None  # MASE's seasonal period; null: from the data's frequency (hourly: 24, ...)
    data: Dict[str, Any] = field(default_factory=dict)  # overrides of the run's data config
    output: Optional[str] = None  # null: outputs/backtest/<date>/<time>_<run name>
    allow_incomplete: bool = False
    plotted_origins: int = 3  # origins drawn in forecasts.png

    def __post_init__(self) -> None:
        require(self.split in SPLITS, "split", f"must be one of {', '.join(SPLITS)}, got '{self.split}'")
        require(self.horizon is None or self.horizon >= 1, "horizon", f"must be >= 1, got {self.horizon}")
        require(self.stride >= 1, "stride", f"must be >= 1, got {self.stride}")
        require(self.season is None or self.season >= 1, "season", f"must be >= 1, got {self.season}")
        require(self.plotted_origins >= 0, "plotted_origins", f"must be >= 0, got {self.plotted_origins}")


def backtest_job(cfg) -> None:
    from hydra.core.hydra_config import HydraConfig

    from forecast_cli.data.timestamps import seasonal_period
    from forecast_cli.forecaster.backtest import backtest_metrics, run_backtest
    from forecast_cli.forecaster.plan import ForecastPlan
    from forecast_cli.forecaster.engine import inference_function
    from forecast_cli.models._stateful import refuse_stateful
    from forecast_cli.run.atomic import undefined_as_null, write_json_atomic
    from forecast_cli.run.restore import restore_run

    (run,) = find_runs([Path(cfg.run)])
    target = BacktestDir(HydraConfig.get().runtime.output_dir)
    restored = restore_run(run, cfg.data, cfg.allow_incomplete)
    prepared = restored.prepare(sorted({"train", cfg.split}))
    spec = prepared.spec
    plan = ForecastPlan(spec, derived_columns=prepared.series.derived_columns())
    horizon = int(cfg.horizon or plan.direct_steps)
    plan.check_horizon(horizon)
    frequency = run.record().get("data", {}).get("frequency") or prepared.frequency
    season = int(cfg.season or seasonal_period(frequency))
    split = prepared.splits[cfg.split]
    model = restored.load_model()
    refuse_stateful(model, STATEFUL_REFUSED)
    forward = inference_function(model)
    if prepared.series_scaler is not None or (len(prepared.series.segments) > 1 and not prepared.whole_series_split):
        return backtest_panel_job(cfg, run, target, prepared, plan, horizon, lambda x: forward(x).numpy())
    backtest = run_backtest(
        lambda x: forward(x).numpy(), plan, split.values, split.lengths, restored.scaler, horizon, int(cfg.stride)
    )
    train = prepared.splits["train"]
    train_real = restored.scaler.inverse_transform(train.values[:, spec.label_indices].astype("float64"), spec.label_columns)
    metrics = backtest_metrics(backtest, {c: train_real[:, j] for j, c in enumerate(spec.label_columns)}, season)
    row_offset = prepared.split_ranges[cfg.split][0] if prepared.single_series_by_time else None
    write_backtest_csv(target.backtest_csv, backtest, split, row_offset)
    summary = {"split": cfg.split, "horizon": horizon, "stride": int(cfg.stride), "origins": int(len(backtest.origins)),
               "season": season, **metrics}
    write_json_atomic(target.metrics_json, undefined_as_null(summary))  # MASE of a constant in-sample series
    from forecast_cli.plots import plot_backtest_origins, plot_error_by_step

    plot_error_by_step(target.error_by_step_png, backtest, f"{run.root.name}: {cfg.split}, {len(backtest.origins)} origins")
    plot_backtest_origins(
        target.forecasts_png, backtest, split, spec.input_width, int(cfg.plotted_origins), restored.scaler, row_offset or 0
    )
    write_json_atomic(target.run_json, backtest_record(cfg, run, prepared, plan, horizon, len(backtest.origins), season))
    print_summary(metrics, f"backtest {run.root.name} ({cfg.split}, horizon {horizon}, {len(backtest.origins)} origins)")
    print(f"backtest: {target.root}", flush=True)


def backtest_record(cfg, run, prepared, plan, horizon: int, origins: int, season: int) -> dict:
    """The backtest directory's run.json: what was backtested, from which run and data, and how."""
    return {
        "task": "backtest",
        "status": COMPLETED,
        "created_at": utc_now(),
        "forecast_version": __version__,
        "source_run": str(run.root.resolve()),
        "data": {"source": prepared.series.source, "sha256": prepared.series.sha256},
        "split": cfg.split,
        "horizon": horizon,
        "stride": int(cfg.stride),
        "method": "recursive" if horizon > plan.direct_steps else "direct",
        "direct_steps": plan.direct_steps,
        "origins": int(origins),
        "season": season,
    }


def backtest_panel_job(cfg, run, target: BacktestDir, prepared, plan, horizon: int, forward) -> None:
    """Every origin of every series of the split: backtest.csv (id, origin, timestamp or row, step, column,
    actual, forecast), metrics.json (averages over series: sMAPE, MASE, OWA vs the seasonal naive, MAE,
    RMSE) and metrics_by_series.csv. `season` is the run's (data.season, the frequency's) unless given."""
    import dataclasses

    from forecast_cli.forecaster.panel import backtest_split, score_forecasts
    from forecast_cli.run.atomic import undefined_as_null, write_csv_atomic, write_frame_csv_atomic, write_json_atomic

    if cfg.season:
        prepared = dataclasses.replace(prepared, season=int(cfg.season))
    result = backtest_split(forward, plan, prepared, cfg.split, horizon, int(cfg.stride))
    averages, rows = score_forecasts([result], prepared, cfg.split)
    frame = panel_backtest_frame(result, prepared)
    write_frame_csv_atomic(target.backtest_csv, frame)
    write_csv_atomic(target.metrics_by_series_csv, rows)
    summary = {"split": cfg.split, "horizon": horizon, "stride": int(cfg.stride), "origins": int(len(result.series)),
               "season": prepared.season, **averages}
    write_json_atomic(target.metrics_json, undefined_as_null(summary))  # MASE, OWA where the naive error is 0
    record = backtest_record(cfg, run, prepared, plan, horizon, len(result.series), prepared.season)
    record["data"]["series"] = len(prepared.series.ids)
    write_json_atomic(target.run_json, record)
    from forecast_cli.commands.report import metrics_table, print_table

    title = f"backtest {run.root.name} ({cfg.split}, horizon {horizon}, {len(result.series)} origins in {averages['series']} series)"
    print_table(metrics_table(title, [{"": "mean over series", **averages}], [""]))
    print(f"backtest: {target.root}", flush=True)


def panel_backtest_frame(result, prepared):
    """One row per origin, step and label column of a panel's backtest, real units."""
    import numpy as np
    import pandas as pd

    from forecast_cli.data.timestamps import format_timestamps

    n_origins, horizon, _ = result.forecast.shape
    series = np.repeat(result.series, horizon)
    rows = result.label_rows.reshape(-1)
    origin = np.repeat(result.label_rows[:, 0] - 1, horizon)
    frame = pd.DataFrame({"id": np.asarray(prepared.series.ids, dtype=object)[series]})
    if prepared.series.timestamps is not None:
        stamps = prepared.series.timestamps
        frame["origin"] = format_timestamps([stamps[s][r] for s, r in zip(series, origin)])
        frame["timestamp"] = format_timestamps([stamps[s][r] for s, r in zip(series, rows)])
    else:
        frame["origin"], frame["row"] = origin, rows
    frame["step"] = np.tile(np.arange(1, horizon + 1), n_origins)
    parts = [
        frame.assign(column=c, actual=result.actual[:, :, j].reshape(-1), forecast=result.forecast[:, :, j].reshape(-1))
        for j, c in enumerate(prepared.spec.label_columns)
    ]
    return pd.concat(parts, ignore_index=True)


def write_backtest_csv(path: Path, backtest, split, row_offset: Optional[int]) -> None:
    """One row per origin, step and label column (long format), real units to 7 significant digits.
    `origin` is the last row observed before the forecast, `timestamp` (or `row`: the row in the
    series; `position` in the split when the data holds many series) the row forecast."""
    import numpy as np
    import pandas as pd

    from forecast_cli.data.timestamps import format_timestamps
    from forecast_cli.run.atomic import write_frame_csv_atomic

    origins, horizon, columns = backtest.origins, backtest.horizon, backtest.columns
    targets = (origins[:, None] + np.arange(horizon)).reshape(-1)  # [origins * horizon] rows forecast
    observed = np.repeat(origins - 1, horizon)
    if split.timestamps is not None:
        key, origin, target = "timestamp", format_timestamps(split.timestamps[observed]), format_timestamps(split.timestamps[targets])
    elif row_offset is not None:
        key, origin, target = "row", observed + row_offset, targets + row_offset
    else:
        key, origin, target = "position", observed, targets
    frame = pd.DataFrame({"origin": origin, key: target, "step": np.tile(np.arange(1, horizon + 1), len(origins))})
    long = pd.concat(
        [frame.assign(column=c, actual=backtest.actual[:, :, j].reshape(-1), forecast=backtest.forecast[:, :, j].reshape(-1))
         for j, c in enumerate(columns)],
        ignore_index=True,
    )
    write_frame_csv_atomic(path, long)


def print_summary(metrics: Dict[str, Any], title: str) -> None:
    from forecast_cli.commands.report import metrics_table, print_table

    def row(label: str, figures: Dict[str, Any]) -> Dict[str, Any]:
        real = {f"real_{name}": value for name, value in figures["real"].items()}
        return {"": label, "mae": figures["scaled"]["mae"], "rmse": figures["scaled"]["rmse"], **real}

    steps = metrics["by_step"]
    shown = steps if len(steps) <= 12 else [*steps[:6], *steps[-6:]]
    rows = [row("overall", metrics), *(row(f"step {s['step']}", s) for s in shown)]
    print_table(metrics_table(title, rows, [""]))


@hydra.main(version_base="1.3", config_path="pkg://forecast_cli.conf", config_name=CONFIG_NAME)
def main(cfg) -> None:
    exit_on_user_error(backtest_job, cfg, BacktestDir)


class BacktestCommand(OneRunCommand):
    config_name = CONFIG_NAME
    hint = "see `forecast backtest --help`"
    output_layout = BacktestDir


COMMAND = BacktestCommand(BacktestConfig, main)
