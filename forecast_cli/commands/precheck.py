"""The command-line precheck: compose and validate a command line before Hydra runs anything, so that
a mistake costs one clear line (exit 2) and creates no run directory.

Every job of a basic sweep is composed and range-checked; other sweepers (Optuna, ...) only get
their fixed overrides checked, and their jobs are validated when they start.
"""

import os
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Optional

from forecast_cli.config.guard import check_config, check_targets
from forecast_cli.errors import ForecastError

MAX_JOBS_CHECKED = 256


CONFIG_FLAGS = {"--config-name": "name", "-cn": "name", "--config-dir": "dir", "-cd": "dir"}
REFUSED_FLAGS = {
    "--config-path": "it replaces the package's configs: add your own files with --config-dir DIR instead",
    "-cp": "it replaces the package's configs: add your own files with --config-dir DIR instead",
    "--experimental-rerun": "it loads a pickled config, which can run code: rerun with the run's overrides",
}


def split_command_line(args: List[str]):
    """(overrides, multirun, skip) from the arguments Hydra will see."""
    overrides, multirun, skip = [], False, False
    takes_value = {"--cfg", "-c", "--package", "-p", *CONFIG_FLAGS, *REFUSED_FLAGS}
    iterator = iter(_flag_values_split(args))
    for arg in iterator:
        if arg in ("-m", "--multirun"):
            multirun = True
        elif arg in takes_value:
            next(iterator, None)
        elif arg in ("--help", "-h", "--hydra-help", "--info", "-i", "--version", "-sc", "--shell-completion"):
            skip = True
        elif arg.startswith("-"):
            continue
        else:
            overrides.append(arg)
    return overrides, multirun, skip


def _flag_values_split(args: List[str]) -> List[str]:
    """`--flag=value` as `--flag value`, as Hydra's argparse reads it."""
    split: List[str] = []
    for arg in args:
        flag, equals, value = arg.partition("=")
        split.extend([flag, value] if equals and flag.startswith("-") else [arg])
    return split


def config_source(args: List[str]) -> Dict[str, Optional[str]]:
    """The config directory added with --config-dir and the primary config named with --config-name (the
    last of each, as Hydra's argparse takes them); the flags that cannot be checked are refused."""
    source: Dict[str, Optional[str]] = {"dir": None, "name": None}
    split = _flag_values_split(args)
    for flag, value in zip(split, split[1:] + [""]):
        if flag in REFUSED_FLAGS:
            raise ForecastError(f"{flag} is not supported: {REFUSED_FLAGS[flag]}")
        if flag in CONFIG_FLAGS:
            source[CONFIG_FLAGS[flag]] = value
    return source


@contextmanager
def composing(config_dir: Optional[str]) -> Iterator[None]:
    """Hydra's compose API on the package's configs, with `config_dir` added to the search path exactly
    as Hydra adds --config-dir (before the schemas): what the precheck composes is what Hydra will run."""
    from hydra import initialize_config_module

    if config_dir is None:
        with initialize_config_module("forecast_cli.conf", version_base="1.3"):
            yield
        return
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import create_automatic_config_search_path
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.config_search_path import SearchPathQuery

    directory = os.path.abspath(config_dir)
    if not os.path.isdir(directory):
        raise ForecastError(f"--config-dir {config_dir}: no such directory; give the folder holding your config files")
    search_path = create_automatic_config_search_path(None, None, "pkg://forecast_cli.conf")
    search_path.prepend(provider="command-line", path=f"file://{directory}", anchor=SearchPathQuery(provider="schema"))
    GlobalHydra.instance().clear()
    Hydra.create_main_hydra2(task_name="forecast", config_search_path=search_path)
    try:
        yield
    finally:
        GlobalHydra.instance().clear()


EXCLUSIVE_FLAGS = {
    "-m": "-m", "--multirun": "-m", "--cfg": "--cfg", "-c": "--cfg", "--info": "--info", "-i": "--info",
    "--run": "--run", "-r": "--run",
}  # fmt: skip


