"""`forecast predict run=DIR [horizon=N] [data.path=FILE] [output=DIR]`: forecast past the end of the
run's data (or of a newer file with the same columns) in real units.

Writes predictions.csv (timestamp + one column per label), predictions.png (recent history and the
forecast) and run.json (source run, data file and sha256, horizon, method) into its own directory,
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
    allow_incomplete: bool = False

    def __post_init__(self) -> None:
        require(self.horizon is None or self.horizon >= 1, "horizon", f"must be >= 1, got {self.horizon}")


def predict_job(cfg) -> None:
    from hydra.core.hydra_config import HydraConfig

    from forecast_cli.data.prepare import check_fits_float32, check_same_columns, data_spec
    from forecast_cli.data.window import total_window
    from forecast_cli.forecaster.finite import require_finite_forecast
    from forecast_cli.forecaster.future import future_of, predict_future, series_history
    from forecast_cli.forecaster.plan import ForecastPlan
    from forecast_cli.models._stateful import forecast_function
    from forecast_cli.run.restore import restore_run

    (run,) = find_runs([Path(cfg.run)])
    target = PredictDir(HydraConfig.get().runtime.output_dir)
    restored = restore_run(run, cfg.data, cfg.allow_incomplete)
    # a generated series as long as the run's windows (data=sine, data.length=null) is the training's only when
    # generated at that length; a file is read whole, and series_history checks it has the rows it needs
    generated_length = "length" in restored.data and restored.data.length is None
    series = restored.load_series(total_window(restored.config.window) if generated_length else 1)
    if cfg.ids is not None:
        series = select_series(series, [str(i) for i in cfg.ids])
    check_same_columns(series, restored.scaler)
    check_fits_float32(series, restored.scaler)
    if restored.series_scaler is not None or len(series.segments) > 1:  # every series continued, by id
        return predict_panel_job(cfg, run, restored, series, target)
    spec = data_spec(restored.config.window, restored.data, series)
    plan = ForecastPlan(spec, derived_columns=series.derived_columns())
    history = series_history(series, spec.input_width, run.record().get("data", {}).get("frequency"))
    horizon = int(cfg.horizon or plan.direct_steps)
    plan.check_horizon(horizon)  # before loading TensorFlow: a refused horizon costs one line
    future_of(history, horizon)  # as the horizon: a forecast past the last timestamp costs one line before TensorFlow
    model = restored.load_model()
    # a stateful model first reads the history in order: its forecast starts from the state carried to the end
    forward = forecast_function(model, restored.scaler, plan, history.values, horizon)
    prediction = predict_future(forward, restored.scaler, plan, history, horizon, series.time_features)
    require_finite_forecast(prediction.values, prediction.label_columns, f"the {horizon}-step forecast")
    rows = prediction_rows(prediction)
    from forecast_cli.run.atomic import write_csv_atomic, write_json_atomic

    write_csv_atomic(target.predictions_csv, rows)
    plot_prediction(prediction, target.predictions_png, run)
    write_json_atomic(target.run_json, {
        "task": "predict",
        "status": COMPLETED,
        "created_at": utc_now(),
        "forecast_version": __version__,
        "source_run": str(run.root.resolve()),
        "data": {"source": series.source, "sha256": series.sha256, "rows": series.n_rows},
        "horizon": horizon,
        "method": prediction.method,
        "direct_steps": prediction.direct_steps,
        "frequency": history.frequency,
        "label_columns": prediction.label_columns,
        "first": rows[0].get("timestamp", 1),
        "last": rows[-1].get("timestamp", horizon),
    })
    print_prediction(rows, f"{run.root.name}: {horizon} steps, {prediction.method}")
    print(f"predictions: {target.predictions_csv}", flush=True)


def predict_panel_job(cfg, run: RunDir, restored, series, target: PredictDir) -> None:
    """Every series' next `horizon` steps: predictions.csv holds one row per (series, step)."""
    from forecast_cli.data.panel import left_out_record, shown
    from forecast_cli.forecaster.finite import require_finite_forecast
    from forecast_cli.forecaster.panel import predict_panel, prediction_frame
    from forecast_cli.forecaster.plan import ForecastPlan
    from forecast_cli.forecaster.engine import inference_function
    from forecast_cli.run.atomic import write_frame_csv_atomic, write_json_atomic

    plan = ForecastPlan(restored.panel_window(series), derived_columns=series.derived_columns())
    horizon = int(cfg.horizon or plan.direct_steps)
    plan.check_horizon(horizon)
    frequency = run.record().get("data", {}).get("frequency") or series.frequency
    forward = inference_function(restored.load_model())
    prediction = predict_panel(
        lambda x: forward(x).numpy(), plan, series, restored.scaler, restored.series_scaler, horizon, frequency
    )
    require_finite_forecast(prediction.values, prediction.label_columns, f"the {horizon}-step forecast")
    for why, ids in prediction.left_out.items():
        log.warning("%d series left out (%s): %s", len(ids), why.replace("_", " "), shown(ids))
    frame = prediction_frame(prediction)
    write_frame_csv_atomic(target.predictions_csv, frame)
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
        "frequency": frequency,
        "label_columns": prediction.label_columns,
        "series_forecast": len(prediction.ids),
        "left_out": left_out_record(prediction.left_out),
    })
    from forecast_cli.data.real_units import readable

    rows = [{k: readable(v) if isinstance(v, float) else v for k, v in row.items()} for row in frame.head(2 * horizon).to_dict("records")]
    print_prediction(rows, f"{run.root.name}: {len(prediction.ids)} series x {horizon} steps, {prediction.method} (first 2 series)")
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


def prediction_rows(prediction) -> List[Dict[str, Any]]:
    from forecast_cli.data.real_units import readable
    from forecast_cli.data.timestamps import format_timestamps

    if prediction.timestamps is not None:
        keys = [("timestamp", text) for text in format_timestamps(prediction.timestamps)]
    else:
        keys = [("step", step + 1) for step in range(len(prediction.values))]
    return [
        {key: label, **{c: readable(v) for c, v in zip(prediction.label_columns, row)}}
        for (key, label), row in zip(keys, prediction.values)
    ]


def plot_prediction(prediction, path: Path, run: RunDir) -> None:
    """The forecast after the last rows of history (3 horizons, at least 48 rows)."""
    import numpy as np

    from forecast_cli.plots import plot_forecast

    history = prediction.history
    horizon = len(prediction.values)
    shown = max(3 * horizon, 48)
    labels = [history.columns.index(c) for c in prediction.label_columns]
    past = history.values[-shown:][:, labels]
    if history.timestamps is not None:
        past_x, future_x = history.timestamps[-shown:], prediction.timestamps
    else:
        past_x = np.arange(-len(past) + 1, 1)
        future_x = np.arange(1, horizon + 1)
    title = f"{run.root.name}: {horizon}-step forecast ({prediction.method})"
    plot_forecast(path, prediction.label_columns, past_x, past, future_x, prediction.values, title=title)


def print_prediction(rows: List[Dict[str, Any]], title: str, shown: int = 24) -> None:
    from rich.table import Table

    from forecast_cli.commands.report import plain, print_table

    table = Table(title=plain(title))
    for name in rows[0]:
        table.add_column(plain(name), justify="left" if name in ("timestamp", "step") else "right")
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
