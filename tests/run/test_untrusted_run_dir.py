"""A run directory is untrusted input: payloads planted in one (a `_target_` that opens, copies or
unpickles a file, Hydra settings, flags, config files from elsewhere, a download into a cache of the
attacker's choosing) are refused in one line with exit 2, nothing runs, and nothing outside the run
directory changes. The same allow-list refuses such `_target_`s typed on the command line."""

import pickle
import shutil
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from helpers import OLD_RUNS, assert_refused, run_forecast, snapshot


class _TouchOnUnpickle:
    """Unpickling this calls open(marker, 'w'): the file appears only if the pickle is ever loaded."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def world(tmp_path):
    """A copy of an interrupted run, a victim file, a crafted pickle, and the markers that must not appear."""
    run = tmp_path / "run"
    shutil.copytree(OLD_RUNS / "interrupted", run)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    pickled = tmp_path / "payload.pkl"
    pickled.write_bytes(pickle.dumps(_TouchOnUnpickle(tmp_path / "unpickled")))
    return run, victim, pickled


def plant(run: Path, *entries: str, match_config: bool = True) -> None:
    """Append overrides to the run's .hydra/overrides.yaml and, as an attacker would, rewrite its
    config.yaml to what they compose to (so that resume's same-config check passes)."""
    from hydra import compose, initialize_config_module

    import forecast_cli.commands.train  # noqa: F401  (registers the schemas and resolvers)

    overrides = [str(o) for o in OmegaConf.load(run / ".hydra" / "overrides.yaml")] + list(entries)
    OmegaConf.save(OmegaConf.create(overrides), run / ".hydra" / "overrides.yaml")
    if match_config:
        with initialize_config_module("forecast_cli.conf", version_base="1.3"):
            composed = compose("train", overrides=overrides)
        (run / "config.yaml").write_text(OmegaConf.to_yaml(composed, resolve=True))


PAYLOADS = {
    "open": ("+trainer.callbacks.evil={{_target_: builtins.open, file: '{victim}', mode: w}}", "'builtins.open'"),
    "copy": (
        "+trainer.callbacks.evil={{_target_: shutil.copyfile, src: '{pickled}', dst: '{victim}'}}",
        "'shutil.copyfile'",
    ),
    "pickle": (
        "+trainer.callbacks.evil={{_target_: pandas.read_pickle, filepath_or_buffer: '{pickled}'}}",
        "'pandas.read_pickle'",
    ),
    "optimizer": ("optimizer._target_=shutil.rmtree", "'shutil.rmtree'"),
    "schedule": (
        "+optimizer.learning_rate={{_target_: builtins.open, file: '{victim}', mode: w}}",
        "'builtins.open'",
    ),
}


@pytest.mark.parametrize("kind", PAYLOADS)
def test_a_target_planted_in_a_saved_run_is_refused_and_never_runs(world, tmp_path, kind):
    run, victim, pickled = world
    entry, named = PAYLOADS[kind]
    plant(run, entry.format(victim=victim, pickled=pickled))
    before = snapshot(tmp_path, run)

    result = run_forecast(["train", f"resume={run}"], cwd=tmp_path)

    assert_refused(result, named, "is not an allowed target")
    assert snapshot(tmp_path, run) == before  # the victim intact, no unpickled marker, no outputs/
    assert victim.read_text() == "precious\n"
    assert not (tmp_path / "unpickled").exists()
    assert OmegaConf.load(run / "run.json")["status"] == "interrupted"


@pytest.mark.parametrize(
    "entry",
    [
        "+hydra.callbacks.evil={{_target_: builtins.open, file: '{victim}', mode: w}}",
        "hydra.job.env_set.LD_PRELOAD=/tmp/evil.so",
        "hydra/launcher=submitit_local",
        "--config-dir={tmp}",
        "experiment=../../../../../../..{tmp}/evil",
        "data=/{tmp}/evil",
    ],
)
def test_hydra_settings_flags_and_outside_config_files_in_a_saved_run_are_refused(world, tmp_path, entry):
    run, victim, _ = world
    (tmp_path / "evil.yaml").write_text(
        f"# @package _global_\nhydra:\n  callbacks:\n    evil:\n      _target_: builtins.open\n      file: {victim}\n"
    )
    plant(run, entry.format(victim=victim, tmp=tmp_path), match_config=False)
    before = snapshot(tmp_path, run)

    result = run_forecast(["train", f"resume={run}"], cwd=tmp_path)

    assert_refused(result, "overrides.yaml holds", "a run directory is data, never code")
    assert snapshot(tmp_path, run) == before


def test_a_saved_run_naming_a_download_into_another_cache_downloads_nothing_on_evaluate(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(OLD_RUNS / "completed", run)
    source = tmp_path / "upstream.csv"
    source.write_text("Date Time,T (degC)\n01.01.2009 00:10:00,1.0\n")
    victim_dir = tmp_path / "victim_cache"
    victim_dir.mkdir()
    config = OmegaConf.load(run / "config.yaml")
    config.data = {"name": "jena", "url": source.as_uri(), "sha256": None, "cache_dir": str(victim_dir)}
    OmegaConf.save(config, run / "config.yaml")
    before = snapshot(tmp_path, run)

    result = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path)

    assert_refused(result, "reading a run downloads nothing", "data.path=FILE")
    assert list(victim_dir.iterdir()) == []
    assert snapshot(tmp_path, run) == before


def test_a_resumed_run_downloads_nothing_into_the_cache_its_config_names(world, tmp_path):
    run, _, _ = world
    source = tmp_path / "upstream.csv"
    source.write_text("Date Time,T (degC)\n01.01.2009 00:10:00,1.0\n")
    victim_dir = tmp_path / "victim_cache"
    plant(run, "data=jena", f"data.url={source.as_uri()}", f"data.cache_dir={victim_dir}", "data.sha256=null")

    result = run_forecast(["train", f"resume={run}"], cwd=tmp_path)

    assert_refused(result, "reading a run downloads nothing")
    assert not victim_dir.exists()
    assert OmegaConf.load(run / "run.json")["status"] != "completed"


def test_a_key_planted_in_a_saved_config_is_refused_by_evaluate(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(OLD_RUNS / "completed", run)
    config = OmegaConf.load(run / "config.yaml")
    config.window.callback = {"_target_": "builtins.open"}
    OmegaConf.save(config, run / "config.yaml")

    result = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path)

    assert_refused(result, "config.yaml", "window", "callback")


@pytest.mark.parametrize(
    "override, named",
    [
        ("+trainer.callbacks.log={_target_: keras.callbacks.CSVLogger, filename: x.csv}", "keras.callbacks.CSVLogger"),
        ("trainer.callbacks.early_stopping._target_=keras.callbacks.EarlyStoping", "keras.callbacks.EarlyStoping"),
        ("+hydra.callbacks.x={_target_: shutil.copyfile, src: a, dst: b}", "shutil.copyfile"),
        ("+data.sepparator=x", "unknown key 'data.sepparator'"),
        ("+model.nonsense=7", "unknown key 'model.nonsense'"),
    ],
)
def test_a_typed_target_or_key_that_is_not_allowed_is_one_line_before_any_run_directory(tmp_path, override, named):
    result = run_forecast(["train", "trainer.epochs=1", override], cwd=tmp_path)

    assert_refused(result, named)
    assert not (tmp_path / "outputs").exists()


def test_what_hydra_itself_records_in_a_resumed_run_is_accepted(world):
    from forecast_cli.run.layout import RunDir
    from forecast_cli.run.resume import saved_overrides

    run, _, _ = world
    recorded = ["model=lstm", "+trainer.callbacks.lr={_target_: keras.callbacks.ReduceLROnPlateau}",
                "~trainer.callbacks.early_stopping", f"resume={run}", "experiment=tutorial/lstm", "data.path=/x/y.csv"]  # fmt: skip
    OmegaConf.save(OmegaConf.create(recorded), run / ".hydra" / "overrides.yaml")

    assert saved_overrides(RunDir(run)) == recorded


@pytest.mark.parametrize("entry", ["run_name=${oc.env:FORECAST_TEST_SECRET}", "run_name=x${oc.decode:'[1]'}"])
def test_a_saved_override_calling_a_resolver_that_reads_the_readers_world_is_refused_by_resume(world, tmp_path, entry):
    run, _, _ = world
    plant(run, entry, match_config=False)
    before = snapshot(tmp_path, run)

    result = run_forecast(["train", f"resume={run}"], cwd=tmp_path, env={"FORECAST_TEST_SECRET": "hunter2"})

    assert_refused(result, "overrides.yaml holds", "a resume would resolve in your environment")
    assert "hunter2" not in result.stderr + result.stdout
    assert snapshot(tmp_path, run) == before
