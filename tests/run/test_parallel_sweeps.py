"""hydra/launcher=joblib: four jobs in two reused worker processes give the same metrics as the basic
launcher's in-process jobs (no TensorFlow state leaks from one job into the next in a worker)."""

import json

import pytest

from helpers import run_forecast

pytest.importorskip("hydra_plugins.hydra_joblib_launcher", reason="hydra/launcher=joblib needs the joblib extra")

JOBS = ["data=sine", "data.n_series=200", "model=gru", "model.units=8", "trainer.epochs=2", "trainer.deterministic=true",
        "trainer.verbose=silent", "seed=1,2,3,4"]


def sweep(tmp_path, name, *launcher):
    result = run_forecast(["train", "-m", *JOBS, *launcher, f"hydra.sweep.dir={tmp_path / name}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    runs = sorted((tmp_path / name).glob("*/run.json"))
    metrics = {p.parent.name: json.loads((p.parent / "metrics.json").read_text()) for p in runs}
    return metrics, {json.loads(p.read_text())["pid"] for p in runs}


@pytest.mark.slow
def test_joblib_workers_train_the_same_jobs_as_the_basic_launcher(tmp_path):
    basic, basic_pids = sweep(tmp_path, "basic")
    parallel, parallel_pids = sweep(tmp_path, "joblib", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    assert len(basic_pids) == 1 and len(parallel_pids) == 2  # 4 jobs: each worker ran two
    assert sorted(basic) == sorted(parallel) == ["0_gru", "1_gru", "2_gru", "3_gru"]
    for job in basic:
        assert parallel[job] == basic[job]
