"""Composition and validation of the configs, without TensorFlow."""

import subprocess
import sys

import pytest
from hydra import initialize_config_module
from omegaconf import OmegaConf

from forecast_cli.commands.precheck import check_overrides
from forecast_cli.commands.rewrite import rename_former_options
from forecast_cli.commands.train import validate_config
from forecast_cli.errors import ForecastError

from helpers import OLD_RUNS, compose_train


def test_default_config_composes_every_group():
    cfg = compose_train()
    assert cfg.data.name == "sine"
    assert cfg.model.name == "lstm"
    assert cfg.optimizer._target_ == "keras.optimizers.Adam"
    assert cfg.trainer.callbacks.early_stopping._target_ == "forecast_cli.trainer.callbacks.EarlyStopping"
    assert cfg.window.input_width == 24 and cfg.window.shift == 1
    assert cfg.run_name == "lstm"


def test_default_trainer_pairs_batch_256_with_adam_5e3_and_the_source_recipes_keep_their_own():
    fast = compose_train()
    assert (fast.trainer.batch_size, fast.optimizer.learning_rate, fast.trainer.steps_per_execution) == (256, 0.005, 32)
    stop, plateau = fast.trainer.callbacks.early_stopping, fast.trainer.callbacks.reduce_lr
    assert (stop.patience, stop.min_delta_ratio, stop.restore_best_weights) == (3, 0.0, True)
    assert (plateau._target_, plateau.monitor, plateau.factor, plateau.patience) == (
        "keras.callbacks.ReduceLROnPlateau", "val_loss", 0.2, 1,
    )
    for recipe in ("tutorial", "homl"):
        cfg = compose_train([f"recipe={recipe}"])
        assert (cfg.trainer.batch_size, cfg.optimizer.learning_rate, cfg.trainer.steps_per_execution) == (32, 0.001, 1)
        assert cfg.trainer.name == "fit"
        assert "recipe" not in cfg  # a recipe only sets trainer and optimizer keys
    tutorial = compose_train(["recipe=tutorial"]).trainer.callbacks.early_stopping
    assert (tutorial.patience, tutorial.min_delta_ratio) == (2, 0.0)  # the tutorial's own stop rule
    assert compose_train(["recipe=homl"]).trainer.callbacks.early_stopping is None
    for recipe in ("tutorial", "homl", "tslib", "panel"):  # each its own rate schedule, not our plateau rule
        assert compose_train([f"recipe={recipe}"]).trainer.callbacks.reduce_lr is None
    # the command line still wins over a recipe's learning rate, and an experiment's recipe over the default
    assert compose_train(["recipe=tutorial", "optimizer.learning_rate=0.02"]).optimizer.learning_rate == 0.02
    assert compose_train(["experiment=tutorial/lstm"]).optimizer.learning_rate == 0.001
    assert compose_train(["experiment=tutorial/lstm", "~recipe"]).optimizer.learning_rate == 0.005


@pytest.mark.parametrize("recipe", ["tutorial", "homl"])
def test_the_recipes_former_trainer_names_still_compose_the_same_config(recipe):
    """Command lines and saved runs (`.hydra/overrides.yaml`, read by resume) of 0.1 say `trainer=tutorial`."""
    former = rename_former_options([f"trainer={recipe}", "model=gru"])
    assert former == [f"recipe={recipe}", "model=gru"]
    assert compose_train(former) == compose_train([f"recipe={recipe}", "model=gru"])
    assert rename_former_options(["trainer=custom", "trainer.epochs=3"]) == ["trainer=custom", "trainer.epochs=3"]
    assert rename_former_options(["+trainer=homl", "trainer=tutorial,homl"]) == ["+recipe=homl", "recipe=tutorial,homl"]
    with pytest.raises(ForecastError, match="trainer=tutorial,fit: tutorial and homl are recipes now"):
        rename_former_options(["trainer=tutorial,fit"])


