"""Every key of every command, given a value of the wrong type: one line on stderr naming the key,
exit status 2, before anything runs (`--cfg job` would print the config if the value got through)."""

import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.nodes import BooleanNode, FloatNode, IntegerNode

from forecast_cli.cli import main

from helpers import OLD_RUNS, ROOT

FIXTURE_RUN = OLD_RUNS / "completed"
CONF = ROOT / "conf"
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


RUN_COMMANDS = {"evaluate": [], "predict": [], "backtest": [], "export": ["name=m"]}


def run_command_cases():
    """(command, key, node type) of every typed key of every command that reads a run, from its schema."""
    from forecast_cli.commands import load_command

    cases = []
    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        for command, required in RUN_COMMANDS.items():
            load_command(command)  # registers its schema
            cfg = compose(command, overrides=[f"run={FIXTURE_RUN}", *required])
            cases.extend((command, key, kind) for key, kind in typed_keys(cfg))
    return cases


RUN_CASES = run_command_cases()


def refused_in_one_line(capsys, args, key):
    status = main([*args, "--cfg", "job"])
    out, err = capsys.readouterr()
    assert status == 2, out[:300]
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("forecast: error:"), err
    assert key in lines[0] or key.split(".")[-1] in lines[0], lines[0]


def test_the_walk_reaches_every_command_that_reads_a_run():
    assert {command for command, _, _ in RUN_CASES} == set(RUN_COMMANDS)
    assert len(RUN_CASES) >= 10


@pytest.mark.parametrize("command, key, kind", RUN_CASES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_every_key_of_every_command_reading_a_run_refuses_a_value_of_the_wrong_type(capsys, command, key, kind):
    refused_in_one_line(capsys, [command, f"run={FIXTURE_RUN}", *RUN_COMMANDS[command], f"{key}={MALFORMED[kind]}"], key)


INT_CASES = [("train", choice, key) for (choice, key), kind in sorted(TRAIN_CASES.items()) if kind is IntegerNode] + [
    (command, None, key) for command, key, kind in RUN_CASES if kind is IntegerNode
]


@pytest.mark.parametrize("command, choice, key", INT_CASES, ids=str)
def test_every_integer_key_of_every_command_refuses_one_too_large_for_tensorflow(capsys, command, choice, key):
    fixed = [choice] if command == "train" else [f"run={FIXTURE_RUN}", *RUN_COMMANDS[command]]
    refused_in_one_line(capsys, [command, *fixed, f"{key}={2**64}"], key)


@pytest.mark.parametrize(
    "args",
    [
        ["predict", f"run={FIXTURE_RUN}", "output={file}/out"],
        ["backtest", f"run={FIXTURE_RUN}", "output={file}/out"],
        ["export", f"run={FIXTURE_RUN}", "name=m", "dir={file}"],
        ["compare", str(FIXTURE_RUN), "--output", "{file}/out"],
        ["runs", "{file}"],
        ["runs", "{file}/outputs"],
    ],
)
def test_every_path_a_command_writes_or_reads_refuses_a_file_in_the_way(tmp_path, args):
    from helpers import run_forecast

    (tmp_path / "a_file").write_text("kept\n")
    typed = [a.replace("{file}", str(tmp_path / "a_file")) for a in args]

    result = run_forecast(typed, cwd=tmp_path)

    assert result.returncode == 2, result.stdout[-300:] + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("forecast: error:") and str(tmp_path / "a_file") in lines[0], lines
    assert (tmp_path / "a_file").read_text() == "kept\n"


def flag_cases():
    """(command, flag, bad value) for every option of the commands parsed by argparse, from their parsers."""
    from forecast_cli.commands import compare, runs

    cases = []
    for name, parser in (("compare", compare.PARSER), ("runs", runs.PARSER)):
        cases.append((name, "--no-such-flag", None))
        for action in parser._actions:
            if action.option_strings and action.type in (int, float):
                cases.append((name, action.option_strings[-1], "x1"))
            elif action.option_strings and action.choices:
                cases.append((name, action.option_strings[-1], "nope"))
    return cases


@pytest.mark.parametrize("command, flag, value", flag_cases())
def test_every_flag_of_the_plain_commands_refuses_a_bad_value_in_one_line(capsys, tmp_path, monkeypatch, command, flag, value):
    monkeypatch.chdir(tmp_path)
    status = main([command, flag, *([value] if value is not None else [])])

    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith("forecast: error:") and flag in lines[0], lines


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
