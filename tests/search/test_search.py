"""`hydra/sweeper=optuna` in-process on a tiny linear model: the study in its storage, the results
file and the rerun command, its jobs in MLflow (logger=mlflow), resuming a study, a failing trial,
pruning; and the mistakes refused before any trial runs."""

import io
from contextlib import redirect_stdout

import optuna
import pytest
from omegaconf import OmegaConf

from forecast_cli.cli import main
from forecast_cli.run.layout import RunDir

from helpers import run_forecast

TINY = [
    "data=sine", "data.n_series=60", "model=linear", "trainer.epochs=2", "trainer.batch_size=16",
    "trainer.verbose=silent", "trainer.tensorboard.enabled=false",
]


def search(tmp_path, monkeypatch, *args) -> int:
    """`forecast train -m hydra/sweeper=optuna ...` in this process, in tmp_path; its exit status."""
    monkeypatch.chdir(tmp_path)
    try:
        return main(["train", "-m", "hydra/sweeper=optuna", f"hydra.sweep.dir={tmp_path / 'sweep'}", *TINY, *args])
    except SystemExit as exc:
        return int(exc.code or 0)


def load_study(tmp_path):
    return optuna.load_study(study_name="forecast", storage=f"sqlite:///{tmp_path / 'sweep' / 'optuna.db'}")


def jobs(tmp_path):
    return {int(run.root.name.split("_")[0]): run for run in (RunDir(p) for p in (tmp_path / "sweep").iterdir()) if run.is_run()}


