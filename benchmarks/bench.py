"""forecast's benchmark suite: measures every figure back to back and writes docs/performance.md.

    python benchmarks/bench.py --jena ../shared/data/jena_climate_2009_2016_hourly.csv

Sections: (1) the tutorial's single-step LSTM experiment on Jena, the tutorial's own pipeline and fit
loop (benchmarks/tutorial_baseline.py) vs `forecast train`'s default path; (2) the input pipeline alone
vs the model's consumption; (3) CLI latency; (4) peak RSS on Jena and on generated CSVs of 1M/3M/10M
rows; (5) the per-job overhead of an in-process multirun. Every training figure comes from a real
subprocess; peak RSS is that subprocess's own ru_maxrss (os.wait4).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from forecast_cli.trainer.run_callbacks.history import read_history_csv

HERE = Path(__file__).resolve().parent
FORECAST = str(Path(sys.executable).parent / "forecast")
SCALE_BATCH = 1024


def run_measured(command, cwd):
    """(wall seconds, peak RSS in MiB, stdout) of one subprocess."""
    started = time.perf_counter()
    with open(Path(cwd) / "stdout.txt", "w") as out, open(Path(cwd) / "stderr.txt", "w") as err:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command} failed: {(Path(cwd) / 'stderr.txt').read_text()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, (Path(cwd) / "stdout.txt").read_text()


def newest_run(root):
    runs = sorted(Path(root).glob("outputs/train/*/*/run.json"), key=lambda p: p.stat().st_mtime)
    return runs[-1].parent


def forecast_training(overrides, workdir):
    seconds, rss, _ = run_measured([FORECAST, "train", "trainer.verbose=silent", *overrides], workdir)
    run = newest_run(workdir)
    epoch_seconds = [row["epoch_seconds"] for row in read_history_csv(run / "history.csv")]
    record = json.loads((run / "run.json").read_text())
    metrics = json.loads((run / "metrics.json").read_text())
    per_epoch = statistics.median(epoch_seconds)
    return {
        "epochs": len(epoch_seconds),
        "seconds_per_epoch": per_epoch,
        "first_epoch_s": epoch_seconds[0],
        "training_s": sum(epoch_seconds),
        "train_windows": record["windows"]["train"],
        "train_windows_per_s": record["windows"]["train"] / per_epoch,
        "total_s": seconds,
        "test_mae": metrics["test/mae"],
        "peak_rss_mib": rss,
        "run_dir": str(run),
    }


def baseline_training(jena, workdir):
    seconds, rss, out = run_measured([sys.executable, str(HERE / "tutorial_baseline.py"), str(jena)], workdir)
    result = json.loads(out.strip().splitlines()[-1])
    result.update(total_s=seconds, peak_rss_mib=rss)
    return result


def tutorial_experiment(jena):
    """The tutorial's single-step LSTM experiment (data, window, model) on forecast's default training:
    `~recipe` drops the tutorial's recipe that the experiment selects (batch 32, Adam 1e-3, patience 2)."""
    return ["experiment=tutorial/lstm", "~recipe", "trainer=fit", f"data.path={jena}"]


def pipeline_throughput(jena, seconds=10.0):
    """Windows/s that forecast's training pipeline alone yields (default batch, no model), over whole epochs."""
    from hydra import compose, initialize_config_module

    import forecast_cli.commands.train  # noqa: F401  (stores the schemas of the train config)
    from forecast_cli.data.pipeline import epoch_variable, make_dataset
    from forecast_cli.data.prepare import prepare_data

    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        cfg = compose("train", overrides=tutorial_experiment(jena))
    prepared = prepare_data(cfg.data, cfg.window)
    split = prepared.splits["train"]
    epoch = epoch_variable()
    dataset = make_dataset(split.values, split.starts, prepared.spec, int(cfg.trainer.batch_size), True, 0, epoch)
    for _ in dataset.take(2):
        pass
    windows, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        windows += sum(int(inputs.shape[0]) for inputs, _ in dataset)
        epoch.assign_add(1)
    return windows / (time.perf_counter() - started)


def cli_latency(args, repeats=5):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([FORECAST, *args], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def generated_csv(rows, directory, chunk=1_000_000):
    """A two-column hourly-like CSV (daily sine + weekly cosine + noise), written in chunks."""
    path = Path(directory) / f"generated_{rows}.csv"
    rng = np.random.default_rng(0)
    with open(path, "w") as handle:
        handle.write("y,x\n")
        for start in range(0, rows, chunk):
            t = np.arange(start, min(start + chunk, rows))
            y = np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(len(t))
            x = np.cos(2 * np.pi * t / 168)
            np.savetxt(handle, np.column_stack([y, x]), fmt="%.5f", delimiter=",")
    return path


def scale_run(rows, directory):
    path = generated_csv(rows, directory)
    overrides = [
        "data=csv", f"data.path={path}", "data.target=y", "model=linear", "trainer.epochs=2",
        f"trainer.batch_size={SCALE_BATCH}", "trainer.callbacks.early_stopping=null", "trainer.tensorboard.enabled=false",
    ]
    try:
        result = forecast_training(overrides, directory)
    finally:
        path.unlink()
    result["rows"] = rows
    return result


def sweep_overhead(directory, jobs=4):
    """Wall time of an in-process multirun beyond its jobs' own durations and the one-time start-up."""
    job = ["model=linear", "trainer.epochs=1", "data.n_series=2000", "trainer.tensorboard.enabled=false"]
    seeds = ",".join(str(s) for s in range(1, jobs + 1))
    sweep_s, _, _ = run_measured([FORECAST, "train", "-m", "trainer.verbose=silent", f"seed={seeds}", *job], directory)
    durations = [
        json.loads(p.read_text())["duration_s"] for p in Path(directory).glob("outputs/train/*/*_sweep/*/run.json")
    ]
    single_s, _, _ = run_measured([FORECAST, "train", "trainer.verbose=silent", "seed=1", *job], directory)
    single_duration = json.loads((newest_run(directory) / "run.json").read_text())["duration_s"]
    startup = single_s - single_duration
    return {
        "jobs": len(durations),
        "sweep_s": sweep_s,
        "sum_job_s": sum(durations),
        "startup_s": startup,
        "overhead_per_job_s": (sweep_s - startup - sum(durations)) / len(durations),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jena", required=True, help="the hourly (or raw 10-minute) Jena CSV")
    parser.add_argument("--out", default=str(HERE.parent / "docs" / "performance.md"))
    parser.add_argument("--scale-rows", default="1000000,3000000,10000000")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each side of section 1 (median reported)")
    args = parser.parse_args()
    jena = Path(args.jena).resolve()
    command = "python benchmarks/bench.py " + " ".join(sys.argv[1:])
    results = {"command": command, "date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as work:
        results["baseline"], results["forecast"] = [], []
        for _ in range(args.repeats):  # alternate the two sides so that load drifts hit both
            results["baseline"].append(baseline_training(jena, work))
            results["forecast"].append(forecast_training(tutorial_experiment(jena), work))
        results["pipeline_windows_per_s"] = pipeline_throughput(jena)
        results["help_s"] = cli_latency(["--help"])
        results["cfg_job_s"] = cli_latency(["train", "--cfg", "job"])
        results["scale"] = [scale_run(int(rows), work) for rows in args.scale_rows.split(",")]
        results["sweep"] = sweep_overhead(work)
    Path(args.out).with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    from report_performance import write_report

    write_report(results, Path(args.out))
    print(Path(args.out).read_text())


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
