"""The interface every subcommand implements, and the path every Hydra-based one shares:
rewrite the arguments, compose and validate every job (the precheck), then hand over to Hydra."""

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional, Protocol

from omegaconf import OmegaConf

from forecast_cli.commands.help import asks_for_help, command_help, register_help_resolver
from forecast_cli.commands.precheck import check_overrides, config_source, job_override_lists, one_line, prints_job_config_only, split_command_line
from forecast_cli.config.store import register_schemas, store_command_schema
from forecast_cli.errors import (
    USER_ERROR_EXIT_CODE,
    ForecastError,
    TrainingDiverged,
    first_line,
    full_error_requested,
    path_error,
    report_user_error,
)
from forecast_cli.run.layout import FAILED, INTERRUPTED, PLAIN_NAME, OutputDir, RunDir, check_can_create, find_runs, name_in_dir

DIVERGED_EXIT_CODE = 1  # as `forecast train` exits on a diverged run


class Command(Protocol):
    """`forecast <name> ARGS...`. The command's module, listed in `commands.COMMANDS`, exposes one
    instance as `COMMAND`. A ForecastError raised by `run` is reported by the CLI as one line on
    stderr with exit status 2 (the traceback only with HYDRA_FULL_ERROR=1)."""

    def run(self, args: List[str]) -> int:
        """Run with the arguments after the command's name; return the exit status."""

    def print_help(self, args: List[str]) -> int:
        from hydra.errors import HydraException
        from omegaconf.errors import OmegaConfBaseException

        source = config_source(args)
        overrides, multirun, _ = split_command_line(args)
        try:
            first_job = job_override_lists(overrides, multirun)[0]  # `-m --help a=1,2` shows the first job
            text = command_help(source["name"] or self.config_name, source["dir"], first_job, "--resolve" in args)
        except (HydraException, OmegaConfBaseException, ValueError) as exc:
            raise ForecastError(f"{one_line(exc)}; {self.hint}") from exc
        print(text)
        return 0

    def complete(self, args: List[str]) -> int:
        """Answer a shell-completion query (`-sc query=bash`; COMP_LINE holds the words after the
        command's name); return the exit status."""


class HydraCommand:
    """A command whose configuration is `conf/<config_name>.yaml`, validated against `schema` before
    Hydra runs `main` (the command's `@hydra.main` function)."""

    config_name: str
    # what the one-line error adds after a config mistake
    hint: str

    def __init__(self, schema: type, main: Callable[[], Any]):
        register_schemas()
        register_help_resolver()
        register_run_name_resolver()
        store_command_schema(self.config_name, schema)
        self.main = main

    def rewrite_args(self, args: List[str]) -> List[str]:
        """The command line Hydra and the precheck see (default: as given)."""
        return args

    def validate(self, cfg) -> None:
        """Checks of one composed job that need no TensorFlow; raise ForecastError (default: the schemas')."""
        OmegaConf.to_object(cfg)

    def launch_args(self, args: List[str], composed: list) -> List[str]:
        """Last changes once every job composed (`composed`: their configs; empty if Hydra checks them)."""
        return args

    def run(self, args: List[str]) -> int:
        args = self.rewrite_args(args)
        if asks_for_help(args):
            return self.print_help(args)
        composed = check_overrides(self.config_name, args, self.validate, self.hint)
        if composed and prints_job_config_only(args):
            # Hydra would compose the same config a second time only to print it (tested identical)
            sys.stdout.write(OmegaConf.to_yaml(composed[0]))
            return 0
        return self.launch(self.launch_args(args, composed))

    def print_help(self, args: List[str]) -> int:
        from hydra.errors import HydraException
        from omegaconf.errors import OmegaConfBaseException

        source = config_source(args)
        overrides, multirun, _ = split_command_line(args)
        try:
            first_job = job_override_lists(overrides, multirun)[0]  # `-m --help a=1,2` shows the first job
            text = command_help(source["name"] or self.config_name, source["dir"], first_job, "--resolve" in args)
        except (HydraException, OmegaConfBaseException, ValueError) as exc:
            raise ForecastError(f"{one_line(exc)}; {self.hint}") from exc
        print(text)
        return 0

    def complete(self, args: List[str]) -> int:
        return self.launch(args)

    def launch(self, args: List[str]) -> int:
        # Hydra's argparse takes its flags before the overrides only: `train a=1 -m b=2,3` must work too
        multirun = [a for a in args if a in ("-m", "--multirun")]
        sys.argv = [sys.argv[0], *multirun[:1], *(a for a in args if a not in multirun)]
        self.main()
        return 0


