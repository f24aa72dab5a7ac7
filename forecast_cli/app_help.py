"""`forecast <command> --help`: Hydra's help, listing only the config groups a user chooses from
(the `schema/` and `hydra/` groups are internal)."""

from omegaconf import OmegaConf

INTERNAL_GROUPS = ("hydra", "schema")


def user_config_groups() -> str:
    from hydra.core.global_hydra import GlobalHydra

    loader = GlobalHydra.instance().config_loader()
    lines = []
    for group in sorted(loader.list_groups("")):
        if group.split("/")[0] in INTERNAL_GROUPS:
            continue
        lines.append(f"{group}: {', '.join(loader.get_group_options(group))}")
    return "\n".join(lines)


def register_help_resolver() -> None:
    if not OmegaConf.has_resolver("forecast_config_groups"):
        OmegaConf.register_new_resolver("forecast_config_groups", user_config_groups)
