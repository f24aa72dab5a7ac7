"""`forecast evaluate run=DIR`: recompute a saved run's metrics from disk alone.

The data is rebuilt from the run's own resolved config (optionally with `data.*` overrides, e.g.
another file), scaled with the run's saved scaler, and fed to the run's `model.keras`.
"""

import logging
import sys
from pathlib import Path
from typing import Any, Dict, List

import hydra
from omegaconf import OmegaConf

from forecast_cli.atomic import write_json_atomic, write_text_atomic
from forecast_cli.errors import USER_ERROR_EXIT_CODE, ForecastError, full_error_requested, report_user_error
from forecast_cli.run_layout import COMPLETED, RunDir, SweepDir, utc_now
from forecast_cli.schema import register_schemas
from forecast_cli.sweep import rows_to_csv

log = logging.getLogger("forecast.evaluate")
CONFIG_NAME = "evaluate"
register_schemas()


def find_runs(target: Path) -> List[RunDir]:
    if not target.exists():
        raise ForecastError(f"run directory not found: {target} (give run=<a directory under outputs/train>)")
    if RunDir(target).is_run():
        return [RunDir(target)]
    runs = SweepDir(target).runs()
    if not runs:
        raise ForecastError(f"{target} is not a run or sweep directory (no run.json in it or in its subdirectories)")
    return runs


def run_data_config(run: RunDir, overrides: Dict[str, Any]):
    """The run's data config, with `data.*` overrides, validated against the loader's schema."""
    from forecast_cli.data import DATA

    saved = OmegaConf.load(run.config_yaml)
    schema = OmegaConf.structured(DATA.get(saved.data.name).schema)
    try:
        merged = OmegaConf.merge(schema, saved.data, OmegaConf.create(dict(overrides)))
        OmegaConf.to_object(merged)
    except ForecastError:
        raise
    except Exception as exc:
        raise ForecastError(f"bad data override {dict(overrides)}: {str(exc).splitlines()[0]}") from exc
    return saved, merged


def rewrite_args(args: List[str]) -> List[str]:
    """`data.path=x` overrides keys of the run's data config, which the evaluate config does not
    declare: pass them to Hydra as `++data.path=x`."""
    return [f"++{a}" if a.startswith("data.") else a for a in args]


def validate_config(cfg) -> None:
    """Checks that need no TensorFlow: the options' ranges and that `run` is a run or sweep directory."""
    OmegaConf.to_object(cfg)
    find_runs(Path(cfg.run))


def evaluate_run(run: RunDir, cfg) -> Dict[str, Any]:
    status = run.status()
    if status != COMPLETED and not cfg.allow_incomplete:
        raise ForecastError(
            f"run {run.root} is '{status}', not completed: train it again, or pass allow_incomplete=true"
        )
    from forecast_cli.artifacts import load_model
    from forecast_cli.data.scaling import Scaler
    from forecast_cli.metrics import evaluate_model
    from forecast_cli.prepare import prepare_data
    from forecast_cli.tf_runtime import import_tensorflow
    from forecast_cli.window import make_dataset

    saved, data_cfg = run_data_config(run, cfg.data)
    if not run.scaler_json.is_file():
        raise ForecastError(f"scaler missing: {run.scaler_json} (the run did not finish; train it again)")
    prepared = prepare_data(data_cfg, saved.window, scaler=Scaler.load(run.scaler_json), wanted=[cfg.split])
    import_tensorflow()
    model = load_model(run.model_keras)
    split = prepared.splits[cfg.split]
    batch = int(cfg.batch_size or saved.trainer.eval_batch_size or saved.trainer.batch_size)
    dataset = make_dataset(split.values, split.starts, prepared.spec, batch, shuffle=False, seed=0)
    metrics = {f"{cfg.split}/{k}": v for k, v in evaluate_model(model, dataset, saved.trainer.loss).items()}

    reference = run.metrics() if run.metrics_json.is_file() else {}
    same_data = prepared.series.sha256 == run.record().get("data", {}).get("sha256")
    differences = {k: abs(v - reference[k]) for k, v in metrics.items() if k in reference and same_data}
    result = {
        "evaluated_at": utc_now(),
        "split": cfg.split,
        "data": {"source": prepared.series.source, "sha256": prepared.series.sha256},
        "same_data_as_training": same_data,
        "windows": len(split.starts),
        "metrics": metrics,
        "max_abs_diff_vs_training": max(differences.values()) if differences else None,
    }
    write_json_atomic(run.evaluation_json, result)
    return result


def evaluate_job(cfg) -> None:
    target = Path(cfg.run)
    try:
        runs = find_runs(target)
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
    except ForecastError as exc:
        if full_error_requested():
            raise
        report_user_error(str(exc))
        sys.exit(USER_ERROR_EXIT_CODE)
    if len(runs) > 1:
        write_text_atomic(SweepDir(target).evaluation_csv, rows_to_csv(rows))
    from forecast_cli.report import metrics_table, print_table

    print_table(metrics_table(f"evaluate {target} (split={cfg.split})", rows, ["run"]))
    if any(row.get("status") == "error" for row in rows):
        sys.exit(USER_ERROR_EXIT_CODE)


@hydra.main(version_base="1.3", config_path="pkg://forecast_cli.conf", config_name=CONFIG_NAME)
def main(cfg) -> None:
    evaluate_job(cfg)


if __name__ == "__main__":
    main()