class OneRunCommand(HydraCommand):
    """A command that reads one saved run (`run=DIR`, with `data.*` overrides of its data config) and
    writes into a directory of its own: `output=DIR`, else the directory its YAML gives Hydra. Its
    `run.json`, written last, marks it complete: a complete one is never written over."""

    output_layout: Callable[[Path], Any]  # the layout class of the output directory (run/layout.py)

    def rewrite_args(self, args: List[str]) -> List[str]:
        """`data.path=x` overrides the run's data config (`++data.path=x`); `output=DIR` is Hydra's run dir."""
        from forecast_cli.commands.rewrite import saved_run_data_overrides

        outputs = [a.split("=", 1)[1] for a in args if a.startswith("output=")]
        return [*saved_run_data_overrides(args), *(f"hydra.run.dir={o}" for o in outputs[-1:])]

    def validate(self, cfg) -> None:
        OmegaConf.to_object(cfg)
        runs = find_runs([Path(cfg.run)])
        if len(runs) != 1 or runs[0].root != Path(cfg.run):
            raise ForecastError(f"{cfg.run} is a sweep directory: give run=<one of its job directories>")
        runs[0].check_files()
        if cfg.output is not None:
            check_can_create(Path(cfg.output), "output")
        if cfg.output is not None and self.output_layout(Path(cfg.output)).is_finished():
            raise ForecastError(f"{cfg.output} already holds a finished {self.config_name}: give a new output=DIR")


def exit_on_user_error(job: Callable[[Any], None], cfg, output: Optional[Callable[[Path], OutputDir]] = None) -> None:
    """Every run-reading command's failure policy around its Hydra job: a ForecastError (or an OSError a
    user can fix: permissions, a full disk, a file in the way) is one line on stderr and exit 2,
    non-finite outputs (TrainingDiverged) one line and exit 1, as training reports them; with
    HYDRA_FULL_ERROR=1 they are raised. Whatever ends the job early, a bug or Ctrl-C included, marks
    the command's own output directory (`output`, a layout of run/layout.py) failed or interrupted
    with the error, so what it wrote never looks finished."""
    try:
        job(cfg)
    except BaseException as exc:
        user_error = exc if isinstance(exc, (ForecastError, TrainingDiverged)) else path_error(exc)
        if output is not None and not (isinstance(exc, SystemExit) and not exc.code):
            from hydra.core.hydra_config import HydraConfig

            status = INTERRUPTED if isinstance(exc, KeyboardInterrupt) else FAILED
            output(Path(HydraConfig.get().runtime.output_dir)).mark_stopped(status, first_line(user_error or exc))
        if user_error is None or full_error_requested():
            raise
        report_user_error(str(user_error))
        sys.exit(DIVERGED_EXIT_CODE if isinstance(user_error, TrainingDiverged) else USER_ERROR_EXIT_CODE)


def plain_run_name(run: str) -> str:
    """The run_name of a saved run as a directory-name suffix: 'run' unless it is a plain name."""
    name = RunDir(run).run_name() or ""
    return name_in_dir(name) if PLAIN_NAME.match(name) else "run"


def register_run_name_resolver() -> None:
    """`${forecast_run_name:DIR}`: the run_name of a saved run, for the directories named after it;
    `${forecast_name_in_dir:NAME}`: a run_name as a directory-name suffix (long ones shortened)."""
    if not OmegaConf.has_resolver("forecast_run_name"):
        OmegaConf.register_new_resolver("forecast_run_name", plain_run_name)
    if not OmegaConf.has_resolver("forecast_name_in_dir"):
        OmegaConf.register_new_resolver("forecast_name_in_dir", name_in_dir)


class PlainCommand:
    """A command that composes no config (its arguments are paths and flags, parsed by an
    `ArgumentParser` of its own): nothing to complete."""

    def print_help(self, args: List[str]) -> int:
        from hydra.errors import HydraException
        from omegaconf.errors import OmegaConfBaseException

        source = config_source(args)
        overrides, multirun, _ = split_command_line(args)
        try:
            first_job = job_override_lists(overrides, multirun)[0]  # `-m --help a=1,2` shows the first job
            text = command_help(source["name"] or self.config_name, source["dir"], first_job, "--resolve" in args)
        except (HydraException, OmegaConfBaseException, ValueError) as exc:
            raise ForecastError(f"{one_line(exc)}; {self.hint}") from exc
        print(text)
        return 0

    def complete(self, args: List[str]) -> int:
        return 0


class ArgumentParser(argparse.ArgumentParser):
    """argparse, whose mistakes are one line (a ForecastError: exit 2) instead of usage and an error."""

    def error(self, message: str):
        raise ForecastError(f"{self.prog}: {message}; see {self.prog} --help")
