"""One source of truth for every value of a group option: its YAML (conf/<group>/<name>.yaml and the
conf/_base/ file it extends). Its schema gives the types, `???` as the default, and the range checks."""

import shutil

import pytest
import yaml
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from forecast_cli.commands.train import COMMAND  # noqa: F401  (stores schema/train, which compose_train extends)
from forecast_cli.config.store import group_options, option_config, option_values, register_schemas
from forecast_cli.run.layout import RunDir
from forecast_cli.run.restore import run_data_config

from helpers import OLD_RUNS, compose_train

GROUPS = ("data", "window", "model", "optimizer", "strategy", "trainer", "logger")
# The only defaults a schema keeps: null switches that most options leave off, so that no option's YAML
# lists them (a run saved before they existed has none; null is what it did).
OFF_SWITCHES = {
    "model": {"revin", "revin_affine", "series_embedding", "init", "stateful"},
    "optimizer": {"clipnorm", "global_clipnorm"},
}


def _flat(node, prefix=""):
    """{"a.b": value}; a `_target_` node below the top is one value."""
    if isinstance(node, dict) and node and not (prefix and "_target_" in node):
        return {k: v for key, value in node.items() for k, v in _flat(value, f"{prefix}{key}.").items()}
    return {prefix[:-1]: node}


def _options():
    register_schemas()
    for group in GROUPS:
        for name in group_options(group):
            schema, _ = option_values(group, name)
            if schema is not None:  # logger=none has no keys
                yield group, name, schema


OPTIONS = list(_options())


def test_every_option_of_the_groups_is_checked():
    counted = {group: sum(1 for g, _, _ in OPTIONS if g == group) for group in GROUPS}
    assert counted == {"data": 9, "window": 2, "model": 21, "optimizer": 4, "strategy": 6, "trainer": 2, "logger": 1}


@pytest.mark.parametrize("group, name, schema", OPTIONS, ids=[f"{g}={n}" for g, n, _ in OPTIONS])
def test_a_schema_default_is_never_a_value_an_option_sets(group, name, schema):
    """A key the option's YAML sets is `???` in the schema; the schema's other keys are off switches (null)."""
    defaults = _flat(OmegaConf.to_container(ConfigStore.instance().load(f"{schema}.yaml").node))
    values = _flat(OmegaConf.to_container(option_values(group, name)[1]))
    repeated = sorted(key for key in values if defaults.get(key, "???") != "???")
    kept = {key: value for key, value in defaults.items() if value != "???" and key not in values}
    assert repeated == []
    assert set(kept) <= OFF_SWITCHES.get(group, set()) and all(value is None for value in kept.values()), kept


@pytest.mark.parametrize("group, name, schema", OPTIONS, ids=[f"{g}={n}" for g, n, _ in OPTIONS])
def test_an_option_composed_alone_is_its_group_in_a_composed_train(group, name, schema):
    alone = OmegaConf.to_container(option_config(group, name))
    assert alone == OmegaConf.to_container(compose_train([f"{group}={name}"])[group])


def test_a_saved_run_lacking_keys_added_since_reads_them_from_its_options_yaml(tmp_path):
    """A run saved before a key existed relied on the schema's default; the schema has `???` now, and the
    key takes the value of the option's YAML (conf/data/<name>.yaml; the window: conf/train.yaml's
    default window). The saved run below has each removed key at that value: it reads back the same."""
    full = tmp_path / "full"
    shutil.copytree(OLD_RUNS / "completed", full)
    trimmed = tmp_path / "trimmed"
    shutil.copytree(full, trimmed)
    config = yaml.safe_load((trimmed / "config.yaml").read_text())
    assert "horizon" not in config["window"] and "calendar" not in config["data"]  # 0.1.0 had neither
    del config["window"]["steps_ahead"], config["window"]["input_columns"]
    del config["data"]["split"]["protocol"], config["data"]["split"]["train"], config["data"]["scaler"]
    (trimmed / "config.yaml").write_text(yaml.safe_dump(config))

    def read(run):
        saved, data = run_data_config(RunDir(run), {})
        return OmegaConf.to_container(saved.window, resolve=True), OmegaConf.to_container(data, resolve=True)

    window, data = read(trimmed)
    assert (window, data) == read(full)
    assert window["horizon"] is None and window["steps_ahead"] == 1 and window["input_columns"] is None
    assert data["calendar"] is None and data["scaler"] == "minmax" and data["split"]["protocol"] == "ltsf"


def test_a_key_an_option_leaves_missing_is_named_in_one_line(tmp_path):
    """A user's option that extends a schema alone (`- /schema/model/lstm@_here_`) and sets only some keys:
    the first key it lacks is named, exit 2, before any run directory exists."""
    from helpers import run_forecast

    (tmp_path / "conf" / "model").mkdir(parents=True)
    (tmp_path / "conf" / "model" / "bare.yaml").write_text("defaults:\n  - /schema/model/lstm@_here_\n  - _self_\n\nname: lstm\nunits: 4\n")
    result = run_forecast(["train", "-cd", str(tmp_path / "conf"), "model=bare"], cwd=tmp_path)
    assert result.returncode == 2
    assert "LSTMConfig` has missing mandatory value: stateful" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "outputs").exists()


def test_a_saved_data_section_of_its_name_alone_reads_as_its_options_yaml(tmp_path):
    """Every key missing, nested ones (data.split) included, takes the option's YAML value."""
    run = tmp_path / "run"
    shutil.copytree(OLD_RUNS / "completed", run)
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["data"] = {"name": "airline"}
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    _, data = run_data_config(RunDir(run), {})
    assert OmegaConf.to_container(data, resolve=True) == OmegaConf.to_container(option_config("data", "airline"), resolve=True)
