"""TensorBoard's HParams tab, read back from a real TensorBoard on 127.0.0.1: every job of a grid sweep
and of an Optuna search with its parameters and its final validation and test metrics."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from forecast_cli.run.layout import RunDir

from helpers import run_forecast

TINY = ["data=sine", "data.n_series=60", "model=linear", "trainer.epochs=2", "trainer.verbose=silent"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_groups(logdir: Path):
    """The hparams plugin's session groups, from a TensorBoard started on `logdir` and stopped after."""
    port = free_port()
    tensorboard = Path(sys.executable).parent / "tensorboard"
    server = subprocess.Popen(
        [str(tensorboard), "--logdir", str(logdir), "--host", "127.0.0.1", "--port", str(port), "--reload_interval", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    request = {"experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS"], "colParams": [],
               "startIndex": 0, "sliceSize": 100}
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{port}/data/plugin/hparams/session_groups", data=json.dumps(request).encode(),
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(req, timeout=5) as response:
                    groups = json.loads(response.read())["sessionGroups"]
                if groups or time.monotonic() > deadline:
                    return groups
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=30)


def metric_values(group):
    return {(m["name"].get("group", ""), m["name"]["tag"]): m["value"] for m in group["metricValues"]}


@pytest.mark.slow
@pytest.mark.parametrize("sweeper", ["basic", "optuna"])
def test_every_job_of_a_sweep_is_in_the_hparams_tab(tmp_path, sweeper):
    if sweeper == "basic":
        args = ["optimizer.learning_rate=0.01,0.02", "window.input_width=4,8"]
    else:
        args = ["hydra/sweeper=optuna", "optimizer.learning_rate=tag(log,interval(1e-3,1e-1))",
                "window.input_width=choice(4,8)", "hydra.sweeper.n_trials=4"]
    result = run_forecast(["train", "-m", *TINY, *args, f"hydra.sweep.dir={tmp_path / 'sweep'}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    groups = {g["name"]: g for g in session_groups(tmp_path / "sweep")}
    jobs = [RunDir(p) for p in sorted((tmp_path / "sweep").iterdir()) if RunDir(p).is_run()]
    assert len(jobs) == 4 and sorted(groups) == sorted(job.root.name for job in jobs)
    for job in jobs:
        group = groups[job.root.name]
        config = job.record()["overrides"]
        assert f"optimizer.learning_rate={group['hparams']['optimizer.learning_rate']}" in config
        assert f"window.input_width={int(group['hparams']['window.input_width'])}" in config
        assert group["hparams"]["model"] == "linear" and group["hparams"]["data"] == "sine"
        values, metrics = metric_values(group), job.metrics()
        for name in ("val/loss", "val/mae", "test/loss", "test/mae"):
            assert values[("", name)] == pytest.approx(metrics[name], rel=1e-6)
        assert ("validation", "epoch_loss") in values  # the per-epoch curves of the same job
