"""Hydra's ConfigStore: the structured-config schema of every group option and of every command.

Everything is stored under the `schema/` group, so schemas validate the YAML files that extend them
(`- /schema/model/lstm@_here_`) without showing up as options of `data`, `model`, ...
"""

_registered = False


def register_schemas() -> None:
    """The schemas of the groups a run is composed of: data, window, model, optimizer, strategy, trainer,
    logger; and the config of the sweeper plugin `hydra/sweeper=optuna`."""
    global _registered
    if _registered:
        return
    from hydra.core.config_store import ConfigStore

    from forecast_cli import logger
    from forecast_cli.runtime import strategy
    from forecast_cli.trainer import optimizer
    from forecast_cli.config.resolvers import register_config_resolvers
    from forecast_cli.data.loaders import DATA
    from forecast_cli.data.window import WindowConfig
    from forecast_cli.models import MODELS
    from forecast_cli.search import register_optuna_sweeper
    from forecast_cli.trainer.loops import TRAINERS

    register_config_resolvers()
    cs = ConfigStore.instance()
    cs.store(group="schema/window", name="window", node=WindowConfig)
    optimizer.store_schemas(cs)
    strategy.store_schemas(cs)
    logger.store_schemas(cs)
    register_optuna_sweeper()
    for registry in (DATA, MODELS, TRAINERS):
        registry.store_schemas(cs)
    _registered = True


def store_command_schema(config_name: str, schema: type) -> None:
    """A command's own schema (`conf/<config_name>.yaml` starts with `- schema/<config_name>@_here_`)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(group="schema", name=config_name, node=schema)
