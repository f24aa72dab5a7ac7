"""The optional `cluster` extra: Hydra's submitit launchers (skipped where hydra-submitit-launcher is absent)."""

import csv

import pytest

from helpers import run_forecast, tiny_train_overrides

pytest.importorskip("hydra_plugins.hydra_submitit_launcher", reason="pip install 'forecast[cluster]'")


def test_submitit_slurm_launcher_composes(tmp_path):
    result = run_forecast(["train", "hydra/launcher=submitit_slurm", "--cfg", "hydra", "-p", "hydra.launcher"],
                          cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "SlurmLauncher" in result.stdout and not (tmp_path / "outputs").exists()


@pytest.mark.slow
def test_submitit_local_runs_a_two_job_sweep(tmp_path, csv_file):
    fixed = [o for o in tiny_train_overrides(csv_file) if not o.startswith("model.units=")]
    args = ["train", "-m", "hydra/launcher=submitit_local", "model.units=4,8", *fixed, "trainer.epochs=1"]
    result = run_forecast(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (summary,) = tmp_path.glob("outputs/train/*/*_sweep/summary.csv")
    with open(summary) as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["status"] for row in rows) == ["completed", "completed"]
    assert all(float(row["test/mae"]) > 0 for row in rows)
    assert len(list(summary.parent.glob("*/metrics.json"))) == 2
