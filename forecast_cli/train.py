"""`forecast train`: the Hydra app, and the lifecycle of one run (running -> completed | failed)."""

import logging
import sys
from typing import Any, Dict, List

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import OmegaConf

from forecast_cli import __version__
from forecast_cli.atomic import write_text_atomic
from forecast_cli.errors import USER_ERROR_EXIT_CODE, ForecastError, full_error_requested, report_user_error
from forecast_cli.provenance import host_info, package_versions
from forecast_cli.run_layout import COMPLETED, FAILED, INTERRUPTED, RunDir
from forecast_cli.schema import register_schemas

log = logging.getLogger("forecast.train")
record_log = logging.getLogger("forecast.record")

CONFIG_NAME = "train"
register_schemas()


def rewrite_args(args: List[str]) -> List[str]:
    """`experiment=glob(tutorial/*)`: the matching experiments of every subdirectory, listed."""
    from forecast_cli.experiments import expand_experiment_globs

    return expand_experiment_globs(args)


def validate_config(cfg) -> None:
    """Range checks of every group (the schemas' __post_init__); raises ForecastError."""
    OmegaConf.to_object(cfg)


def train_job(cfg) -> Dict[str, Any]:
    hydra_cfg = HydraConfig.get()
    run = RunDir(hydra_cfg.runtime.output_dir)
    in_sweep = hydra_cfg.mode == RunMode.MULTIRUN
    try:
        validate_config(cfg)
        write_text_atomic(run.config_yaml, OmegaConf.to_yaml(cfg, resolve=True))
        run.start(
            task="train",
            forecast_version=__version__,
            overrides=list(hydra_cfg.overrides.task),
            seed=int(cfg.seed),
            deterministic=bool(cfg.trainer.deterministic),
            versions=package_versions(),
            host=host_info(),
        )
        from forecast_cli.training import run_training

        metrics = run_training(cfg, run)
        run.finish(COMPLETED)
        _print_result(run, metrics)
        return {"status": COMPLETED, "metrics": metrics}
    except ForecastError as exc:
        run.finish(FAILED, error=str(exc), error_kind="user")
        record_log.error("user error: %s", exc)
        if in_sweep:
            report_user_error(f"job {run.root.name}: {exc}")
            return {"status": FAILED, "error": str(exc)}
        if full_error_requested():
            raise
        report_user_error(str(exc))
        sys.exit(USER_ERROR_EXIT_CODE)
    except KeyboardInterrupt:
        run.finish(INTERRUPTED, error="interrupted by the user (SIGINT)")
        raise
    except Exception as exc:
        run.finish(FAILED, error=f"{type(exc).__name__}: {exc}", error_kind="internal")
        record_log.exception("run failed")
        if in_sweep:
            log.error("job %s failed: %s: %s", run.root.name, type(exc).__name__, exc)
            return {"status": FAILED, "error": str(exc)}
        raise


def _print_result(run: RunDir, metrics: Dict[str, float]) -> None:
    from forecast_cli.report import metrics_table, print_table

    title = f"{run.root.name}: completed"
    print_table(metrics_table(title, metrics_by_split(metrics), ["split"]))
    print(f"run directory: {run.root}", flush=True)


def metrics_by_split(metrics: Dict[str, float]) -> List[Dict[str, Any]]:
    rows: Dict[str, Dict[str, Any]] = {}
    for key, value in metrics.items():
        split, name = key.split("/", 1)
        rows.setdefault(split, {"split": split})[name] = value
    return list(rows.values())


@hydra.main(version_base="1.3", config_path="pkg://forecast_cli.conf", config_name=CONFIG_NAME)
def main(cfg) -> Dict[str, Any]:
    return train_job(cfg)


if __name__ == "__main__":
    main()
