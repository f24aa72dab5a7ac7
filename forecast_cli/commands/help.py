"""Help texts: `forecast --help`, and the config groups that `forecast <command> --help` lists (the
`schema/`, `hydra/` and `_`-prefixed groups are internal)."""

from omegaconf import OmegaConf

INTERNAL_GROUPS = ("hydra", "schema")


def group_options(loader, group: str):
    """Options of a group, those of its subdirectories included (`experiment`: `airline`, `tutorial/lstm`, ...)."""
    options = list(loader.get_group_options(group))
    for child in sorted(loader.list_groups(group)):
        options += [f"{child}/{name}" for name in group_options(loader, f"{group}/{child}")]
    return options


def user_config_groups() -> str:
    from hydra.core.global_hydra import GlobalHydra

    loader = GlobalHydra.instance().config_loader()
    lines = []
    for group in sorted(loader.list_groups("")):
        if group in INTERNAL_GROUPS or group.startswith("_"):
            continue
        lines.append(f"{group}: {', '.join(group_options(loader, group))}")
    return "\n".join(lines)


def register_help_resolver() -> None:
    if not OmegaConf.has_resolver("forecast_config_groups"):
        OmegaConf.register_new_resolver("forecast_config_groups", user_config_groups)
