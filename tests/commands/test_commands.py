"""The subcommand interface: every command the CLI lists is a module exposing a Command."""

from pathlib import Path

import pytest

from forecast_cli.commands import COMMANDS, load_command
from forecast_cli.commands.base import HydraCommand, PlainCommand
from forecast_cli.run.layout import find_runs

from helpers import ROOT, run_forecast

CONF = ROOT / "conf"


def test_every_listed_command_exposes_a_command_of_a_known_kind():
    assert set(COMMANDS) == {"train", "evaluate", "predict", "backtest", "export", "compare", "runs"}
    for name in COMMANDS:
        command = load_command(name)
        assert isinstance(command, (HydraCommand, PlainCommand)), name
        if isinstance(command, HydraCommand):
            assert (CONF / f"{command.config_name}.yaml").is_file()
            assert command.hint.startswith("see `forecast")


def test_a_plain_command_offers_no_completion_and_its_mistakes_are_one_line(tmp_path):
    assert load_command("compare").complete([]) == 0
    result = run_forecast(["compare", str(tmp_path / "nowhere")], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"forecast: error: run directory not found: {tmp_path / 'nowhere'} (give a run or sweep directory under outputs/train)"


def test_evaluate_and_compare_find_runs_the_same_way(tmp_path):
    sweep = tmp_path / "sweep"
    for job in ("10_b", "2_a", "notes"):
        (sweep / job).mkdir(parents=True)
    for job in ("10_b", "2_a"):
        (sweep / job / "run.json").write_text('{"status": "completed"}')
    assert [run.root.name for run in find_runs([sweep])] == ["2_a", "10_b"]  # job order, not text order
    assert [run.root.name for run in find_runs([sweep / "10_b", sweep / "2_a"])] == ["10_b", "2_a"]


def test_data_paths_become_absolute_so_that_a_run_means_the_same_file_from_anywhere(tmp_path, monkeypatch):
    from forecast_cli.commands.rewrite import absolute_paths

    monkeypatch.chdir(tmp_path)
    assert absolute_paths(["data.path=a.csv", "model=lstm"]) == [f"data.path={tmp_path / 'a.csv'}", "model=lstm"]
    assert absolute_paths(["data.path=a.csv,b.csv"]) == [f"data.path={tmp_path / 'a.csv'},{tmp_path / 'b.csv'}"]
    assert absolute_paths(["++data.cache_dir=~/cache"]) == [f"++data.cache_dir={Path.home() / 'cache'}"]
    spaced = absolute_paths(["data.path=my data.csv"])
    assert spaced == [f"data.path='{tmp_path / 'my data.csv'}'"]
    for unchanged in ("data.path=null", "data.path=/abs/x.csv", "data.path=choice(a.csv,b.csv)", "data.target=a.csv"):
        expected = unchanged if "/abs" not in unchanged else "data.path=/abs/x.csv"
        assert absolute_paths([unchanged]) == [expected]


def test_every_package_of_the_source_tree_is_installed():
    """A non-editable install ships only the packages pyproject.toml lists."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    root = ROOT
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(root).parts) for init in (root / "forecast_cli").rglob("__init__.py")
    }
    assert on_disk <= listed and "forecast_cli.conf" in listed
