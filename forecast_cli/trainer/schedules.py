"""Learning-rate schedules of our own, named as `optimizer.learning_rate._target_` (Keras' own are in
keras.optimizers.schedules). They are functions of the optimizer's step counter, evaluated inside the
compiled step: every step gets its rate whatever `trainer.steps_per_execution`, and a resumed run, whose
optimizer state holds the counter, continues the same curve."""

import math

import keras

from forecast_cli.trainer.optimizer import ONE_CYCLE_DEFAULTS, one_cycle_problem


@keras.saving.register_keras_serializable(package="forecast_cli")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """PyTorch's `OneCycleLR` (two phases, cosine annealing), the `lradj=TST` of the PatchTST and TimeMixer
    repositories: from `max_learning_rate / div_factor` up to `max_learning_rate` over the first
    `pct_start` of `total_steps`, then down to `max_learning_rate / div_factor / final_div_factor` at the
    last step. Steps past `total_steps` keep the last rate (PyTorch raises there).

    `total_steps` is left out of a config: the trainer gives `trainer.epochs x steps per epoch`. PyTorch's
    scheduler also cycles Adam's beta_1 between 0.95 and 0.85 by default; the optimizer's beta_1 stays put.
    """

    def __init__(
        self,
        max_learning_rate: float,
        total_steps: int,
        pct_start: float = ONE_CYCLE_DEFAULTS["pct_start"],
        div_factor: float = ONE_CYCLE_DEFAULTS["div_factor"],
        final_div_factor: float = ONE_CYCLE_DEFAULTS["final_div_factor"],
    ):
        problem = one_cycle_problem(max_learning_rate, pct_start, div_factor, final_div_factor, total_steps)
        if problem:
            raise ValueError(problem)
        self.max_learning_rate = float(max_learning_rate)
        self.total_steps = int(total_steps)
        self.pct_start = float(pct_start)
        self.div_factor = float(div_factor)
        self.final_div_factor = float(final_div_factor)

    def __call__(self, step):
        ops = keras.ops
        step = ops.cast(step, "float32")
        peak = self.max_learning_rate
        start = peak / self.div_factor
        end = start / self.final_div_factor
        warm_end = self.pct_start * self.total_steps - 1.0  # PyTorch's phase boundary, a float
        last = float(self.total_steps - 1)
        rising = ops.clip(step / max(warm_end, 1e-12), 0.0, 1.0)
        falling = ops.clip((step - warm_end) / max(last - warm_end, 1e-12), 0.0, 1.0)
        up = peak + (start - peak) / 2.0 * (ops.cos(math.pi * rising) + 1.0)
        down = end + (peak - end) / 2.0 * (ops.cos(math.pi * falling) + 1.0)
        return ops.where(step <= warm_end, up, down)

    def get_config(self):
        return {
            "max_learning_rate": self.max_learning_rate,
            "total_steps": self.total_steps,
            "pct_start": self.pct_start,
            "div_factor": self.div_factor,
            "final_div_factor": self.final_div_factor,
        }