@pytest.mark.parametrize(
    "name, target",
    [("adam", "Adam"), ("adamw", "AdamW"), ("sgd", "SGD"), ("rmsprop", "RMSprop")],
)
def test_optimizers_are_keras_targets(name, target):
    cfg = compose_train([f"optimizer={name}"])
    assert cfg.optimizer._target_ == f"keras.optimizers.{target}"


def test_schemas_do_not_show_up_as_options():
    from hydra.core.global_hydra import GlobalHydra

    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        options = GlobalHydra.instance().config_loader().get_group_options("model")
    from forecast_cli.models import MODELS

    assert options == MODELS.names()  # one YAML per registered model, and no schema among them


def test_unknown_key_and_wrong_type_fail_at_composition():
    with pytest.raises(Exception, match="foo"):
        compose_train(["model.foo=1"])
    with pytest.raises(Exception, match="input_width"):
        compose_train(["window.input_width=abc"])


@pytest.mark.parametrize(
    "override, message",
    [
        ("window.input_width=0", "window.input_width must be >= 1"),
        ("window.label_width=30", "cannot exceed input_width + shift"),
        ("trainer.batch_size=0", "trainer.batch_size must be >= 1"),
        ("data.split.train=0.9", "train + val cannot exceed 1"),
        ("model.dropout=1.5", "model.dropout must be in [0, 1)"),
        ("optimizer.learning_rate=-1", "optimizer.learning_rate must be > 0"),
        ("data.scaler=robust", "data.scaler must be one of"),
        ("trainer.verbose=3", "trainer.verbose must be one of auto, bar, epoch, silent, 0, 1, 2, got '3'"),
    ],
)
def test_ranges_are_checked(override, message):
    with pytest.raises(ForecastError) as info:
        validate_config(compose_train([override]))
    assert message in str(info.value)


@pytest.mark.parametrize("verbose, keras_value", [("0", 0), ("1", 1), ("2", 2), ("silent", 0), ("epoch", 2)])
def test_keras_own_verbosity_numbers_are_accepted(verbose, keras_value):
    from forecast_cli.trainer.context import keras_verbosity

    cfg = compose_train([f"trainer.verbose={verbose}"])
    validate_config(cfg)
    assert keras_verbosity(cfg.trainer.verbose) == keras_value


def test_every_job_of_a_sweep_is_checked_before_running():
    with pytest.raises(ForecastError, match="window.input_width must be >= 1, got -2"):
        check_overrides("train", ["-m", "model=linear,lstm", "window.input_width=4,-2"], validate_config, "hint")
    check_overrides("train", ["-m", "model=linear,lstm", "window.input_width=4,8"], validate_config, "hint")


def test_resolved_config_has_no_interpolations():
    cfg = compose_train(["model=dense"])
    text = OmegaConf.to_yaml(cfg, resolve=True)
    assert "${" not in text and "run_name: dense" in text


