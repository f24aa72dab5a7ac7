"""The one-cycle schedule (`forecast_cli.trainer.schedules.OneCycle`, the PatchTST and TimeMixer repositories'
`lradj=TST`): PyTorch's OneCycleLR curve, applied at every step whatever steps_per_execution, continued by
a resumed run, its length given by the trainer, and refused next to a callback that sets the rate."""

import csv
import json
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from forecast_cli.commands.train import validate_config
from forecast_cli.errors import ForecastError
from forecast_cli.trainer.optimizer import build_optimizer
from forecast_cli.run.checkpoint import load_checkpoint
from forecast_cli.trainer.schedules import OneCycle
from forecast_cli.trainer.run_callbacks.checkpoint import RunCheckpoint

from helpers import compose_train, make_frame, run_forecast

ONE_CYCLE = "{_target_: forecast_cli.trainer.schedules.OneCycle, max_learning_rate: 0.01, pct_start: 0.2}"


def pytorch_one_cycle(step: int, total: int, peak: float, pct_start: float, div=25.0, final_div=1e4) -> float:
    """torch.optim.lr_scheduler.OneCycleLR's `get_lr` (two phases, cos), written out as its source reads."""
    initial = peak / div
    phases = [
        {"end_step": float(pct_start * total) - 1, "start": initial, "end": peak},
        {"end_step": total - 1, "start": peak, "end": initial / final_div},
    ]
    start_step = 0
    for i, phase in enumerate(phases):
        if step <= phase["end_step"] or i == len(phases) - 1:
            pct = (step - start_step) / (phase["end_step"] - start_step)
            return phase["end"] + (phase["start"] - phase["end"]) / 2.0 * (math.cos(math.pi * pct) + 1)
        start_step = phase["end_step"]


@pytest.mark.parametrize("total, pct_start", [(660, 0.2), (100, 0.3), (37, 0.25)])
def test_the_schedule_is_pytorchs_one_cycle_at_every_step(total, pct_start):
    schedule = OneCycle(0.01, total, pct_start)
    got = np.array([float(schedule(step)) for step in range(total)])
    want = np.array([pytorch_one_cycle(step, total, 0.01, pct_start) for step in range(total)])
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-10)
    assert got[0] == pytest.approx(0.01 / 25, rel=1e-5) and 0.998 * 0.01 < got.max() <= 0.01 * (1 + 1e-6)
    assert got[-1] == pytest.approx(0.01 / 25 / 1e4, rel=1e-4)
    assert float(schedule(total + 50)) == pytest.approx(got[-1], rel=1e-6)  # past the end: the last rate


