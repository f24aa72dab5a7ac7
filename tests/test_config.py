"""Composition and validation of the configs, without TensorFlow."""

import subprocess
import sys

import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from forecast_cli.errors import ForecastError
from forecast_cli.overrides import check_overrides
from forecast_cli.schema import register_schemas
from forecast_cli.train import validate_config

register_schemas()


def compose_train(overrides=()):
    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        return compose("train", overrides=list(overrides))


def test_default_config_composes_every_group():
    cfg = compose_train()
    assert cfg.data.name == "sine"
    assert cfg.model.name == "lstm"
    assert cfg.optimizer._target_ == "keras.optimizers.Adam"
    assert cfg.trainer.callbacks.early_stopping._target_ == "forecast_cli.callbacks.EarlyStopping"
    assert cfg.window.input_width == 24 and cfg.window.shift == 1
    assert cfg.run_name == "lstm"


def test_default_trainer_pairs_batch_256_with_adam_5e3_and_the_source_presets_keep_their_own():
    fast = compose_train()
    assert (fast.trainer.batch_size, fast.optimizer.learning_rate, fast.trainer.steps_per_execution) == (256, 0.005, 32)
    assert fast.trainer.callbacks.early_stopping.min_delta_ratio == 0.02
    for preset in ("tutorial", "homl"):
        cfg = compose_train([f"trainer={preset}"])
        assert (cfg.trainer.batch_size, cfg.optimizer.learning_rate, cfg.trainer.steps_per_execution) == (32, 0.001, 1)
        assert cfg.trainer.name == "fit"
    tutorial = compose_train(["trainer=tutorial"]).trainer.callbacks.early_stopping
    assert (tutorial.patience, tutorial.min_delta_ratio) == (2, 0.0)  # the tutorial's own stop rule
    # the command line still wins over a preset's learning rate, and an experiment's preset over the default
    assert compose_train(["trainer=tutorial", "optimizer.learning_rate=0.02"]).optimizer.learning_rate == 0.02
    assert compose_train(["experiment=tutorial/lstm"]).optimizer.learning_rate == 0.001
    assert compose_train(["experiment=tutorial/lstm", "trainer=fit"]).optimizer.learning_rate == 0.005


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
        ("data.split.train=0.9", "train + val must leave rows for test"),
        ("model.dropout=1.5", "model.dropout must be in [0, 1)"),
        ("optimizer.learning_rate=-1", "optimizer.learning_rate must be > 0"),
        ("data.scaler=robust", "data.scaler must be one of"),
    ],
)
def test_ranges_are_checked(override, message):
    with pytest.raises(ForecastError) as info:
        validate_config(compose_train([override]))
    assert message in str(info.value)


def test_every_job_of_a_sweep_is_checked_before_running():
    with pytest.raises(ForecastError, match="window.input_width must be >= 1, got -2"):
        check_overrides("train", "train", ["-m", "model=linear,lstm", "window.input_width=4,-2"], validate_config)
    check_overrides("train", "train", ["-m", "model=linear,lstm", "window.input_width=4,8"], validate_config)


def test_resolved_config_has_no_interpolations():
    cfg = compose_train(["model=dense"])
    text = OmegaConf.to_yaml(cfg, resolve=True)
    assert "${" not in text and "run_name: dense" in text


@pytest.mark.parametrize("args", [["--help"], ["train", "--help"], ["train", "--cfg", "job"]])
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
    assert result.stdout.strip().splitlines()[-1] == "LOADED: []"