def check_exclusive_flags(args: List[str]) -> None:
    """Hydra takes one mode at a time; together they end in a traceback of its argument parser."""
    given = sorted({EXCLUSIVE_FLAGS[a] for a in args if a in EXCLUSIVE_FLAGS})
    if len(given) > 1:
        raise ForecastError(
            f"{' and '.join(given)} cannot be combined: give one of them (e.g. drop -m to print one job's config)"
        )


def job_override_lists(overrides: List[str], multirun: bool) -> List[List[str]]:
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    if not multirun:
        return [overrides]
    if any(o.get_key_element().startswith("hydra/sweeper") for o in parsed):
        return [[o.input_line for o in parsed if not o.is_sweep_override()]]
    if any(o.is_sweep_override() and not o.is_discrete_sweep() for o in parsed):
        return [[o.input_line for o in parsed if not o.is_sweep_override()]]
    if any(o.is_sweep_override() and o.value_type is not None and o.value_type.name == "GLOB_CHOICE_SWEEP" for o in parsed):
        return [[o.input_line for o in parsed if not o.is_sweep_override()]]
    return BasicSweeper.split_arguments(parsed, max_batch_size=None)[0][:MAX_JOBS_CHECKED]


def check_overrides(config_name: str, args: List[str], validate: Callable, hint: str) -> list:
    """Raise ForecastError (one line) if any job of this command line would fail to compose or validate;
    else return the composed config of every job checked (none when Hydra is left to check)."""
    from hydra import compose
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    check_exclusive_flags(args)
    source = config_source(args)
    overrides, multirun, skip = split_command_line(args)
    if skip:
        return []
    composed = []
    try:
        jobs = job_override_lists(overrides, multirun)
        with composing(source["dir"]):
            for job in jobs:
                config = compose(source["name"] or config_name, overrides=job, return_hydra_config=True)
                composed.append(without_hydra_node(config))
                check_config(composed[-1])
                validate(composed[-1])
    except ForecastError:
        raise
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise ForecastError(f"{one_line(exc)}; {hint}") from exc
    return composed


def without_hydra_node(cfg):
    """The job's config, once the `_target_`s of Hydra's own callbacks (which Hydra instantiates before
    any job starts) are checked against the allow-list."""
    from omegaconf import open_dict, read_write

    check_targets(cfg.hydra.callbacks, "hydra.callbacks")
    with read_write(cfg), open_dict(cfg):
        cfg.pop("hydra")
    return cfg


def prints_job_config_only(args: List[str]) -> bool:
    """`--cfg job` (or `-c job`) on one job of our own config, with nothing that changes what Hydra would
    print (`--package`, `--resolve`, `hydra.*` overrides): the config already composed is that output."""
    overrides, multirun, skip = split_command_line(args)
    pairs = list(zip(args, args[1:]))
    asks = any(flag in ("--cfg", "-c") and value == "job" for flag, value in pairs)
    changes_output = any(a in ("--package", "-p", "--resolve") for a in args) or any(
        o.lstrip("+~").startswith("hydra") for o in overrides
    )
    return asks and not multirun and not skip and not changes_output


def one_line(exc: BaseException) -> str:
    """Hydra's and OmegaConf's multi-line messages folded into one line."""
    parts = []
    for error in (exc, exc.__cause__):
        if error is None:
            continue
        text = str(error)
        if "Config search path" in text:
            text = text.split("Config search path")[0]
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith(("object_type=", "reference_type=", "full_key:", "To append")):
                continue
            parts.append(line)
    folded = " ".join(parts)
    if "Available options in" in folded:
        head, options = folded.split("Available options in", 1)
        group, _, names = options.partition(":")
        folded = f"{head.strip()}; available options in{group}: {', '.join(names.split())}"
    return folded or type(exc).__name__
