"""Training loops and strategies through the real `forecast` script, in subprocesses (logical devices and
clusters must be configured before TensorFlow starts)."""

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from helpers import FORECAST, run_forecast, tiny_train_overrides


def run_dirs(root: Path):
    return sorted(p.parent for p in root.glob("outputs/train/*/*/run.json"))


def only_run(root: Path) -> Path:
    (run,) = run_dirs(root)
    return run


def free_ports(count: int):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def read(run: Path, name: str):
    return json.loads((run / name).read_text())


def test_custom_loop_end_to_end_and_evaluate_reproduces_its_metrics(tmp_path, csv_file):
    result = run_forecast(["train", "trainer=custom", *tiny_train_overrides(csv_file)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run(tmp_path)
    expected = {"config.yaml", "run.json", "metrics.json", "history.csv", "model.keras", "scaler.json",
                "train.log", "tensorboard", "saved_model", ".hydra"}
    assert expected <= {p.name for p in run.iterdir()}
    record = read(run, "run.json")
    assert record["status"] == "completed" and record["epochs_completed"] == 2
    assert (run / "tensorboard" / "train").is_dir() and (run / "tensorboard" / "validation").is_dir()
    trained = read(run, "metrics.json")
    result = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    evaluation = read(run, "evaluation.json")["metrics"]
    for key in ("test/loss", "test/mae", "test/mse", "test/rmse"):
        assert abs(evaluation[key] - trained[key]) <= 1e-6


def test_mirrored_on_two_logical_cpus_trains_with_both_loops(tmp_path, csv_file):
    # 268 training windows, global batch 2 x 8: every batch splits evenly, so both loops average the same way
    metrics = {}
    for trainer in ("fit", "custom"):
        cwd = tmp_path / trainer
        cwd.mkdir()
        args = ["train", f"trainer={trainer}", *tiny_train_overrides(csv_file), "strategy=mirrored",
                "strategy.logical_cpus=2", "trainer.batch_size=8", "trainer.deterministic=true", "trainer.epochs=1"]
        result = run_forecast(args, cwd=cwd)
        assert result.returncode == 0, result.stderr
        run = only_run(cwd)
        record = read(run, "run.json")
        assert record["strategy"] == {"name": "mirrored", "class": "MirroredStrategy", "replicas": 2}
        assert record["global_batch_size"] == 16
        metrics[trainer] = read(run, "metrics.json")
    for key, value in metrics["fit"].items():
        assert metrics["custom"][key] == pytest.approx(value, abs=1e-5), key


@pytest.mark.slow
def test_two_workers_on_localhost_match_a_single_process_run(tmp_path, csv_file):
    common = ["train", "trainer=custom", *tiny_train_overrides(csv_file), "trainer.deterministic=true"]
    single = tmp_path / "single"
    single.mkdir()
    result = run_forecast([*common, "trainer.batch_size=16"], cwd=single)
    assert result.returncode == 0, result.stderr
    expected = read(only_run(single), "metrics.json")

    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    workers_tmp = tmp_path / "worker_tmp"
    workers_tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    processes = []
    for index in (1, 0):
        worker_env = {**env, "TMPDIR": str(workers_tmp),
                      "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
        processes.append(subprocess.Popen(
            [FORECAST, *common, "strategy=multi_worker", "trainer.batch_size=8"], cwd=tmp_path,
            env=worker_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ))
    outputs = [p.communicate(timeout=600) for p in processes]
    for process, (_, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr
    run = only_run(tmp_path)  # the chief's; the other worker left nothing behind
    assert not list(workers_tmp.iterdir())
    record = read(run, "run.json")
    assert record["strategy"] == {"name": "multi_worker", "class": "CollectiveAllReduceStrategy", "replicas": 2}
    assert record["global_batch_size"] == 16
    trained = read(run, "metrics.json")
    for key, value in trained.items():
        assert value == pytest.approx(expected[key], abs=1e-3), key
    result = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path)  # the chief's model.keras, outside any cluster
    assert result.returncode == 0, result.stderr
    assert read(run, "evaluation.json")["metrics"]["test/mae"] == pytest.approx(trained["test/mae"], abs=1e-6)


def test_multi_worker_refuses_fit_and_a_missing_cluster(tmp_path, csv_file):
    env = {"TF_CONFIG": ""}
    result = run_forecast(["train", "strategy=multi_worker", *tiny_train_overrides(csv_file)], cwd=tmp_path, env=env)
    assert result.returncode == 2 and "needs trainer=custom" in result.stderr
    result = run_forecast(["train", "strategy=multi_worker", "trainer=custom", *tiny_train_overrides(csv_file)],
                          cwd=tmp_path, env=env)
    assert result.returncode == 2 and "needs a cluster" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "outputs").exists()


def test_tpu_without_a_tpu_fails_cleanly(tmp_path, csv_file):
    (port,) = free_ports(1)  # nothing listens there: connecting TensorFlow to it would hang
    result = run_forecast(["train", "strategy=tpu", f"strategy.tpu=grpc://127.0.0.1:{port}",
                           *tiny_train_overrides(csv_file)], cwd=tmp_path, timeout=120)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("forecast: error:")]
    assert len(lines) == 1 and f"cannot reach the TPU at 127.0.0.1:{port}" in lines[0]
    assert "Traceback" not in result.stderr
    assert read(only_run(tmp_path), "run.json")["status"] == "failed"


def test_fit_runs_one_step_per_execution_under_mirrored_replicas_only():
    # Keras 3.15 fit fails with steps_per_execution > 1 under 2+ mirrored replicas (the mirrored test above
    # trains with the default 32); a single replica and a TPU keep the setting
    from types import SimpleNamespace

    from forecast_cli.trainer.loops.fit import steps_per_execution

    def strategy(class_name, replicas):
        return type(class_name, (), {"num_replicas_in_sync": replicas})()

    cfg = SimpleNamespace(steps_per_execution=32)
    assert steps_per_execution(cfg, strategy("MirroredStrategy", 2)) == 1
    assert steps_per_execution(cfg, strategy("_DefaultDistributionStrategy", 1)) == 32
    assert steps_per_execution(cfg, strategy("TPUStrategyV2", 8)) == 32
