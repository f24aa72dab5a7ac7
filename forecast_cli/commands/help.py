"""Help texts: `forecast <command> --help`, and the config groups it lists (the `schema/`, `hydra/` and
`_`-prefixed groups are internal).

Hydra's own `--help` builds both of its group listings whatever the template uses, and every lookup
deep-copies the whole config repository (the structured schemas included): 15 s for `train --help`.
Here the config is composed once and a listing is built only if the template names it."""

import string
from typing import Callable, Dict, List, Optional

from omegaconf import OmegaConf

from forecast_cli.commands.precheck import composing

INTERNAL_GROUPS = ("hydra", "schema")
HELP_FLAGS = ("--help", "-h")


def asks_for_help(args: List[str]) -> bool:
    """`forecast <command> --help [overrides]` (Hydra's other modes, --hydra-help and --info, stay Hydra's)."""
    return any(a in HELP_FLAGS for a in args)


def _repository():
    from hydra.core.global_hydra import GlobalHydra

    return GlobalHydra.instance().config_loader().repository


def group_options(repository, group: str) -> List[str]:
    """Options of a group, those of its subdirectories included (`experiment`: `airline`, `tutorial/lstm`, ...)."""
    from hydra.core.object_type import ObjectType

    options = list(repository.get_group_options(group, ObjectType.CONFIG))
    for child in sorted(repository.get_group_options(group, ObjectType.GROUP)):
        options += [f"{child}/{name}" for name in group_options(repository, f"{group}/{child}")]
    return options


def user_config_groups() -> str:
    """One line per user-facing group: `group: option, option, ...`."""
    from hydra.core.object_type import ObjectType

    repository = _repository()
    groups = repository.get_group_options("", ObjectType.GROUP)
    kept = sorted(g for g in groups if g not in INTERNAL_GROUPS and not g.startswith("_"))
    return "\n".join(f"{group}: {', '.join(group_options(repository, group))}" for group in kept)


def hydra_style_groups(keep: Callable[[str], bool]) -> str:
    """Hydra's `$APP_CONFIG_GROUPS` / `$HYDRA_CONFIG_GROUPS`: every group holding configs, nested ones
    by their path, one line each."""
    from hydra.core.object_type import ObjectType

    repository = _repository()

    def walk(parent: str) -> List[str]:
        found = []
        for child in repository.get_group_options(parent, ObjectType.GROUP):
            group = f"{parent}/{child}" if parent else child
            if repository.get_group_options(group, ObjectType.CONFIG):
                found.append(group)
            found += walk(group)
        return found

    lines = [f"{g}: {', '.join(sorted(repository.get_group_options(g, ObjectType.CONFIG)))}" for g in sorted(walk(""))]
    return "".join(line + "\n" for line in lines if keep(line.split(":")[0]))


def register_help_resolver() -> None:
    if not OmegaConf.has_resolver("forecast_config_groups"):
        OmegaConf.register_new_resolver("forecast_config_groups", user_config_groups)


class _HelpFields(dict):
    """The template's `$NAME`s, each computed only when the template uses it."""

    def __init__(self, fields: Dict[str, Callable[[], str]]):
        super().__init__()
        self.fields = fields

    def __missing__(self, key: str) -> str:
        return self.fields[key]()


def command_help(config_name: str, config_dir: Optional[str], overrides: List[str], resolve: bool) -> str:
    """The text Hydra's `--help` prints for this command line: the command's `hydra.help.template` with
    the composed job config (resolved with `--resolve`)."""
    from hydra import compose
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import get_args_parser
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import open_dict, read_write

    with composing(config_dir):
        cfg = compose(config_name, overrides=overrides, return_hydra_config=True)
        HydraConfig.instance().set_config(cfg)
        template = string.Template(cfg.hydra.help.template)
        job = cfg.copy()
        with read_write(job), open_dict(job):
            job.pop("hydra")
        fields = _HelpFields({
            "FLAGS_HELP": lambda: Hydra.format_args_help(get_args_parser()),
            "HYDRA_CONFIG_GROUPS": lambda: hydra_style_groups(lambda g: g.startswith("hydra/")),
            "APP_CONFIG_GROUPS": lambda: hydra_style_groups(lambda g: not g.startswith("hydra/")),
            "CONFIG": lambda: OmegaConf.to_yaml(job, resolve=resolve),
        })  # fmt: skip
        return template.substitute(fields)
