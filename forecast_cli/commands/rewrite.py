"""Rewriting a command line before Hydra sees it: `experiment=glob(...)` over subdirectories,
`resume=DIR`, the recipes' former names, the temporary directory of a non-chief worker, and the
`data.*` overrides of a saved run.

Hydra's glob() sees only the files directly in a group, so `experiment=glob(tutorial/*)` is expanded
here into the explicit list of matching experiments. A multirun first composes the config without
its sweep (so with the default data group): `data.*` overrides that only the experiments' data
configs declare are then passed as `++data.*`.
"""

import fnmatch
import os
import re
import sys
from importlib import resources
from pathlib import Path
from typing import List

from forecast_cli.runtime.cluster import is_chief
from forecast_cli.errors import ForecastError
from forecast_cli.run.layout import RunDir
from forecast_cli.run.resume import (
    ALLOWED_OVERRIDES,
    CONNECTION_TARGETS,
    former_default_pins,
    names_connection_target,
    saved_overrides,
)

GLOB = re.compile(r"^(\+{0,2}experiment)=glob\((.+)\)$")
_PLAIN_VALUE = re.compile(r"^[\w/.\-]+$")
# `trainer=tutorial` and `trainer=homl` were presets among the loops before 0.2: the same settings are
# now the `recipe` group; old command lines and the saved overrides of old runs still mean them.
RECIPES = ("tutorial", "homl")
TRAINER_CHOICE = re.compile(r"^(\+{0,2})trainer=(.+)$")


def experiment_names() -> List[str]:
    root = resources.files("forecast_cli.conf") / "experiment"
    names: List[str] = []

    def walk(node, prefix: str) -> None:
        for child in node.iterdir():
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".yaml"):
                names.append(prefix + child.name[: -len(".yaml")])

    if root.is_dir():
        walk(root, "")
    return sorted(names)


def expand_experiment_globs(args: List[str]) -> List[str]:
    expanded = []
    for arg in args:
        match = GLOB.match(arg)
        if match is None:
            expanded.append(arg)
            continue
        key, patterns = match.groups()
        wanted = [p.strip().strip("'\"") for p in patterns.split(",")]
        names = [n for n in experiment_names() if any(fnmatch.fnmatchcase(n, p) for p in wanted)]
        if not names:
            raise ForecastError(
                f"experiment=glob({patterns}) matches no experiment; available: {', '.join(experiment_names())}"
            )
        expanded.append(f"{key}={','.join(names)}")
    if any(re.match(r"^\+{0,2}experiment=.*,", a) for a in expanded):
        expanded = [f"++{a}" if a.startswith("data.") and "=" in a else a for a in expanded]
    return expanded


PATH_OVERRIDE = re.compile(r"^(\+{0,2}data\.(?:path|cache_dir))=(.+)$")


def absolute_paths(args: List[str]) -> List[str]:
    """`data.path` and `data.cache_dir` as absolute paths, so that the run's config (and a resume, an
    evaluate or a predict of it) means the same file from any directory. A sweep over paths
    (`data.path=a.csv,b.csv`) is made absolute item by item; other sweep syntax is left as it is."""
    rewritten = []
    for arg in args:
        match = PATH_OVERRIDE.match(arg)
        value = match.group(2) if match else ""
        if not match or value in ("null", "None") or any(ch in value for ch in "()[]{}$'\""):
            rewritten.append(arg)
            continue
        paths = [os.path.abspath(os.path.expanduser(item)) for item in value.split(",")]
        rewritten.append(f"{match.group(1)}={','.join(_quoted(p) for p in paths)}")
    return rewritten


def rename_former_options(args: List[str]) -> List[str]:
    """`trainer=tutorial` -> `recipe=tutorial` (also `+trainer=homl`, `trainer=tutorial,homl`)."""
    renamed = []
    for arg in args:
        match = TRAINER_CHOICE.match(arg)
        options = match.group(2).split(",") if match else []
        if not any(o in RECIPES for o in options):
            renamed.append(arg)
        elif all(o in RECIPES for o in options):
            renamed.append(f"{match.group(1)}recipe={match.group(2)}")
        else:
            raise ForecastError(
                f"{arg}: tutorial and homl are recipes now, not training loops (recipe=tutorial); sweep them "
                "apart from the loops, e.g. recipe=tutorial,homl or trainer=fit,custom"
            )
    return renamed


def saved_run_data_overrides(args: List[str]) -> List[str]:
    """`data.path=x` given to a command that reads a saved run (evaluate, predict, ...) overrides a key of the
    run's data config, which the command's own config does not declare: Hydra gets `++data.path=x`."""
    return [f"++{a}" if a.startswith("data.") else a for a in args]


def override_key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def _quoted(value: str) -> str:
    return value if _PLAIN_VALUE.match(value) else "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def resume_args(args: List[str]) -> List[str]:
    """Replace `resume=DIR` by the run's own overrides and point Hydra's run directory at DIR. The run's
    connection targets (a logger, a TPU or worker address) are left out: only the command line names
    where a resumed run connects."""

    resumes = [a for a in args if override_key(a) == "resume"]
    if not resumes:
        return args
    if len(resumes) > 1 or any(a in ("-m", "--multirun") for a in args):
        raise ForecastError("resume= continues one run: give a single resume=<run dir>, without -m")
    run = RunDir(Path(resumes[0].split("=", 1)[1]).expanduser().resolve())
    if not run.is_run():
        raise ForecastError(f"cannot resume {run.root}: not a run directory (no run.json); give resume=<a run directory>")
    others = [a for a in args if a not in resumes]
    for arg in others:
        key = override_key(arg)
        may_change = key in ALLOWED_OVERRIDES or names_connection_target(key)
        if not arg.startswith("-") and not key.startswith("hydra.") and not may_change:
            raise ForecastError(
                f"resume= continues the run with its own config: '{key}' cannot be changed (only "
                f"{', '.join(ALLOWED_OVERRIDES)} and where the run connects, {', '.join(CONNECTION_TARGETS)}, can); "
                "start a new run instead"
            )
    given = {override_key(a) for a in others}
    saved = [o for o in saved_overrides(run) if override_key(o) != "resume" and override_key(o) not in given]
    _note_unused_targets(sorted({override_key(o) for o in saved if names_connection_target(override_key(o))}))
    saved = [o for o in saved if not names_connection_target(override_key(o))]
    named = given | {override_key(o) for o in saved}
    saved += [pin for pin in former_default_pins(run) if override_key(pin) not in named]
    directory = _quoted(str(run.root))
    return [*saved, *others, f"resume={directory}", f"hydra.run.dir={directory}"]


def _note_unused_targets(keys: List[str]) -> None:
    """Say that the run's own logger (or address) is not used, so that an untracked resume is no surprise."""
    if keys:
        sys.stderr.write(
            f"forecast: warning: not using the run's saved {', '.join(keys)}: a resume connects only where its "
            "command line says (e.g. resume=DIR logger=mlflow logger.tracking_uri=URI)\n"
        )


def worker_args(args: List[str], composed: list) -> List[str]:
    """A non-chief worker of a multi-worker run works in a temporary directory (removed when it ends),
    so that only the chief leaves a run directory. `composed`: the precheck's config of every job."""
    if any(a in ("-m", "--multirun") for a in args) or len(composed) != 1 or is_chief(composed[0].strategy):
        return args
    import tempfile

    return [*args, f"hydra.run.dir={tempfile.mkdtemp(prefix='forecast-worker-')}", "hydra.output_subdir=null"]
