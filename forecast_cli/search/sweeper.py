"""The Optuna search behind `hydra/sweeper=optuna`: ask the study for a batch of trials, hand them to
Hydra's launcher as jobs (job number = trial number), tell the study what each job returned, and at the
end write optimization_results.yaml with the command line that reruns the best trial.

The objective is a metric of the dict the train job returns ({"status", "metrics"}); a failed or
diverged job, or one without the metric, is a failed trial and the search goes on; a job that the
pruning callback stopped (search/pruning.py) is a pruned one.
"""

import logging
import math
import shlex
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from omegaconf import OmegaConf

from forecast_cli.errors import USER_ERROR_EXIT_CODE, ForecastError, full_error_requested, report_user_error
from forecast_cli.run.atomic import write_text_atomic
from forecast_cli.run.layout import COMPLETED, RunDir
from forecast_cli.run.sweep import job_dirs
from forecast_cli.search import study as studies
from forecast_cli.search.space import SearchSpace, as_integer_where_the_key_is, parse_search_space, sample_points

log = logging.getLogger("forecast.search")

RESULTS_FILE = "optimization_results.yaml"
PRUNED_AT_EPOCH = "pruned_at_epoch"  # the trial's user attribute set by the pruning callback


class OptunaSearch:
    def __init__(self, options: Dict[str, Any], hydra_context, task_function, config):
        from hydra.core.plugins import Plugins

        self.options = {k: OmegaConf.to_container(v) if OmegaConf.is_config(v) else v for k, v in options.items()}
        self.config = config
        self.hydra_context = hydra_context
        self.sweep_dir = str(config.hydra.sweep.dir)
        self.launcher = Plugins.instance().instantiate_launcher(
            config=config, hydra_context=hydra_context, task_function=task_function
        )

    def run(self, arguments: List[str]) -> None:
        try:
            study, space = self.prepare(arguments)
        except ForecastError as exc:
            if full_error_requested():
                raise
            report_user_error(str(exc))
            sys.exit(USER_ERROR_EXIT_CODE)
        self.optimize(study, space)
        self.write_results(study)

    def prepare(self, arguments: List[str]):
        """Everything that can be wrong, checked before any trial runs; then the study, loaded or created."""
        studies.check_options(self.options)
        space = parse_search_space(self.options.get("params") or {}, arguments)
        self.check_composes(space)
        url = studies.storage_url(self.options, self.sweep_dir)
        if self.options.get("storage") or (Path(self.sweep_dir) / studies.STORAGE_FILE).exists():
            storage = studies.open_storage(url)
            self.refuse_jobs_in_the_way(studies.trials_so_far(storage, str(self.options["study_name"])))
        else:  # checked before the storage file is created in the sweep directory
            self.refuse_jobs_in_the_way(0)
            Path(self.sweep_dir).mkdir(parents=True, exist_ok=True)
            storage = studies.open_storage(url)
        seed = self.options["seed"] if self.options["seed"] is not None else int(self.config.get("seed") or 0)
        study = studies.open_study(self.options, storage, space, seed)
        log.info("study %s in %s: %d trials so far", study.study_name, url, len(study.trials))
        return study, space

    def refuse_jobs_in_the_way(self, next_trial: int) -> None:
        """The study's next trials write job directories <number>_<name>: none of them may exist already
        (jobs of another study or search in this sweep directory would be written over)."""
        taken = job_dirs(Path(self.sweep_dir), next_trial)
        if taken:
            raise ForecastError(
                f"hydra.sweep.dir={self.sweep_dir} already holds {taken[0]}, where trial {next_trial} of study "
                f"{self.options['study_name']} would go: it belongs to another search; give a new hydra.sweep.dir "
                "(or the study_name and storage of that search to continue it)"
            )

    def check_composes(self, space: SearchSpace) -> None:
        """Every choice and both ends of every interval compose into a valid job config."""
        from hydra.errors import HydraException
        from omegaconf.errors import OmegaConfBaseException

        from forecast_cli.commands.precheck import one_line

        loader = self.hydra_context.config_loader
        try:
            as_integer_where_the_key_is(space, loader.load_sweep_config(self.config, space.fixed))
            for point in sample_points(space):
                job = loader.load_sweep_config(self.config, space.trial_overrides(point))
                with_hydra_removed = OmegaConf.masked_copy(job, [k for k in job if k != "hydra"])
                OmegaConf.to_object(with_hydra_removed)
        except ForecastError:
            raise
        except (HydraException, OmegaConfBaseException, ValueError) as exc:
            raise ForecastError(f"hydra/sweeper=optuna: {one_line(exc)}") from exc

    def optimize(self, study, space: SearchSpace) -> None:
        fail_stale_trials(study)
        to_go = int(self.options["n_trials"]) - len(study.trials)
        if self.options["sampler"] == "grid":
            grid_size = math.prod(len(values) for values in space.grid().values())
            to_go = min(to_go, grid_size - len(study.trials))
        if to_go <= 0:
            log.info("study %s already has %d trials: nothing to run (raise hydra.sweeper.n_trials)", study.study_name, len(study.trials))
        while to_go > 0:
            batch = [study.ask(space.distributions) for _ in range(min(int(self.options["n_jobs"]), to_go))]
            for trial in batch:
                trial.set_user_attr("overrides", space.trial_overrides(trial.params))
                trial.set_user_attr("sweep_dir", str(Path(self.sweep_dir).resolve()))
            for trial, job in zip(batch, self.launch(batch)):
                self.tell(study, trial, job)
            to_go -= len(batch)

    def launch(self, batch: List[Any]) -> List[Any]:
        """Job number = trial number (the pruning callback finds its trial by it): one launch for a
        batch of consecutive numbers, else one launch per trial."""
        numbers = [t.number for t in batch]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            overrides = [t.user_attrs["overrides"] for t in batch]
            return list(self.launcher.launch(overrides, initial_job_idx=numbers[0]))
        return [self.launcher.launch([t.user_attrs["overrides"]], initial_job_idx=t.number)[0] for t in batch]

    def tell(self, study, trial, job) -> None:
        from optuna.trial import TrialState

        value, error = self.objective_of(job)
        pruned_at = study._storage.get_trial(trial._trial_id).user_attrs.get(PRUNED_AT_EPOCH)
        if error is not None:
            state, outcome = TrialState.FAIL, error
            _tell(study, trial, state=state)
        elif pruned_at is not None:
            state, outcome = TrialState.PRUNED, f"stopped after epoch {pruned_at}, {self.options['objective']}={value:.6g}"
            _tell(study, trial, state=state)
        else:
            state, outcome = TrialState.COMPLETE, f"{self.options['objective']}={value:.6g}"
            _tell(study, trial, values=[value])
        run = RunDir(job.hydra_cfg.hydra.runtime.output_dir)
        if run.is_run():
            run.update_record(trial={"study": study.study_name, "number": trial.number, "state": state.name.lower(), "value": value})
        params = " ".join(f"{k}={v}" for k, v in trial.params.items())
        print(f"trial {trial.number}: {state.name.lower()}, {outcome} ({params})", flush=True)

    def objective_of(self, job) -> Tuple[Optional[float], Optional[str]]:
        """(value, None) from a completed job, (None, why) from any other."""
        from hydra.core.utils import JobStatus

        objective = str(self.options["objective"])
        if job.status != JobStatus.COMPLETED:
            return None, f"{type(job._return_value).__name__}: {job._return_value}"
        result = job.return_value
        if not isinstance(result, dict):
            return None, f"the job returned {result!r}, not a train job's result"
        if result.get("status") != COMPLETED:
            return None, str(result.get("error") or f"the job ended {result.get('status')}")
        value = result.get("metrics", {}).get(objective)
        if value is None:
            return None, f"the job wrote no {objective} (a run without a validation split has no val/ metrics)"
        if not math.isfinite(float(value)):
            return None, f"{objective} is {value}"
        return float(value), None

    def write_results(self, study) -> Dict[str, Any]:
        from optuna.trial import TrialState

        trials = study.trials
        results: Dict[str, Any] = {
            "study": study.study_name,
            "storage": studies.storage_url(self.options, self.sweep_dir),
            "objective": self.options["objective"],
            "direction": self.options["direction"],
            "n_trials": len(trials),
            "trials_by_state": dict(Counter(t.state.name.lower() for t in trials)),
        }
        if any(t.state == TrialState.COMPLETE for t in trials):
            best = study.best_trial
            command = rerun_command(best.user_attrs.get("overrides", []))
            results.update(best_trial=best.number, best_value=best.value, best_params=dict(best.params), best_command=command)
            print(f"best trial {best.number}: {self.options['objective']}={best.value:.6g}")
            print(f"rerun it: {command}")
        else:
            print(f"no trial of study {study.study_name} completed: nothing to rerun")
        path = Path(self.sweep_dir) / RESULTS_FILE
        write_text_atomic(path, OmegaConf.to_yaml(OmegaConf.create(results)))
        print(f"search results: {path}", flush=True)
        return results


def rerun_command(overrides: List[str]) -> str:
    return " ".join(["forecast", "train", *(shlex.quote(o) for o in overrides)])


def _tell(study, trial, **kwargs) -> None:
    try:
        study.tell(trial, **kwargs)
    except RuntimeError as exc:  # the grid sampler stops the study once every point is told
        if "Study.stop" not in str(exc):
            raise


def fail_stale_trials(study) -> None:
    """Trials left `running` by a sweep that was killed: failed, unless their job still holds its lock."""
    from optuna.trial import TrialState

    from forecast_cli.run.lock import lock_holder

    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        sweep_dir = trial.user_attrs.get("sweep_dir")
        jobs = list(Path(sweep_dir).glob(f"{trial.number}_*")) if sweep_dir else []
        if any(lock_holder(RunDir(job)) is not None for job in jobs):
            continue
        study.tell(trial.number, state=TrialState.FAIL)
        log.warning("trial %d was left running by an earlier sweep that ended: marked failed", trial.number)
