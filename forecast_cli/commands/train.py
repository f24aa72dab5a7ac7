"""`forecast train`: the command, its schema, and the lifecycle of one run:
running -> completed | failed (user error: exit 2; diverged or bug: exit 1) | interrupted (exit 128 + signal)."""

import contextlib
import logging
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import MISSING, OmegaConf

from forecast_cli import __version__
from forecast_cli.runtime.cluster import is_chief
from forecast_cli.commands.base import HydraCommand
from forecast_cli.commands.rewrite import (
    absolute_paths,
    expand_experiment_globs,
    rename_former_options,
    resume_args,
    worker_args,
)
from forecast_cli.config.guard import check_config
from forecast_cli.data.series_index import SERIES_INDEX_NEEDS
from forecast_cli.data.streams import check_stateful_data, check_stateful_job
from forecast_cli.errors import (
    USER_ERROR_EXIT_CODE,
    ForecastError,
    RunInterrupted,
    TrainingDiverged,
    full_error_requested,
    report_user_error,
    require,
)
from forecast_cli.trainer.optimizer import check_schedule_alone
from forecast_cli.report.published import PublishedConfig
from forecast_cli.run.atomic import no_space_error, out_of_space, write_text_atomic
from forecast_cli.run.layout import COMPLETED, FAILED, INTERRUPTED, RunDir
from forecast_cli.run.lock import claim_run_dir, release_run_lock
from forecast_cli.run.provenance import host_info, package_versions
from forecast_cli.run.resume import check_resumable, load_resume_checkpoint
from forecast_cli.run.signals import StopRequest, stop_on_signals
from forecast_cli.runtime.strategy import check_trainer_supported

log = logging.getLogger("forecast.train")
record_log = logging.getLogger("forecast.record")

CONFIG_NAME = "train"
RUN_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass
class TrainConfig:
    data: Any = MISSING
    window: Any = MISSING
    model: Any = MISSING
    optimizer: Any = MISSING
    strategy: Any = MISSING
    trainer: Any = MISSING
    seed: int = field(default=MISSING, metadata={"max": None})  # its range: __post_init__
    run_name: str = MISSING  # the suffix of the run directory; train.yaml sets it to the model name
    resume: Optional[str] = None  # a run directory to continue (`forecast train resume=DIR`)
    logger: Any = None  # conf/logger/: none, mlflow
    published: Optional[PublishedConfig] = None  # an experiment's paper figures, shown by `forecast compare`

    def __post_init__(self):
        require(0 <= self.seed < 2**32, "seed", f"must be in [0, 2**32 - 1], got {self.seed}")
        # the name ends the run directory's name: nothing in it may lead out of outputs/train/<date>/
        require(
            bool(RUN_NAME.match(str(self.run_name))) and ".." not in str(self.run_name),
            "run_name",
            f"must be letters, digits and . _ - without '..', got {self.run_name!r}",
        )


def check_job_config(cfg) -> None:
    """Range checks of every group (the schemas' __post_init__) and combinations that cannot work."""
    typed = OmegaConf.to_object(cfg)
    typed.model.check_init()
    typed.model.check_series_embedding()
    typed.model.check_window(typed.window)
    check_stateful_job(typed)
    if typed.model.series_embedding and not getattr(typed.data, "per_series", False):
        raise ForecastError(SERIES_INDEX_NEEDS)
    check_trainer_supported(cfg.strategy, cfg.trainer.name)
    check_schedule_alone(typed.optimizer.learning_rate, typed.trainer.callbacks)


def validate_config(cfg) -> None:
    """What the precheck refuses before any run directory exists; raises ForecastError."""
    check_job_config(cfg)
    check_stateful_data(cfg)
    if cfg.resume is not None:
        RunDir(cfg.resume).check_files()  # before Hydra writes .hydra/ and train.log into it
        check_resumable(cfg)


def train_job(cfg) -> Dict[str, Any]:
    hydra_cfg = HydraConfig.get()
    run = RunDir(hydra_cfg.runtime.output_dir)
    in_sweep = hydra_cfg.mode == RunMode.MULTIRUN
    try:
        return _claim_and_train(cfg, run, in_sweep)
    finally:
        release_run_lock(run)


def _claim_and_train(cfg, run: RunDir, in_sweep: bool) -> Dict[str, Any]:
    checkpoint = None
    try:  # before the try below: a refused run directory or resume is left as it was
        claim_run_dir(run, resume=cfg.resume is not None)  # again: another process may have come since the precheck
        if cfg.resume is not None:
            run.check_files()
            check_resumable(cfg)
            checkpoint = load_resume_checkpoint(run)
    except ForecastError as exc:
        if full_error_requested():
            raise
        report_user_error(str(exc))
        sys.exit(USER_ERROR_EXIT_CODE)
    chief = is_chief(cfg.strategy)
    with stop_on_signals(StopRequest()) as stop:
        try:
            return _train_and_record(cfg, run, in_sweep, checkpoint, stop, chief)
        finally:
            if not chief:
                shutil.rmtree(run.root, ignore_errors=True)


