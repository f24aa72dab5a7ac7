"""`forecast predict run=DIR [horizon=N] [data.path=FILE] [ids=[...]] [output=DIR]`: forecast past the end
of every series of the run's data (or of a newer file with the same columns), or of the series `ids`
names, in real units.

Writes predictions.csv (one row per series and step: id, timestamp where the data is dated, step, one
column per label), predictions.png (the first series' recent history and forecast) and run.json (source
run, data file and sha256, horizon, method, the series left out and why) into its own directory,
outputs/predict/<date>/<time>_<run name>/ unless `output=DIR`.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import hydra
from omegaconf import MISSING

from forecast_cli import __version__
from forecast_cli.commands.base import OneRunCommand, exit_on_user_error
from forecast_cli.errors import require
from forecast_cli.run.layout import COMPLETED, PredictDir, RunDir, find_runs, utc_now

log = logging.getLogger("forecast.predict")
CONFIG_NAME = "predict"


@dataclass
class PredictConfig:
    run: str = MISSING  # a run directory
    horizon: Optional[int] = None  # steps past the data; null: the steps the model forecasts at once
    data: Dict[str, Any] = field(default_factory=dict)  # overrides of the run's data config
    ids: Optional[List[str]] = None  # the series to forecast; null: every series of the data
    output: Optional[str] = None  # null: outputs/predict/<date>/<time>_<run name>
    allow_incomplete: bool = MISSING

    def __post_init__(self) -> None:
        require(self.horizon is None or self.horizon >= 1, "horizon", f"must be >= 1, got {self.horizon}")


def predict_job(cfg) -> None:
    from hydra.core.hydra_config import HydraConfig

    from forecast_cli.data.panel import left_out_record, shown
    from forecast_cli.data.prepare import check_fits_float32, check_same_columns
    from forecast_cli.data.window import total_window
    from forecast_cli.forecaster.finite import require_finite_forecast
    from forecast_cli.forecaster.future import forecast_origins, predict_series, prediction_frame
    from forecast_cli.forecaster.plan import ForecastPlan
    from forecast_cli.models._stateful import forecast_function
    from forecast_cli.run.atomic import write_frame_csv_atomic, write_json_atomic
    from forecast_cli.run.restore import restore_run

    (run,) = find_runs([Path(cfg.run)])
    target = PredictDir(HydraConfig.get().runtime.output_dir)
    restored = restore_run(run, cfg.data, cfg.allow_incomplete)
    series = restored.load_series(total_window(restored.config.window))
    if cfg.ids is not None:
        series = select_series(series, [str(i) for i in cfg.ids])
    check_same_columns(series, restored.scaler)
    check_fits_float32(series, restored.scaler)
    plan = ForecastPlan(restored.forecast_window(series), derived_columns=series.derived_columns())
    horizon = int(cfg.horizon or plan.direct_steps)
    plan.check_horizon(horizon)  # before loading TensorFlow: a refused horizon costs one line
    recorded_frequency = run.record().get("data", {}).get("frequency")
    origins = forecast_origins(series, restored.scaler, plan.spec.input_width, horizon, recorded_frequency)
    model = restored.load_model()
    # a stateful model first reads the history in order: its forecast starts from the state carried to the end
    forward = forecast_function(model, restored.scaler, plan, origins, horizon)
    prediction = predict_series(forward, restored.scaler, plan, origins, horizon, series.time_features)
    require_finite_forecast(prediction.values, prediction.label_columns, f"the {horizon}-step forecast")
    for why, ids in origins.left_out.items():
        log.warning("%d series left out (%s): %s", len(ids), why.replace("_", " "), shown(ids))
    frame = prediction_frame(prediction)
    write_frame_csv_atomic(target.predictions_csv, frame)
    plot_prediction(prediction, target.predictions_png, run)
    write_json_atomic(target.run_json, {
        "task": "predict",
        "status": COMPLETED,
        "created_at": utc_now(),
        "forecast_version": __version__,
        "source_run": str(run.root.resolve()),
        "data": {"source": series.source, "sha256": series.sha256, "rows": series.n_rows, "series": len(series.segments)},
        "horizon": horizon,
        "method": prediction.method,
        "direct_steps": prediction.direct_steps,
        "frequency": origins.frequency,
        "label_columns": prediction.label_columns,
        "series_forecast": len(prediction.ids),
        "left_out": left_out_record(origins.left_out),
        "first": frame["timestamp"].iloc[0] if "timestamp" in frame else 1,
        "last": frame["timestamp"].iloc[-1] if "timestamp" in frame else horizon,
    })
    title = f"{run.root.name}: {len(prediction.ids)} series x {horizon} steps, {prediction.method}"
    print_prediction(frame.head(2 * horizon), title + (" (first 2 series)" if len(prediction.ids) > 2 else ""))
    print(f"predictions: {target.predictions_csv}", flush=True)


def select_series(series, ids: List[str]):
    """The data with only the series named by `ids`, in that order; a ForecastError naming the first unknown id."""
    from forecast_cli.data.panel import shown, subset
    from forecast_cli.errors import ForecastError

    position = {name: i for i, name in enumerate(series.ids)}
    unknown = [name for name in ids if name not in position]
    if unknown or not ids:
        raise ForecastError(
            (f"ids: '{unknown[0]}' is not a series of the data" if unknown else "ids: the list is empty")
            + f"; its {len(series.ids)} series are {shown(series.ids)} (give ids=[...] of those, or leave ids out)"
        )
    return subset(series, [position[name] for name in dict.fromkeys(ids)])


def plot_prediction(prediction, path: Path, run: RunDir) -> None:
    """The forecast of the first series after its last rows of history (3 horizons, at least 48 rows)."""
    import numpy as np

    from forecast_cli.report.plots import plot_forecast

    history = prediction.origins.series
    horizon = prediction.values.shape[1]
    shown = max(3 * horizon, 48)
    labels = [history.columns.index(c) for c in prediction.label_columns]
    past = history.segments[0][-shown:][:, labels]
    if history.timestamps is not None:
        past_x, future_x = history.timestamps[0][-shown:], prediction.origins.future[0]
    else:
        past_x = np.arange(-len(past) + 1, 1)
        future_x = np.arange(1, horizon + 1)
    of = f" of series '{prediction.ids[0]}' (1 of {len(prediction.ids)})" if len(prediction.ids) > 1 else ""
    title = f"{run.root.name}: {horizon}-step forecast{of} ({prediction.method})"
    plot_forecast(path, prediction.label_columns, past_x, past, future_x, prediction.values[0], title=title)


def print_prediction(frame, title: str, shown: int = 24) -> None:
    from rich.table import Table

    from forecast_cli.commands.report import plain, print_table
    from forecast_cli.data.real_units import readable

    rows = [{k: readable(v) if isinstance(v, float) else v for k, v in row.items()} for row in frame.to_dict("records")]
    table = Table(title=plain(title))
    for name in rows[0]:
        table.add_column(plain(name), justify="left" if name in ("id", "timestamp", "step") else "right")
    cut = rows if len(rows) <= 2 * shown else [*rows[:shown], None, *rows[-shown:]]
    for row in cut:
        table.add_row(*(["..."] * len(rows[0]) if row is None else [plain(v) for v in row.values()]))
    print_table(table)


@hydra.main(version_base="1.3", config_path="pkg://forecast_cli.conf", config_name=CONFIG_NAME)
def main(cfg) -> None:
    exit_on_user_error(predict_job, cfg, PredictDir)


class PredictCommand(OneRunCommand):
    config_name = CONFIG_NAME
    hint = "see `forecast predict --help`"
    output_layout = PredictDir


COMMAND = PredictCommand(PredictConfig, main)
