"""`forecast backtest run=DIR [split=test] [horizon=H] [stride=S]`: historical forecasts of a saved
model (no refit) from every origin of every series of a split, scored per series, per horizon step and per column.

Writes backtest.csv (id, origin, timestamp or row, step, column, actual, forecast; real units), metrics.json
(the means over series: real MAE, RMSE, MAPE, sMAPE, MASE and OWA against the seasonal naive; then every
value pooled: scaled MAE/MSE/RMSE and the real ones overall, per step, per column), metrics_by_series.csv,
error_by_step.png and forecasts.png into its own directory, outputs/backtest/<date>/<time>_<run name>/
unless `output=DIR`.
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
    split: str = MISSING  # test | val | train
    horizon: Optional[int] = None  # steps ahead from every origin; null: the steps the model forecasts at once
    stride: int = MISSING  # rows between origins
    season: Optional[int] = None  # MASE's seasonal period; null: from the data's frequency (hourly: 24, ...)
    data: Dict[str, Any] = field(default_factory=dict)  # overrides of the run's data config
    output: Optional[str] = None  # null: outputs/backtest/<date>/<time>_<run name>
    allow_incomplete: bool = MISSING
    plotted_origins: int = MISSING  # origins drawn in forecasts.png

    def __post_init__(self) -> None:
        require(self.split in SPLITS, "split", f"must be one of {', '.join(SPLITS)}, got '{self.split}'")
        require(self.horizon is None or self.horizon >= 1, "horizon", f"must be >= 1, got {self.horizon}")
        require(self.stride >= 1, "stride", f"must be >= 1, got {self.stride}")
        require(self.season is None or self.season >= 1, "season", f"must be >= 1, got {self.season}")
        require(self.plotted_origins >= 0, "plotted_origins", f"must be >= 0, got {self.plotted_origins}")


def backtest_job(cfg) -> None:
    import dataclasses

    from hydra.core.hydra_config import HydraConfig

    from forecast_cli.forecaster.backtest import backtest_frame, run_backtest, score_backtest
    from forecast_cli.forecaster.engine import inference_function
    from forecast_cli.forecaster.plan import ForecastPlan
    from forecast_cli.models._stateful import refuse_stateful
    from forecast_cli.report.plots import plot_backtest_origins, plot_error_by_step
    from forecast_cli.run.atomic import undefined_as_null, write_csv_atomic, write_frame_csv_atomic, write_json_atomic
    from forecast_cli.run.restore import restore_run

    (run,) = find_runs([Path(cfg.run)])
    target = BacktestDir(HydraConfig.get().runtime.output_dir)
    restored = restore_run(run, cfg.data, cfg.allow_incomplete)
    prepared = restored.prepare([cfg.split])
    if cfg.season:
        prepared = dataclasses.replace(prepared, season=int(cfg.season))
    plan = ForecastPlan(prepared.spec, derived_columns=prepared.series.derived_columns())
    horizon = int(cfg.horizon or plan.direct_steps)
    plan.check_horizon(horizon)
    model = restored.load_model()
    refuse_stateful(model, STATEFUL_REFUSED)
    forward = inference_function(model)
    backtest = run_backtest(lambda x: forward(x).numpy(), plan, prepared, cfg.split, horizon, int(cfg.stride))
    metrics, by_series = score_backtest(backtest, prepared)
    write_frame_csv_atomic(target.backtest_csv, backtest_frame(backtest, prepared))
    write_csv_atomic(target.metrics_by_series_csv, by_series)
    origins = int(len(backtest.origins))
    summary = {"split": cfg.split, "horizon": horizon, "stride": int(cfg.stride), "origins": origins, "season": prepared.season, **metrics}
    write_json_atomic(target.metrics_json, undefined_as_null(summary))  # MASE, OWA where the naive error is 0
    title = f"{run.root.name}: {cfg.split}, {origins} origins"
    plot_error_by_step(target.error_by_step_png, backtest, title)
    plot_backtest_origins(target.forecasts_png, backtest, prepared, int(cfg.plotted_origins))
    write_json_atomic(target.run_json, backtest_record(cfg, run, prepared, plan, horizon, origins, prepared.season))
    in_series = f" in {metrics['series']} series" if len(prepared.series.ids) > 1 else ""
    print_summary(metrics, f"backtest {run.root.name} ({cfg.split}, horizon {horizon}, {origins} origins{in_series})")
    print(f"backtest: {target.root}", flush=True)


def backtest_record(cfg, run, prepared, plan, horizon: int, origins: int, season: int) -> dict:
    """The backtest directory's run.json: what was backtested, from which run and data, and how."""
    return {
        "task": "backtest",
        "status": COMPLETED,
        "created_at": utc_now(),
        "forecast_version": __version__,
        "source_run": str(run.root.resolve()),
        "data": {"source": prepared.series.source, "sha256": prepared.series.sha256, "series": len(prepared.series.ids)},
        "split": cfg.split,
        "horizon": horizon,
        "stride": int(cfg.stride),
        "method": "recursive" if horizon > plan.direct_steps else "direct",
        "direct_steps": plan.direct_steps,
        "origins": int(origins),
        "season": season,
    }


def print_summary(metrics: Dict[str, Any], title: str) -> None:
    from forecast_cli.commands.report import metrics_table, print_table

    def row(label: str, figures: Dict[str, Any]) -> Dict[str, Any]:
        real = {f"real_{name}": value for name, value in figures["real"].items()}
        return {"": label, "mae": figures["scaled"]["mae"], "rmse": figures["scaled"]["rmse"], **real}

    steps = metrics["by_step"]
    shown = steps if len(steps) <= 12 else [*steps[:6], *steps[-6:]]
    means = {"": "mean over series", **{k: metrics[k] for k in ("real_mae", "real_rmse", "real_smape", "mase", "owa")}}
    rows = [means, row("every value", metrics), *(row(f"step {s['step']}", s) for s in shown)]
    print_table(metrics_table(title, rows, [""]))


@hydra.main(version_base="1.3", config_path="pkg://forecast_cli.conf", config_name=CONFIG_NAME)
def main(cfg) -> None:
    exit_on_user_error(backtest_job, cfg, BacktestDir)


class BacktestCommand(OneRunCommand):
    config_name = CONFIG_NAME
    hint = "see `forecast backtest --help`"
    output_layout = BacktestDir


COMMAND = BacktestCommand(BacktestConfig, main)