SPACE = ["optimizer.learning_rate=tag(log,interval(1e-3,1e-1))", "window.input_width=choice(4,8)"]


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A 5-trial TPE search logged to MLflow (one sweep shared by the tests below); its folder and output."""
    tmp_path = tmp_path_factory.mktemp("search")
    with pytest.MonkeyPatch.context() as monkeypatch, redirect_stdout(io.StringIO()) as out:
        status = search(tmp_path, monkeypatch, *SPACE, "hydra.sweeper.n_trials=5", "logger=mlflow", "logger.experiment_name=tiny")
    assert status == 0
    return tmp_path, out.getvalue()


def test_search_stores_every_trial_and_names_the_best_job(searched):
    tmp_path, output = searched
    study = load_study(tmp_path)
    assert len(study.trials) == 5 and {t.state.name for t in study.trials} == {"COMPLETE"}
    runs = jobs(tmp_path)
    assert sorted(runs) == [t.number for t in study.trials]  # job number = trial number
    for trial in study.trials:
        assert trial.value == runs[trial.number].metrics()["val/loss"]
        assert runs[trial.number].record()["trial"] == {"study": "forecast", "number": trial.number, "state": "complete", "value": trial.value}
    best = min(runs.values(), key=lambda run: run.metrics()["val/loss"])
    assert study.best_value == best.metrics()["val/loss"]
    assert set(f"{k}={v}" for k, v in study.best_params.items()) <= set(best.overrides())
    results = OmegaConf.load(tmp_path / "sweep" / "optimization_results.yaml")
    assert results.best_value == study.best_value and results.trials_by_state == {"complete": 5}
    assert dict(results.best_params) == study.best_params
    assert results.best_command == "forecast train " + " ".join(best.overrides())
    assert f"rerun it: {results.best_command}" in output


def test_the_search_logs_one_mlflow_run_per_trial(searched):
    mlflow = pytest.importorskip("mlflow", reason="logger=mlflow needs the mlflow extra")
    tmp_path, _ = searched
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'outputs' / 'mlflow.db'}")
    logged = {r.info.run_name: r for r in client.search_runs([client.get_experiment_by_name("tiny").experiment_id])}
    assert sorted(logged) == [f"{n}_linear" for n in range(5)]
    for trial in load_study(tmp_path).trials:
        run, entry = jobs(tmp_path)[trial.number], logged[f"{trial.number}_linear"]
        assert entry.info.status == "FINISHED" and entry.data.tags["forecast.run_dir"] == str(run.root)
        assert float(entry.data.params["optimizer.learning_rate"]) == trial.params["optimizer.learning_rate"]
        assert entry.data.params["window.input_width"] == str(trial.params["window.input_width"])
        assert entry.data.params["model.name"] == "linear" and entry.data.params["seed"] == "42"
        assert entry.data.metrics["val/loss"] == pytest.approx(run.metrics()["val/loss"])
        assert entry.data.metrics["test/mae"] == pytest.approx(run.metrics()["test/mae"])
        assert [m.step for m in client.get_metric_history(entry.info.run_id, "val_loss")] == [1, 2]
        artifacts = {a.path for a in client.list_artifacts(entry.info.run_id)}
        assert {"config.yaml", "metrics.json", "history.csv", "scaler.json", "model.keras"} <= artifacts


def test_a_rerun_on_the_same_sweep_directory_continues_the_study(searched, monkeypatch):
    tmp_path, _ = searched
    load_study(tmp_path).ask()  # trial 5, left running by a sweep that died before its job started
    # no pruning: whether trial 6's new parameters beat the median is not what this tests
    assert search(tmp_path, monkeypatch, *SPACE, "hydra.sweeper.n_trials=7", "hydra.sweeper.pruner_startup_trials=100") == 0
    study = load_study(tmp_path)
    assert [t.number for t in study.trials] == list(range(7))
    assert study.trials[5].state.name == "FAIL" and study.trials[6].state.name == "COMPLETE"
    assert study.trials[6].params not in [t.params for t in study.trials[:5]]  # not the first trial replayed
    assert sorted(jobs(tmp_path)) == [0, 1, 2, 3, 4, 6]
    assert OmegaConf.load(tmp_path / "sweep" / "optimization_results.yaml").trials_by_state == {"complete": 6, "fail": 1}


def test_a_diverged_trial_fails_an_unpromising_one_is_pruned_and_the_search_goes_on(tmp_path, monkeypatch):
    args = [
        "optimizer.learning_rate=choice(0.05,1e-7,1e30)", "hydra.sweeper.sampler=grid", "hydra.sweeper.seed=1",
        "hydra.sweeper.n_trials=10", "hydra.sweeper.pruner_startup_trials=1", "hydra.sweeper.pruner_warmup_epochs=0",
        "trainer.callbacks.early_stopping=null",
    ]
    assert search(tmp_path, monkeypatch, *args) == 1  # at the end the sweep names its failed (diverged) job
    study = load_study(tmp_path)
    assert len(study.trials) == 3  # the grid's size caps n_trials
    first = study.trials[0]
    assert first.params["optimizer.learning_rate"] == 0.05  # seed 1: the grid's good point first
    assert first.state.name == "COMPLETE" and len(first.intermediate_values) == 2
    by_rate = {t.params["optimizer.learning_rate"]: t for t in study.trials}
    assert by_rate[1e30].state.name == "FAIL" and by_rate[1e-7].state.name == "PRUNED"
    assert by_rate[1e-7].user_attrs["pruned_at_epoch"] == 1 and study.best_trial.number == first.number
    runs = jobs(tmp_path)
    pruned, diverged = runs[by_rate[1e-7].number], runs[by_rate[1e30].number]
    assert pruned.record()["epochs_completed"] == 1 and pruned.record()["trial"]["state"] == "pruned"
    assert diverged.record()["error_kind"] == "diverged" and diverged.record()["trial"]["state"] == "fail"
    results = OmegaConf.load(tmp_path / "sweep" / "optimization_results.yaml")
    assert results.trials_by_state == {"complete": 1, "fail": 1, "pruned": 1}


@pytest.mark.parametrize("sampler", ["tpe", "random"])
def test_a_continued_study_draws_new_trials_and_a_fresh_one_the_same(tmp_path, sampler):
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    from forecast_cli.search.space import SearchSpace
    from forecast_cli.search.study import open_storage, open_study

    options = {"study_name": "forecast", "direction": "minimize", "sampler": sampler, "pruner": "none"}
    space = SearchSpace({"lr": FloatDistribution(1e-4, 1e-1, log=True), "width": CategoricalDistribution([4, 8, 16])}, [])

    def three_trials(storage_file: str):
        study = open_study(options, open_storage(f"sqlite:///{tmp_path / storage_file}"), space, seed=42)
        trials = [study.ask(space.distributions) for _ in range(3)]
        for trial in trials:
            study.tell(trial, trial.params["lr"])
        return [trial.params for trial in trials]

    first, continued = three_trials("a.db"), three_trials("a.db")
    drawn = [tuple(sorted(params.items())) for params in first + continued]
    assert len(set(drawn)) == 6  # the second invocation repeats none of the first's parameter sets
    assert three_trials("b.db") == first  # a fresh study with the same seed draws the same trials


MISTAKES = [
    (["model.unknown=choice(1,2)"], "Key 'unknown' not in 'LinearConfig'"),
    (["optimizer.learning_rate=choice()"], "empty choice is not legal"),
    (["optimizer.learning_rate=interval(0.1,0.01)"], "needs low < high"),
    (["optimizer.learning_rate=tag(log,interval(0,0.1))"], "needs low > 0"),
    (["optimizer.learning_rate=choice(0.1,0.01)", "hydra.sweeper.objective=test/mae"], "leaks"),
    (["optimizer.learning_rate=choice(0.1,0.01)", "hydra.sweeper.objective=val/bogus"], "not a metric any job returns"),
    (["optimizer.learning_rate=choice(0.1,0.01)", "hydra.sweeper.storage=sqlite:////nonexistent/dir/x.db"], "cannot open the Optuna storage"),
    (["optimizer.learning_rate=interval(0.001,0.1)", "hydra.sweeper.sampler=grid"], "needs discrete values"),
    (["model=choice(linear,nonexistent)"], "Could not find 'model/nonexistent'"),
]


@pytest.mark.parametrize("args, message", MISTAKES)
def test_mistakes_are_one_line_before_any_trial(tmp_path, monkeypatch, capsys, args, message):
    assert search(tmp_path, monkeypatch, *args) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len([line for line in lines if line.startswith("forecast: error:")]) == 1
    assert message in [line for line in lines if line.startswith("forecast: error:")][0]
    assert not list(tmp_path.glob("sweep/*/run.json"))  # no trial ran


def test_a_mistake_in_a_real_process(tmp_path):
    result = run_forecast(["train", "-m", "hydra/sweeper=optuna", *TINY, "optimizer.learning_rate=interval(0.1,0.01)"], cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("forecast: error:") == 1 and "Traceback" not in result.stderr
    assert "needs low < high" in result.stderr and not (tmp_path / "outputs").exists()