def _train_and_record(cfg, run: RunDir, in_sweep: bool, checkpoint, stop: StopRequest, chief: bool) -> Dict[str, Any]:
    hydra_cfg = HydraConfig.get()
    try:
        # every job of a sweep: the precheck composes only the first 256, and not those of other sweepers
        check_config(cfg)
        check_job_config(cfg)
        write_text_atomic(run.config_yaml, OmegaConf.to_yaml(cfg, resolve=True))
        if cfg.resume is not None:
            for leftover in run.stale_temp_files():
                leftover.unlink()
            run.resume(from_epoch=checkpoint.epochs_completed if checkpoint else 0, pid=os.getpid(), host=host_info())
        else:
            run.start(
                task="train",
                forecast_version=__version__,
                overrides=list(hydra_cfg.overrides.task),
                seed=int(cfg.seed),
                deterministic=bool(cfg.trainer.deterministic),
                versions=package_versions(),
                host=host_info(),
                pid=os.getpid(),
            )
        from forecast_cli.data.loaders._download import downloads_refused
        from forecast_cli.trainer.session import run_training

        # a resumed run's config comes from its directory: it may not choose a URL and where to write it
        with downloads_refused() if cfg.resume is not None else contextlib.nullcontext():
            metrics = run_training(cfg, run, stop, checkpoint)
        run.finish(COMPLETED)
        if chief:
            _print_result(run, metrics)
        return {"status": COMPLETED, "metrics": metrics}
    except RunInterrupted as exc:
        run.finish(INTERRUPTED, error=str(exc))
        record_log.warning("interrupted: %s", exc)
        sys.stderr.write(f"forecast: interrupted: {exc}\n")
        sys.exit(exc.exit_code)
    except TrainingDiverged as exc:
        return _fail_in_one_line(run, exc, "diverged", 1, in_sweep)
    except ForecastError as exc:
        return _fail_in_one_line(run, exc, "user", USER_ERROR_EXIT_CODE, in_sweep)
    except KeyboardInterrupt:
        run.finish(INTERRUPTED, error="interrupted by the user (SIGINT)")
        raise
    except Exception as exc:
        if out_of_space(exc):
            return _fail_in_one_line(run, no_space_error(run, exc), "no_space", USER_ERROR_EXIT_CODE, in_sweep)
        run.finish(FAILED, error=f"{type(exc).__name__}: {exc}", error_kind="internal")
        record_log.exception("run failed")
        if in_sweep:
            log.error("job %s failed: %s: %s", run.root.name, type(exc).__name__, exc)
            return {"status": FAILED, "error": str(exc)}
        raise


def _fail_in_one_line(run: RunDir, exc: Exception, kind: str, exit_code: int, in_sweep: bool) -> Dict[str, Any]:
    """Mark the run failed and say why in one line: a sweep goes on with its next job, a single run
    exits with `exit_code` (the traceback only with HYDRA_FULL_ERROR=1)."""
    try:
        run.finish(FAILED, error=str(exc), error_kind=kind)
    except OSError as write_error:
        if not out_of_space(write_error):
            raise
        # no room even for run.json: it still says running, which resume and `runs` read as killed
    record_log.error("%s error: %s", kind, exc)
    if in_sweep:
        report_user_error(f"job {run.root.name}: {exc}")
        return {"status": FAILED, "error": str(exc)}
    if full_error_requested():
        raise exc
    report_user_error(str(exc))
    sys.exit(exit_code)


def _print_result(run: RunDir, metrics: Dict[str, float]) -> None:
    from forecast_cli.commands.report import metrics_table, print_table

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


class TrainCommand(HydraCommand):
    config_name = CONFIG_NAME
    hint = "see `forecast train --cfg job` for the keys and `forecast train --help` for the options"

    def rewrite_args(self, args: List[str]) -> List[str]:
        """`experiment=glob(tutorial/*)` lists the matching experiments of every subdirectory;
        `resume=DIR` becomes the run's own overrides plus its directory; data paths become absolute."""
        return rename_former_options(resume_args(absolute_paths(expand_experiment_globs(args))))

    def validate(self, cfg) -> None:
        validate_config(cfg)

    def launch_args(self, args: List[str], composed: list) -> List[str]:
        """A run directory given with hydra.run.dir is claimed (run/lock.py) before Hydra writes into it."""
        args = worker_args(args, composed)
        run_dir = requested_run_dir(args)
        if run_dir is not None:
            claim_run_dir(RunDir(run_dir), resume=bool(composed) and composed[0].resume is not None)
        return args


def requested_run_dir(args: List[str]) -> Optional[str]:
    """The directory of a single run given as `hydra.run.dir=DIR` (the last one wins, as in Hydra); None
    for a sweep, a fresh timestamped directory, or one that only the job can resolve (interpolations)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from forecast_cli.commands.precheck import split_command_line

    overrides, multirun, skip = split_command_line(args)
    if multirun or skip:
        return None
    given = [o for o in OverridesParser.create().parse_overrides(overrides) if o.key_or_group == "hydra.run.dir"]
    if not given or given[-1].is_delete():
        return None
    value = str(given[-1].value())
    return None if "${" in value else value


COMMAND = TrainCommand(TrainConfig, main)


if __name__ == "__main__":
    main()
