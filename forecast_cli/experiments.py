"""The `experiment` config group: `# @package _global_` overlays under conf/experiment/, one per
published figure, grouped by table in subdirectories (tutorial/, tutorial_multi/, homl/).

Hydra's glob() sees only the files directly in a group, so `experiment=glob(tutorial/*)` is expanded
here into the explicit list of matching experiments before Hydra runs. A multirun first composes the
config without its sweep (so with the default data group): `data.*` overrides that only the
experiments' data configs declare are then passed as `++data.*`.
"""

import fnmatch
import re
from importlib import resources
from typing import List

from forecast_cli.errors import ForecastError

GLOB = re.compile(r"^(\+{0,2}experiment)=glob\((.+)\)$")


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