def count_steps_model(schedule):
    """SGD on |w - 1e6| from w = 0: every step adds exactly its learning rate to w, so after training w is
    the sum of the rates of the steps taken."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")])
    model.compile(keras.optimizers.SGD(schedule), "mae", steps_per_execution=4)
    return model


X, Y = np.ones((40, 1), "float32"), np.full((40, 1), 1e6, "float32")  # batch 4: 10 steps an epoch


def test_every_step_gets_its_own_rate_when_steps_run_four_at_a_time():
    model = count_steps_model(OneCycle(0.1, 30, pct_start=0.3))
    model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    want = sum(pytorch_one_cycle(step, 30, 0.1, 0.3) for step in range(30))
    assert float(model.weights[0].numpy().item()) == pytest.approx(want, rel=1e-5)
    assert int(model.optimizer.iterations.numpy()) == 30
    # a rate set once per call of 4 steps (what a per-batch callback can do) would sum to another value
    call_starts = [epoch * 10 + batch - batch % 4 for epoch, batch in (divmod(step, 10) for step in range(30))]
    assert abs(sum(pytorch_one_cycle(step, 30, 0.1, 0.3) for step in call_starts) - want) > 1e-3


class StopAfter(keras.callbacks.Callback):
    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = epoch + 1 >= self.epochs


def test_a_resumed_run_continues_the_same_curve(tmp_path):
    strategy = tf.distribute.get_strategy()
    path = tmp_path / "checkpoint.npz"
    whole = count_steps_model(OneCycle(0.1, 40))
    whole.fit(X, Y, batch_size=4, epochs=4, shuffle=False, verbose=0)

    first = count_steps_model(OneCycle(0.1, 40))
    first.fit(X, Y, batch_size=4, epochs=4, shuffle=False, verbose=0,
              callbacks=[RunCheckpoint(path, first.optimizer, strategy, []), StopAfter(2)])
    assert int(first.optimizer.iterations.numpy()) == 20

    resumed = count_steps_model(OneCycle(0.1, 40))  # a fresh optimizer, as `forecast train resume=...` builds it
    restore = RunCheckpoint(path, resumed.optimizer, strategy, [], restore=load_checkpoint(path))
    resumed.fit(X, Y, batch_size=4, epochs=4, initial_epoch=2, shuffle=False, verbose=0, callbacks=[restore])
    assert int(resumed.optimizer.iterations.numpy()) == 40
    assert float(resumed.weights[0].numpy().item()) == pytest.approx(float(whole.weights[0].numpy().item()), rel=1e-6)


def test_the_trainer_gives_the_schedule_its_length_unless_the_config_does():
    cfg = compose_train(["trainer.callbacks.reduce_lr=null", f"optimizer.learning_rate={ONE_CYCLE}"])
    schedule = build_optimizer(cfg.optimizer, total_steps=660)._learning_rate
    assert isinstance(schedule, OneCycle) and schedule.get_config()["total_steps"] == 660
    assert schedule.get_config()["pct_start"] == 0.2
    given = compose_train(["trainer.callbacks.reduce_lr=null", f"optimizer.learning_rate={ONE_CYCLE[:-1]}, total_steps: 100}}"])
    assert build_optimizer(given.optimizer, total_steps=660)._learning_rate.total_steps == 100
    with pytest.raises(ForecastError, match="needs the number of training steps"):
        build_optimizer(cfg.optimizer, total_steps=None)


@pytest.mark.parametrize(
    "overrides, clash",
    [
        ([], "reduce_lr"),  # the default recipe's ReduceLROnPlateau
        (["recipe=tslib"], "learning_rate"),  # TSLib's type1 halving (EpochDecay)
    ],
)
def test_a_schedule_next_to_a_rate_callback_is_refused_in_one_line(overrides, clash):
    cfg = compose_train([*overrides, f"optimizer.learning_rate={ONE_CYCLE}"])
    with pytest.raises(ForecastError) as error:
        validate_config(cfg)
    message = str(error.value)
    assert message.startswith(f"trainer.callbacks.{clash} sets the learning rate") and "\n" not in message
    assert f"trainer.callbacks.{clash}=null" in message and "forecast_cli.trainer.schedules.OneCycle" in message


@pytest.mark.parametrize(
    "arguments, message",
    [
        ("max_learning_rate: 0.01, pct_start: 1.5", "pct_start must be in (0, 1)"),
        ("max_learning_rate: 0.0", "max_learning_rate must be > 0, got 0.0"),
        ("max_learning_rate: 0.01, pct_start: soon", "takes numbers, got 0.01, 'soon'"),
        ("max_lr: 0.01", "takes max_learning_rate, total_steps, pct_start, div_factor, final_div_factor"),
    ],
)
def test_bad_arguments_are_refused_before_the_run_in_one_line(tmp_path, arguments, message):
    cfg = compose_train(["trainer.callbacks.reduce_lr=null",
                         f"optimizer.learning_rate={{_target_: forecast_cli.trainer.schedules.OneCycle, {arguments}}}"])
    with pytest.raises(ForecastError) as error:
        validate_config(cfg)
    assert message in str(error.value) and str(error.value).startswith("optimizer.learning_rate (forecast_cli")
    with pytest.raises(ValueError, match="pct_start must be in"):  # the schedule itself, built in code
        OneCycle(0.01, 100, pct_start=1.5)


def test_the_cli_refuses_a_bad_schedule_with_exit_2_and_no_run(tmp_path):
    make_frame(100).to_csv(tmp_path / "series.csv", index=False)
    result = run_forecast(
        ["train", "data=csv", f"data.path={tmp_path / 'series.csv'}", "data.target=target",
         "trainer.callbacks.reduce_lr=null",
         "optimizer.learning_rate={_target_: forecast_cli.trainer.schedules.OneCycle, max_learning_rate: 0.01, pct_start: 2}"],
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("forecast: error: optimizer.learning_rate (forecast_cli")
    assert "Traceback" not in result.stderr and not (tmp_path / "outputs").exists()


@pytest.mark.slow  # 30 s: the schedule itself is unit-tested above
def test_a_cli_run_follows_the_curve_epoch_by_epoch_and_saves_a_model_that_loads(tmp_path):
    """The CLI end to end, under both loops: history.csv records the rate after each epoch's last step, and
    the SavedModel and model.keras of the run are written and load back."""
    make_frame(300).to_csv(tmp_path / "series.csv", index=False)
    histories = []
    for trainer in ("fit", "custom"):
        args = [
            "train", "data=csv", f"data.path={tmp_path / 'series.csv'}", "data.date_column=date",
            "data.target=target", "window.input_width=12", "model=linear", f"trainer={trainer}", "trainer.epochs=3",
            "trainer.batch_size=32", "trainer.verbose=silent", "trainer.callbacks.reduce_lr=null",
            "trainer.callbacks.early_stopping.patience=10", f"optimizer.learning_rate={ONE_CYCLE}",
        ]
        (tmp_path / trainer).mkdir()
        result = run_forecast(args, cwd=tmp_path / trainer)
        assert result.returncode == 0, result.stderr
        (run,) = [p.parent for p in (tmp_path / trainer).glob("outputs/train/*/*/run.json")]
        histories.append([float(row["learning_rate"]) for row in csv.DictReader(open(run / "history.csv"))])
        assert keras.models.load_model(run / "model.keras", safe_mode=True, compile=False).count_params() > 0
        assert (run / "saved_model" / "saved_model.pb").is_file()
        windows = json.loads((run / "run.json").read_text())["windows"]["train"]
    steps = -(-windows // 32)
    total = 3 * steps  # the rate after the last step is the last step's: the curve ends there
    want = [pytorch_one_cycle(min((epoch + 1) * steps, total - 1), total, 0.01, 0.2) for epoch in range(3)]
    np.testing.assert_allclose(histories[0], want, rtol=1e-4)
    np.testing.assert_allclose(histories[1], want, rtol=1e-4)
