"""What one training epoch on ETTh1 (input 96, horizon 96, 7 columns in and out) costs each model, and
what limits it: floating-point work against what these cores do at their best.

    python benchmarks/epoch_cost.py [--models dlinear,patchtst,...] [--repeats 5] [--out results.json]
    python benchmarks/epoch_cost.py --models itransformer --vs model.dropout=0.0   # A/B, in turn
    python benchmarks/epoch_cost.py --models tsmixer --vs-jit                       # against XLA
    python benchmarks/epoch_cost.py --models etth1_long/patchtst64                  # another ltsf experiment

Every model is composed as its benchmark runs it (`experiment=ltsf/etth1/<model>` where one exists, or the
experiment a name with a slash gives, `etth1_long/patchtst64`, else
`data=ett recipe=tslib model=<model>` at input 96, horizon 96), built as training builds it, and trained by
Keras `fit` at its experiment's batch size and steps per execution on random windows of ETTh1's shape
(the cost of a step does not depend on the values). Reported per model:

- forward MFLOP per window, counted by TensorFlow's profiler on the frozen graph (multiply-adds count 2);
- seconds per step: the median of `--repeats` timed epochs (at least `--steps` steps, more for fast
  models so that an epoch lasts about 2 s) after an untimed one that traces, and the seconds per epoch
  they make on ETTh1's training windows (8,449 at input 96, horizon 96);
- the achieved rate, 3 x forward FLOPs x windows per second (a backward pass costs about twice a
  forward), against a 2048 x 2048 float32 matrix product timed before each epoch (the median): a model far
  below it is bound by something other than arithmetic.

With `--vs` / `--vs-jit` a second build of each model is timed in turn with the first (A B A B ...) and the
ratio A/B is taken pair by pair, so that the comparison holds while a shared machine's speed drifts.
"""

import argparse
import json
import math
import statistics
import time

COLUMNS = ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
MODELS = ["linear", "ci_linear", "nlinear", "dlinear", "tsmixer", "itransformer", "timemixer", "patchtst"]


def train_windows(spec) -> int:
    """ETTh1's training windows under Time-Series-Library's split (8,449 at input 96, horizon 96)."""
    from forecast_cli.config.resolvers import ETT_HOURS

    return ETT_HOURS[0] - spec.total_width + 1


def compose_run(model: str, extra=()):
    from hydra import compose, initialize_config_module

    import forecast_cli.commands.train  # noqa: F401  (stores the schemas of the train config)
    from forecast_cli.commands.rewrite import experiment_names

    experiment = f"ltsf/{model}" if "/" in model else f"ltsf/etth1/{model}"  # etth1_long/patchtst64: that experiment
    if experiment in experiment_names():
        overrides = [f"experiment={experiment}"]
    else:
        overrides = ["data=ett", "recipe=tslib", f"model={model}", "window.input_width=96", "window.horizon=96"]
    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        return compose("train", overrides=[*overrides, *extra])


def forward_flops(model, spec) -> int:
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    signature = tf.TensorSpec([1, spec.input_width, spec.n_features], tf.float32)
    frozen = convert_variables_to_constants_v2(tf.function(lambda x: model(x, training=False)).get_concrete_function(signature))
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return int(tf.compat.v1.profiler.profile(graph=frozen.graph, options=options).total_float_ops)


def matmul_seconds(a) -> float:
    """Wall seconds of one large float32 matrix product (the ceiling of dense arithmetic on these cores)."""
    import tensorflow as tf

    start = time.perf_counter()
    tf.matmul(a, a).numpy()
    return time.perf_counter() - start


class Trainee:
    """One model as its benchmark builds it, compiled for `fit`, with random windows for `steps` steps."""

    def __init__(self, model_name: str, extra, jit: bool, steps: int):
        import keras

        from forecast_cli.data.window import resolve_window
        from forecast_cli.models import build_model

        cfg = compose_run(model_name, extra)
        spec = resolve_window(cfg.window, COLUMNS, COLUMNS)
        self.model = build_model(cfg.model, spec)
        self.batch = int(cfg.trainer.batch_size)
        self.flops = forward_flops(self.model, spec)
        self.execution = int(cfg.trainer.steps_per_execution)
        self.model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mse", jit_compile=jit, steps_per_execution=self.execution)
        self.spec = spec
        warmup_steps = max(steps, 2 * self.execution)  # whole executions
        self.first_epoch = self._fit(self._windows(warmup_steps))  # traces (XLA: compiles)
        # fast models get more steps, so that fit's fixed costs per call stay a small part of an epoch
        per_step = self.first_epoch / warmup_steps
        wanted = max(steps, math.ceil(2.0 / max(per_step, 1e-6)))
        self.steps = min(4096, math.ceil(wanted / self.execution) * self.execution)
        self.data = self._windows(self.steps)

    def _windows(self, steps: int):
        import numpy as np

        rng = np.random.default_rng(0)
        n, spec = self.batch * steps, self.spec
        x = rng.standard_normal((n, spec.input_width, spec.n_features)).astype("float32")
        y = rng.standard_normal((n, spec.label_width, spec.n_outputs)).astype("float32")
        return x, y

    def _fit(self, data) -> float:
        start = time.perf_counter()
        self.model.fit(*data, batch_size=self.batch, epochs=1, verbose=0, shuffle=False)
        return time.perf_counter() - start

    def step_seconds(self) -> float:
        return self._fit(self.data) / self.steps


