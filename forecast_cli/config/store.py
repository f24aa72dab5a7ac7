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


# A group option's YAML (conf/<group>/<name>.yaml) holds its values; its schema, `???` where a YAML sets
# the key, holds their types and ranges. The functions below compose one option alone, as Hydra does
# inside a run, for code that needs an option's values without composing a whole command: a saved run
# read through today's schema (its keys added since it was saved take the option's values), and code
# that builds a schema object directly.
_SCHEMA_DEFAULT = "/schema/"
_BASE_DEFAULT = "/_base/"


def group_options(group: str) -> list:
    """The options of a config group of the package (conf/<group>/*.yaml), sorted."""
    from importlib import resources

    folder = resources.files("forecast_cli.conf") / group
    return sorted(entry.name[: -len(".yaml")] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def default_option(group: str, config_name: str = "train") -> str:
    """The option of `group` that `conf/<config_name>.yaml` chooses in its defaults list."""
    from importlib import resources

    from omegaconf import OmegaConf

    text = (resources.files("forecast_cli.conf") / f"{config_name}.yaml").read_text()
    for entry in OmegaConf.create(text).get("defaults", []):
        if isinstance(entry, dict) or OmegaConf.is_dict(entry):
            if group in entry and entry[group] is not None:
                return str(entry[group])
    raise KeyError(f"conf/{config_name}.yaml chooses no {group} option")


def option_values(group: str, name: str):
    """(schema, values): the values conf/<group>/<name>.yaml sets, after the `/_base/` files it extends (as
    Hydra merges them), unresolved; and the ConfigStore path of the schema it extends (`schema/model/lstm`)."""
    from importlib import resources


    if name not in group_options(group):
        raise KeyError(f"the package has no option {group}={name}")
    return _yaml_values(resources.files("forecast_cli.conf") / group / f"{name}.yaml")


def _yaml_values(path):
    from importlib import resources

    from omegaconf import OmegaConf

    node = OmegaConf.create(path.read_text())
    schema, merged = None, OmegaConf.create({})
    for entry in node.pop("defaults", []):
        target = str(entry).split("@", 1)[0]
        if target.startswith(_SCHEMA_DEFAULT):
            schema = target[1:]
        elif target.startswith(_BASE_DEFAULT):
            _, base = _yaml_values(resources.files("forecast_cli.conf").joinpath(*f"{target[1:]}.yaml".split("/")))
            merged = OmegaConf.merge(merged, base)
    return schema, OmegaConf.merge(merged, node)


def option_config(group: str, name: str, **values):
    """The option `group=name` composed alone: its schema, its YAML's values, then `values` (keys of the
    group, e.g. `units=8`); typed and unresolved, like the group's node of a composed command."""
    from hydra.core.config_store import ConfigStore
    from omegaconf import OmegaConf

    register_schemas()
    schema, yaml_values = option_values(group, name)
    node = ConfigStore.instance().load(f"{schema}.yaml").node
    return OmegaConf.merge(node, yaml_values, values)


def option_object(group: str, name: str, **values):
    """option_config as its schema's object (its range checks run): `option_object("model", "lstm", units=8)`."""
    from omegaconf import OmegaConf

    return OmegaConf.to_object(option_config(group, name, **values))


def fill_missing(node, group: str, name: str) -> None:
    """Set every missing (`???`) key of the schema-typed `node` that option `group=name`'s YAML sets to the
    YAML's value: a saved run's group lacks the keys added after it was saved."""
    from omegaconf import OmegaConf

    _fill(node, OmegaConf.to_container(option_values(group, name)[1], resolve=False))


def _fill(node, values) -> None:
    import dataclasses

    from omegaconf import DictConfig, OmegaConf

    for key in list(node.keys()):
        if key not in values:
            continue
        if OmegaConf.is_missing(node, key):
            node.merge_with({key: values[key]})  # a merge: a plain dict cannot be assigned to a schema-typed key
            continue
        child = node._get_node(key)
        if isinstance(child, DictConfig) and dataclasses.is_dataclass(OmegaConf.get_type(child)) and isinstance(values[key], dict):
            _fill(child, values[key])
