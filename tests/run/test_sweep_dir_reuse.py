"""A sweep directory is never reused: a second `train -m` into a directory that holds a sweep (its
multirun.yaml, or job directories) is one line and exit 2 before Hydra writes anything, so the first
sweep's multirun.yaml and jobs are left exactly as they were; an Optuna search refuses the job
directories of another search where its trials would go."""

import pytest

from helpers import assert_refused, run_forecast, snapshot

TINY = ["data=sine", "data.n_series=40", "model=linear", "trainer.epochs=1", "trainer.batch_size=16",
        "trainer.verbose=silent", "trainer.tensorboard.enabled=false"]


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep_reuse")
    result = run_forecast(["train", "-m", *TINY, "seed=1,2", f"hydra.sweep.dir={root / 'sweep'}"], cwd=root)
    assert result.returncode == 0, result.stderr
    return root, root / "sweep"


def test_a_second_sweep_into_a_finished_sweeps_directory_changes_nothing(swept):
    root, sweep = swept
    before = snapshot(root, root / "nothing")

    result = run_forecast(["train", "-m", *TINY, "seed=3,4", f"hydra.sweep.dir={sweep}"], cwd=root)

    assert_refused(result, f"hydra.sweep.dir={sweep} already holds a sweep (multirun.yaml)", "give a new hydra.sweep.dir")
    assert snapshot(root, root / "nothing") == before


def test_job_directories_without_multirun_yaml_are_refused_too(swept, tmp_path):
    _, sweep = swept
    (tmp_path / "sweep" / "0_linear").mkdir(parents=True)
    (tmp_path / "sweep" / "0_linear" / "marker").write_text("an earlier job\n")

    result = run_forecast(["train", "-m", *TINY, "seed=3,4", f"hydra.sweep.dir={tmp_path / 'sweep'}"], cwd=tmp_path)

    assert_refused(result, "already holds a sweep (0_linear)")
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir()) == ["0_linear"]


def test_an_optuna_search_refuses_another_sweeps_jobs_where_its_trials_would_go(swept):
    root, sweep = swept
    target = root / "basic_jobs_only"
    target.mkdir()
    (target / "1_linear").mkdir()
    before = snapshot(root, root / "nothing")

    result = run_forecast(
        ["train", "-m", "hydra/sweeper=optuna", "hydra.sweeper.n_trials=2", "optimizer.learning_rate=interval(1e-3,1e-1)",
         *TINY, f"hydra.sweep.dir={target}"],
        cwd=root,
    )

    assert_refused(result, "already holds 1_linear", "trial 0")
    assert snapshot(root, root / "nothing") == before
    assert not (target / "optuna.db").exists()
