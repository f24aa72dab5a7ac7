"""Every key of every command, given a value of the wrong type: one line on stderr naming the key,
exit status 2, before anything runs (`--cfg job` would print the config if the value got through)."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.nodes import BooleanNode, FloatNode, IntegerNode

from forecast_cli.cli import main

FIXTURE_RUN = Path(__file__).parent / "fixtures" / "old_runs" / "completed"
CONF = Path(__file__).parent.parent / "conf"
GROUPS = ("data", "model", "optimizer", "strategy", "trainer")
# by the type a schema gives the key: text where a number, a switch or a list belongs
MALFORMED = {IntegerNode: "x1", FloatNode: "x1", BooleanNode: "maybe", ListConfig: "x1"}


def typed_keys(node: DictConfig, prefix: str = ""):
    """(dotted key, node type) of every int, float, bool and list key under `node`."""
    for key in node.keys():
        child = node._get_node(key)
        full = f"{prefix}{key}"
        if isinstance(child, DictConfig) and OmegaConf.get_type(child) is not dict:
            yield from typed_keys(child, f"{full}.")
        elif type(child) in MALFORMED:
            yield full, type(child)


def train_cases():
    import forecast_cli.commands.train  # noqa: F401  (schemas and resolvers)

    cases = {}
    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        for group in GROUPS:
            for option in sorted(p.stem for p in (CONF / group).glob("*.yaml")):
                cfg = compose("train", overrides=[f"{group}={option}"])
                for key, kind in typed_keys(cfg):
                    if key not in cases:  # each key once, with the first option that has it
                        cases[key] = (f"{group}={option}", kind)
    return {(choice, key): kind for key, (choice, kind) in cases.items()}


TRAIN_CASES = train_cases()


@pytest.mark.parametrize("choice, key", sorted(TRAIN_CASES), ids=lambda v: str(v))
def test_train_refuses_a_value_of_the_wrong_type_for_every_key(capsys, choice, key):
    value = MALFORMED[TRAIN_CASES[(choice, key)]]

    status = main(["train", choice, f"{key}={value}", "--cfg", "job"])

    out, err = capsys.readouterr()
    assert status == 2, out[:300]
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("forecast: error:"), err
    assert key in lines[0] or key.split(".")[-1] in lines[0]


RUN_COMMAND_CASES = [
    ("evaluate", "batch_size=x1"),
    ("evaluate", "allow_incomplete=maybe"),
    ("evaluate", "split=nope"),
    ("predict", "horizon=x1"),
    ("predict", "horizon=-3"),
    ("predict", "allow_incomplete=maybe"),
    ("backtest", "stride=x1"),
    ("backtest", "split=nope"),
    ("export", "name=m version=x1"),
    ("export", "name=../escape"),
]


@pytest.mark.parametrize("command, override", RUN_COMMAND_CASES)
def test_commands_reading_a_run_refuse_malformed_values(capsys, command, override):
    overrides = override.split()
    status = main([command, f"run={FIXTURE_RUN}", *overrides, "--cfg", "job"])

    out, err = capsys.readouterr()
    assert status == 2, out[:300]
    lines = err.strip().splitlines()
    assert len(lines) == 1 and overrides[-1].split("=")[0] in lines[0], err


@pytest.mark.parametrize(
    "args, message",
    [
        (["seed=-1"], "seed must be in [0, 2**32 - 1], got -1"),
        (["optimizer.learning_rate=abc"], "optimizer.learning_rate must be a number or a schedule node"),
        (["-m", "model=linear,lstm"], "--cfg and -m cannot be combined"),
    ],
)
def test_train_refuses_in_one_line(capsys, args, message):
    status = main(["train", *args, "--cfg", "job"])

    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and message in lines[0], lines


def test_multirun_flag_after_the_overrides_reaches_hydra_before_them(monkeypatch):
    import sys

    from forecast_cli.commands import load_command

    command = load_command("train")
    seen = []
    monkeypatch.setattr(command, "main", lambda: seen.append(list(sys.argv[1:])))

    assert command.run(["trainer.epochs=1", "-m", "model=linear,lstm"]) == 0

    assert seen == [["-m", "trainer.epochs=1", "model=linear,lstm"]]