def measure(model_name: str, steps: int, repeats: int, jit: bool, extra=(), vs=None) -> dict:
    """Median seconds per step over `repeats` epochs; with `vs` (overrides, jit) a second build of the model
    timed in turn with the first, A B A B ..., and the ratio pair by pair."""
    import keras
    import tensorflow as tf

    keras.backend.clear_session()
    a = Trainee(model_name, extra, jit, steps)
    b = Trainee(model_name, [*extra, *vs[0]], vs[1], steps) if vs else None
    big = tf.random.normal([2048, 2048])
    matmul_seconds(big)
    times, other, matmul = [], [], []
    for _ in range(repeats):
        matmul.append(matmul_seconds(big))
        times.append(a.step_seconds())
        if b is not None:
            other.append(b.step_seconds())
    step = statistics.median(times)
    windows_per_s = a.batch / step
    rate = 2 * 2048**3 / statistics.median(matmul) / 1e9
    row = {
        "model": model_name,
        "parameters": int(a.model.count_params()),
        "batch": a.batch,
        "steps_per_execution": a.execution,
        "timed_steps": a.steps,
        "jit_compile": jit,
        "forward_gflop_per_window": a.flops / 1e9,
        "s_per_step": step,
        "s_per_step_min_max": [min(times), max(times)],
        "s_per_epoch": step * math.ceil(train_windows(a.spec) / a.batch),
        "windows_per_s": windows_per_s,
        "achieved_gflops": 3 * a.flops * windows_per_s / 1e9,
        "matmul_gflops": rate,
        "first_epoch_s": a.first_epoch,
    }
    if b is not None:
        ratios = [x / y for x, y in zip(times, other)]
        row.update(vs_s_per_step=statistics.median(other), vs_ratio=statistics.median(ratios), vs_ratio_min_max=[min(ratios), max(ratios)])
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--steps", type=int, default=64, help="at least this many timed steps per epoch")
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per model (the median is reported)")
    parser.add_argument("--jit", action="store_true", help="train with XLA (trainer.jit_compile=true)")
    parser.add_argument("--vs", default=None, help="comma-separated overrides of a second build timed in turn with the first")
    parser.add_argument("--vs-jit", action="store_true", help="the second build trains with XLA")
    parser.add_argument("--out", help="also write the rows as JSON")
    parser.add_argument("overrides", nargs="*", help="config overrides for every model")
    args = parser.parse_args()
    vs = ([o for o in (args.vs or "").split(",") if o], args.vs_jit) if (args.vs or args.vs_jit) else None
    rows = [measure(name, args.steps, args.repeats, args.jit, args.overrides, vs) for name in args.models.split(",")]
    print("| model | parameters | batch | forward MFLOP/window | s/step (min-max) | s/epoch | windows/s | GFLOP/s | of the matmul rate |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        low, high = r["s_per_step_min_max"]
        print(
            f"| {r['model']} | {r['parameters']:,} | {r['batch']} | {r['forward_gflop_per_window'] * 1e3:.2f} | "
            f"{r['s_per_step']:.4f} ({low:.4f}-{high:.4f}) | {r['s_per_epoch']:.1f} | {r['windows_per_s']:,.0f} | "
            f"{r['achieved_gflops']:.2f} | {r['achieved_gflops'] / r['matmul_gflops']:.1%} of {r['matmul_gflops']:.0f} |"
        )
    if vs:
        print(f"\nvs {vs[0] or ''}{' with XLA' if vs[1] else ''}: s/step, and A/B pair by pair (median, min-max)")
        for r in rows:
            low, high = r["vs_ratio_min_max"]
            print(f"| {r['model']} | {r['vs_s_per_step']:.4f} | {r['vs_ratio']:.2f} ({low:.2f}-{high:.2f}) |")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"jit_compile": args.jit, "vs": vs, "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    main()
