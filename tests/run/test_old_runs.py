"""Run directories written by forecast 0.1.0 before the package was regrouped (tests/fixtures/old_runs,
made as its README says) still evaluate and resume with today's code."""

import csv
import json
import shutil
from pathlib import Path

import pytest

from helpers import OLD_RUNS, run_forecast


def read_json(path: Path):
    return json.loads(path.read_text())


def history_rows(run: Path):
    with open(run / "history.csv") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def old_run(tmp_path):
    """A copy of a fixture run: evaluate and resume write into the run directory."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(OLD_RUNS / name, target)
        return target

    return copy


def test_an_old_completed_run_evaluates_to_its_own_metrics(old_run, tmp_path):
    run = old_run("completed")
    result = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    evaluation = read_json(run / "evaluation.json")
    saved = read_json(run / "metrics.json")
    assert evaluation["same_data_as_training"] is True
    assert evaluation["windows"] == 10  # 12 test months + 12 months of look-back, 15-month windows
    scaled = {k for k in saved if k.startswith("test/")}
    assert scaled <= set(evaluation["metrics"])
    for key in scaled:
        assert evaluation["metrics"][key] == pytest.approx(saved[key], abs=1e-6), key
    assert evaluation["max_abs_diff_vs_training"] <= 1e-6


def test_an_old_run_evaluates_to_real_units_from_its_saved_scaler(old_run, tmp_path):
    run = old_run("completed")
    result = run_forecast(["evaluate", f"run={run}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    metrics = read_json(run / "evaluation.json")["metrics"]
    scale = read_json(run / "scaler.json")["scale"][0]  # minmax: passengers = 200.5 * scaled + 304.5
    assert metrics["test/real_mae"] == pytest.approx(scale * metrics["test/mae"], rel=1e-9)
    assert metrics["test/real_rmse"] == pytest.approx(scale * metrics["test/rmse"], rel=1e-9)
    assert metrics["test/real_mae[passengers]"] == metrics["test/real_mae"]
    assert 0 < metrics["test/real_smape"] < 200 and "real_mae" in result.stdout


@pytest.mark.slow  # 30 s; the 0.3.0 interrupted run's resume (test_old_runs_v0_3_0.py) stays in the default suite
def test_an_old_interrupted_run_resumes_to_the_metrics_of_an_uninterrupted_one(old_run, tmp_path):
    run = old_run("interrupted")
    before = history_rows(run)
    assert read_json(run / "run.json")["status"] == "interrupted"
    result = run_forecast(["train", f"resume={run}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = read_json(run / "run.json")
    assert record["status"] == "completed"
    assert record["epochs_completed"] == 40
    assert record["resumes"][-1]["from_epoch"] == len(before)
    after = history_rows(run)
    assert [row["epoch"] for row in after] == [str(e) for e in range(1, 41)]
    assert after[: len(before)] == before  # the epochs trained before the stop are kept as they were
    metrics = read_json(run / "metrics.json")
    expected = read_json(OLD_RUNS / "uninterrupted_metrics.json")
    assert expected.keys() <= metrics.keys()  # the scaled metrics of 0.1.0, and now the real-unit ones
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, rel=1e-6, abs=1e-6), key  # float32 sums: ~1e-7 relative


def test_the_resume_check_reads_only_the_checkpoint_state_and_the_job_loads_it_once(old_run, monkeypatch):
    from hydra import compose, initialize_config_module

    import forecast_cli.commands.train  # noqa: F401  (stores the schemas of the train config)
    from forecast_cli.commands.rewrite import resume_args
    from forecast_cli.run import checkpoint
    from forecast_cli.run.layout import RunDir
    from forecast_cli.run.resume import check_resumable, load_resume_checkpoint

    run = old_run("interrupted")
    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        cfg = compose("train", overrides=resume_args([f"resume={run}"]))
    real_load = checkpoint.load_checkpoint
    loads = []

    def counting_load(path):
        loads.append(path)
        return real_load(path)

    monkeypatch.setattr(checkpoint, "load_checkpoint", counting_load)
    check_resumable(cfg)
    assert loads == []
    restored = load_resume_checkpoint(RunDir(run))
    assert loads == [run / "checkpoint.npz"] and restored.epochs_completed == 1
    assert len(restored.model) > 0 and len(restored.optimizer) > 0


def test_a_run_saved_under_the_former_stop_rule_resumes_on_that_rule(old_run):
    """Runs saved before the default stop rule changed (patience 2 on 2% gains, no reduce_lr) keep it."""
    from omegaconf import OmegaConf

    from forecast_cli.run.layout import RunDir
    from forecast_cli.run.resume import former_default_pins

    run = old_run("interrupted")
    config = OmegaConf.load(run / "config.yaml")
    config.trainer.callbacks.early_stopping = {
        "_target_": "forecast_cli.trainer.callbacks.EarlyStopping", "monitor": "val_loss", "patience": 2, "min_delta_ratio": 0.02,
    }
    (run / "config.yaml").write_text(OmegaConf.to_yaml(config))
    assert former_default_pins(RunDir(run)) == [
        "trainer.callbacks.reduce_lr=null",
        "trainer.callbacks.early_stopping.patience=2",
        "trainer.callbacks.early_stopping.min_delta_ratio=0.02",
    ]
    config.trainer.callbacks.early_stopping.patience = "2; import os"  # not a number: not passed on
    (run / "config.yaml").write_text(OmegaConf.to_yaml(config))
    assert "trainer.callbacks.early_stopping.patience" not in " ".join(former_default_pins(RunDir(run)))