@pytest.mark.parametrize(
    "args",
    [
        ["--help"], ["train", "--help"], ["train", "--cfg", "job"], ["evaluate", "--help"],
        ["predict", "--help"], ["backtest", "--help"], ["export", "--help"],
        ["predict", "--cfg", "job", f"run={OLD_RUNS / 'completed'}"],
        ["backtest", "--cfg", "job", f"run={OLD_RUNS / 'completed'}"],
        ["export", "--cfg", "job", f"run={OLD_RUNS / 'completed'}", "name=m"],
    ],
)
def test_cli_does_not_import_tensorflow(args):
    # nor numpy, pandas or urllib.request: together they were a fifth of `--cfg job`'s 1 s
    heavy = ["tensorflow", "keras", "numpy", "pandas", "urllib.request"]
    code = (
        "import sys\n"
        f"sys.argv = ['forecast', *{args!r}]\n"
        "from forecast_cli.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED:', [m for m in {heavy!r} if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "forecast: error" not in result.stderr  # the command itself ran: help, or the composed config
    assert result.stdout.strip().splitlines()[-1] == "LOADED: []"
    if "--cfg" in args:
        assert "run:" in result.stdout or "trainer:" in result.stdout


def test_window_horizon_sets_label_width_and_shift_at_once():
    cfg = compose_train(["window.horizon=96", "window.input_width=96"])
    assert (cfg.window.label_width, cfg.window.shift) == (96, 96)
    validate_config(cfg)
    multi = compose_train(["window=multi_step"])
    assert (multi.window.horizon, multi.window.label_width, multi.window.shift) == (None, 24, 24)
    apart = compose_train(["window.label_width=6", "window.shift=6", "window.input_width=12"])
    assert (apart.window.label_width, apart.window.shift) == (6, 6)  # the two keys still work alone


def test_window_horizon_disagreeing_with_an_explicit_shift_is_refused():
    with pytest.raises(ForecastError, match=r"window.horizon \(48\) sets label_width and shift, but they are 48 and 3"):
        validate_config(compose_train(["window.horizon=48", "window.shift=3", "window.input_width=96"]))


@pytest.mark.parametrize("dataset, rows", [("ETTh1", [8640, 2880, 2880]), ("ETTm2", [34560, 11520, 11520])])
def test_ett_borders_follow_the_dataset_frequency(dataset, rows):
    cfg = compose_train(["data=ett", f"data.dataset={dataset}"])
    assert list(cfg.data.split.rows) == rows
    assert cfg.data.split.protocol == "ltsf"


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["model=patchtst", "model.patch_len=30"], "model.patch_len (30) exceeds window.input_width (24)"),
        (["model=conv", "model.kernel_size=25"], "model.kernel_size (25) exceeds window.input_width (24)"),
        (["model=timemixer", "window.input_width=25", "model.down_sampling_layers=5"], "pools the window by 32"),
        (["model=repeat", "window.horizon=25"], "model=repeat copies the last label_width input steps"),
        (["model=lstm", "model.head=sequence"], "model.head=sequence forecasts at every input step"),
    ],
)
def test_model_and_window_combinations_that_cannot_work_fail_in_the_precheck(overrides, message):
    with pytest.raises(ForecastError) as info:
        validate_config(compose_train(overrides))
    assert message in str(info.value)


def test_an_impossible_patch_is_one_line_before_any_run_directory(tmp_path):
    from helpers import run_forecast

    result = run_forecast(["train", "model=patchtst", "model.patch_len=30"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "forecast: error: model.patch_len (30) exceeds window.input_width (24): lower it or lengthen the window"
    ]
    assert not (tmp_path / "outputs").exists()


def test_a_target_named_by_its_path_before_0_4_is_read_as_the_class_it_moved_to():
    """Runs saved before 0.4 (and overrides copied from them) name forecast_cli.callbacks.* and
    forecast_cli.schedules.*: the checks accept them and rewrite them, so the run saves and builds the new path."""
    from omegaconf import OmegaConf

    from forecast_cli.config.guard import MOVED_TARGETS, check_config

    cfg = compose_train([
        "trainer.callbacks.early_stopping._target_=forecast_cli.callbacks.EarlyStopping",
        "+trainer.callbacks.decay={_target_: forecast_cli.callbacks.EpochDecay, factor: 0.5}",
        "optimizer.learning_rate={_target_: forecast_cli.schedules.OneCycle, max_learning_rate: 0.01}",
    ])
    check_config(cfg)
    callbacks = cfg.trainer.callbacks
    assert callbacks.early_stopping._target_ == "forecast_cli.trainer.callbacks.EarlyStopping"
    assert callbacks.decay._target_ == "forecast_cli.trainer.callbacks.EpochDecay"
    assert cfg.optimizer.learning_rate._target_ == "forecast_cli.trainer.schedules.OneCycle"
    assert "forecast_cli.callbacks" not in OmegaConf.to_yaml(cfg) and "forecast_cli.schedules" not in OmegaConf.to_yaml(cfg)
    import importlib

    for new in MOVED_TARGETS.values():  # every new name is a class that exists
        module, name = new.rsplit(".", 1)
        assert isinstance(getattr(importlib.import_module(module), name), type), new
