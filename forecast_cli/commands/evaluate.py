"""`forecast evaluate run=DIR`: recompute a saved run's metrics from disk alone.

The data is rebuilt from the run's own resolved config (optionally with `data.*` overrides, e.g.
another file), scaled with the run's saved scaler, and fed to the run's `model.keras`.
"""

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import hydra
from omegaconf import MISSING, OmegaConf

from forecast_cli.commands.base import HydraCommand, exit_on_user_error
from forecast_cli.commands.rewrite import saved_run_data_overrides
from forecast_cli.errors import USER_ERROR_EXIT_CODE, ForecastError, report_user_error, require
from forecast_cli.forecaster.finite import require_finite_metrics
from forecast_cli.run.atomic import undefined_as_null, write_csv_atomic, write_json_atomic
from forecast_cli.run.layout import RunDir, SweepDir, find_runs, utc_now

log = logging.getLogger("forecast.evaluate")
CONFIG_NAME = "evaluate"
EVAL_SPLITS = ("train", "val", "test", "all")


@dataclass
class EvaluateConfig:
    run: str = MISSING  # a run directory, or a multirun sweep directory
    split: str = MISSING  # train | val | test | all
    data: Dict[str, Any] = field(default_factory=dict)  # overrides of the run's data config
    allow_incomplete: bool = MISSING
    batch_size: Optional[int] = None
    # score only the windows a loader of this batch size with drop_last=True yields, the first
    # floor(windows / B) * B: how code that drops the last incomplete test batch measured its figures
    # (PatchTST's repository: batch 16 on ILI, 128 on ETTh1), to compare with them on the same windows;
    # null: every window (never dropped otherwise)
    drop_last: Optional[int] = None

    def __post_init__(self) -> None:
        require(self.split in EVAL_SPLITS, "split", f"must be one of {', '.join(EVAL_SPLITS)}, got '{self.split}'")
        require(self.drop_last is None or self.drop_last >= 1, "drop_last", f"must be null or >= 1, got {self.drop_last}")
        require(self.batch_size is None or self.batch_size >= 1, "batch_size", f"must be null or >= 1, got {self.batch_size}")


def evaluate_run(run: RunDir, cfg) -> Dict[str, Any]:
    from forecast_cli.data.pipeline import make_dataset
    from forecast_cli.data.streams import stream_starts
    from forecast_cli.evaluation.score import score_split
    from forecast_cli.forecaster.engine import inference_function
    from forecast_cli.models._stateful import stateful_streams
    from forecast_cli.run.restore import restore_run

    restored = restore_run(run, cfg.data, cfg.allow_incomplete)
    prepared = restored.prepare([cfg.split])
    model = restored.load_model()
    saved = restored.config
    split = prepared.splits[cfg.split]
    starts = split.starts
    streams = stateful_streams(model)  # None: a stateless model
    if streams:  # its streams' chunks in order, carrying the state, as training scored them
        starts = stream_starts(prepared, cfg.split, streams, cfg.batch_size, cfg.drop_last)
    if cfg.drop_last:
        starts = starts[: len(starts) // cfg.drop_last * cfg.drop_last]
        if not len(starts):
            raise ForecastError(f"drop_last={cfg.drop_last} keeps none of the {len(split.starts)} windows: give a smaller batch")
    batch = streams or int(cfg.batch_size or saved.trainer.eval_batch_size or saved.trainer.batch_size)
    dataset = make_dataset(split.values, starts, prepared.spec, batch, shuffle=False, seed=0)
    forward = inference_function(model)
    computed, rows = score_split(lambda x: forward(x).numpy(), dataset, prepared, cfg.split, saved.trainer.loss, starts)
    metrics = {f"{cfg.split}/{k}": v for k, v in computed.items()}
    require_finite_metrics(metrics, f"the metrics of {run.root}")
    write_csv_atomic(run.evaluation_by_series_csv, rows)

    reference = run.metrics() if run.metrics_json.is_file() else {}
    same_data = prepared.series.sha256 == run.record().get("data", {}).get("sha256")
    comparable = same_data and not cfg.drop_last  # training scored every window
    differences = {k: abs(v - reference[k]) for k, v in metrics.items() if k in reference and comparable}
    result = {
        "evaluated_at": utc_now(),
        "split": cfg.split,
        "data": {"source": prepared.series.source, "sha256": prepared.series.sha256},
        "same_data_as_training": same_data,
        "windows": len(starts),
        **({"drop_last": int(cfg.drop_last), "windows_dropped": len(split.starts) - len(starts)} if cfg.drop_last else {}),
        "series_metrics": str(run.evaluation_by_series_csv),
        "metrics": metrics,
        "max_abs_diff_vs_training": max(differences.values()) if differences else None,
    }
    write_json_atomic(run.evaluation_json, undefined_as_null(result))  # a panel's MASE, OWA with a zero naive error
    return result


def evaluate_job(cfg) -> None:
    target = Path(cfg.run)
    runs = find_runs([target])
    rows = []
    for run in runs:
        try:
            result = evaluate_run(run, cfg)
        except ForecastError as exc:
            if len(runs) == 1:
                raise
            report_user_error(f"{run.root.name}: {exc}")
            rows.append({"run": run.root.name, "status": "error", "error": str(exc)})
            continue
        row = {"run": run.root.name, "windows": result["windows"]}
        row.update({k.split("/", 1)[1]: v for k, v in result["metrics"].items()})
        row["diff_vs_train"] = result["max_abs_diff_vs_training"]
        rows.append(row)
    if len(runs) > 1:
        write_csv_atomic(SweepDir(target).evaluation_csv, rows)
    from forecast_cli.commands.report import column_rows, metrics_table, print_table

    print_table(metrics_table(f"evaluate {target} (split={cfg.split})", rows, ["run"]))
    per_column = column_rows(rows, ["run"])
    if len({row["column"] for row in per_column}) >= 2:
        print_table(metrics_table(f"per label column, real units (split={cfg.split})", per_column, ["run", "column"]))
    if any(row.get("status") == "error" for row in rows):
        sys.exit(USER_ERROR_EXIT_CODE)


@hydra.main(version_base="1.3", config_path="pkg://forecast_cli.conf", config_name=CONFIG_NAME)
def main(cfg) -> None:
    exit_on_user_error(evaluate_job, cfg)


class EvaluateCommand(HydraCommand):
    config_name = CONFIG_NAME
    hint = "see `forecast evaluate --help`"

    def rewrite_args(self, args: List[str]) -> List[str]:
        return saved_run_data_overrides(args)

    def validate(self, cfg) -> None:
        """The options' ranges, and that `run` is a run or sweep directory (no TensorFlow needed)."""
        OmegaConf.to_object(cfg)
        find_runs([Path(cfg.run)])
        RunDir(cfg.run).check_files()  # a run, or a sweep and its jobs: before Hydra opens evaluate.log there


COMMAND = EvaluateCommand(EvaluateConfig, main)


if __name__ == "__main__":
    main()
