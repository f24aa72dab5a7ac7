"""The Optuna study of a search: its options checked, its storage (a SQLite file in the sweep directory
unless `hydra.sweeper.storage` names one), sampler and pruner. A rerun on the same storage loads the
study and goes on from its trials."""

from pathlib import Path
from typing import Any, Dict

from forecast_cli.errors import ForecastError
from forecast_cli.evaluation.names import METRICS, REAL_METRICS, parse_metric
from forecast_cli.search.space import SearchSpace

DIRECTIONS = ("minimize", "maximize")
SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "none")
STORAGE_FILE = "optuna.db"


def check_options(options: Dict[str, Any]) -> None:
    """The sweeper's own settings (`hydra.sweeper.*`); a ForecastError names the first wrong one."""
    choices = {"direction": DIRECTIONS, "sampler": SAMPLERS, "pruner": PRUNERS}
    for key, allowed in choices.items():
        if options[key] not in allowed:
            raise ForecastError(f"hydra.sweeper.{key}={options[key]} is not one of {', '.join(allowed)}")
    for key in ("n_trials", "n_jobs"):
        if int(options[key]) < 1:
            raise ForecastError(f"hydra.sweeper.{key} must be at least 1, got {options[key]}")
    check_objective(str(options["objective"]))


def check_objective(objective: str) -> None:
    """A validation (or training) metric that every completed job writes to metrics.json."""
    split, _, name = objective.partition("/")
    if split == "test":
        raise ForecastError(
            f"hydra.sweeper.objective={objective}: choosing hyperparameters on test data leaks it into the "
            f"choice; use the validation metric val/{name}"
        )
    if split not in ("val", "train") or parse_metric(name)[0] not in METRICS + REAL_METRICS:
        raise ForecastError(
            f"hydra.sweeper.objective={objective} is not a metric any job returns: give val/<metric> with a "
            f"metric of metrics.json ({', '.join(METRICS + REAL_METRICS)})"
        )


def default_storage(sweep_dir: str) -> str:
    return f"sqlite:///{Path(sweep_dir).resolve() / STORAGE_FILE}"


def storage_url(options: Dict[str, Any], sweep_dir: str) -> str:
    return str(options["storage"]) if options.get("storage") else default_storage(sweep_dir)


def make_pruner(options: Dict[str, Any]):
    import optuna

    if options["pruner"] == "none":
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=int(options["pruner_startup_trials"]), n_warmup_steps=int(options["pruner_warmup_epochs"])
    )


def make_sampler(options: Dict[str, Any], space: SearchSpace, seed: int):
    import optuna

    if options["sampler"] == "grid":
        return optuna.samplers.GridSampler(space.grid(), seed=seed)
    if options["sampler"] == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def open_storage(url: str):
    """An Optuna RDB storage; a ForecastError when the URL cannot be opened (bad scheme, missing
    directory or driver, unreachable server)."""
    import optuna

    try:
        return optuna.storages.RDBStorage(url)
    except Exception as exc:
        detail = " ".join(str(exc).split())[:300]
        raise ForecastError(
            f"cannot open the Optuna storage {url} ({type(exc).__name__}: {detail}): give hydra.sweeper.storage "
            "a database URL that can be opened (e.g. sqlite:///search.db), or leave it null for one in the sweep directory"
        ) from exc


def trials_so_far(storage, study_name: str) -> int:
    """The trials of the study in `storage` (0 when there is no such study yet), creating nothing."""
    try:
        return storage.get_n_trials(storage.get_study_id_from_name(study_name))
    except KeyError:
        return 0


def open_study(options: Dict[str, Any], storage, space: SearchSpace, seed: int):
    """The study, created or loaded, its sampler seeded from the seed and the trials the study already
    has: the same seed on a fresh study draws the same trials, while a continued study draws new ones
    instead of replaying its first (the seed alone restarts the sampler's random stream)."""
    import optuna

    study = optuna.create_study(
        study_name=str(options["study_name"]),
        storage=storage,
        sampler=make_sampler(options, space, seed),
        pruner=make_pruner(options),
        direction=options["direction"],
        load_if_exists=True,
    )
    if study.direction.name.lower() != options["direction"]:
        raise ForecastError(
            f"study {study.study_name} in {options.get('storage') or 'the sweep directory'} was created to "
            f"{study.direction.name.lower()}: give hydra.sweeper.direction={study.direction.name.lower()} or another study_name"
        )
    done = len(study.get_trials(deepcopy=False))
    if done:
        study.sampler = make_sampler(options, space, (seed + done) % 2**32)
    return study
