"""Every experiment composes and validates; `experiment=glob(dir/*)` runs a whole table as a sweep."""

import csv

import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

import forecast_cli.commands.train  # noqa: F401  (stores the schemas of the train config)
from forecast_cli.commands.rewrite import expand_experiment_globs, experiment_names
from forecast_cli.errors import ForecastError

from conftest import run_forecast
from test_jena import raw_frame

TABLES = {
    "tutorial": ["baseline", "conv", "dense", "linear", "lstm", "multi_step_dense"],
    "tutorial_multi": ["ar_lstm", "conv", "dense", "last", "linear", "lstm", "repeat"],
    "ltsf/etth1": ["dlinear", "itransformer", "patchtst", "timemixer"],
    "ltsf/ili": ["dlinear", "patchtst64"],
}


@pytest.mark.parametrize("name", experiment_names())
def test_every_experiment_composes_and_validates(name):
    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        cfg = compose("train", overrides=[f"experiment={name}"])
    if OmegaConf.is_missing(cfg.data, "path"):  # a file the user gives (data=csv)
        cfg.data.path = "data.csv"
    OmegaConf.to_object(cfg)
    assert cfg.run_name == name.rsplit("/", 1)[-1]


def test_glob_expands_to_the_tables_experiments():
    for table, names in TABLES.items():
        (expanded,) = expand_experiment_globs([f"experiment=glob({table}/*)"])
        assert expanded == "experiment=" + ",".join(f"{table}/{n}" for n in names)
    assert expand_experiment_globs(["model=lstm"]) == ["model=lstm"]
    with pytest.raises(ForecastError, match="matches no experiment"):
        expand_experiment_globs(["experiment=glob(nothing/*)"])


def test_a_glob_sweep_runs_every_matching_experiment_then_compare(tmp_path):
    raw = raw_frame(rows=6 * 700)
    path = tmp_path / "jena.csv"
    raw.to_csv(path, index=False)
    result = run_forecast(["train", "-m", "experiment=glob(tutorial_multi/[lr][ae]*)", f"data.path={path}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    (sweep,) = (tmp_path / "outputs" / "train").glob("*/*_sweep")
    rows = list(csv.DictReader((sweep / "summary.csv").open()))
    assert [r["job"] for r in rows] == ["0_last", "1_repeat"] and {r["status"] for r in rows} == {"completed"}
    result = run_forecast(["compare", str(sweep)], cwd=tmp_path)
    assert result.returncode == 0 and (sweep / "comparison.png").is_file()


def _search_options():
    from importlib.resources import files

    return sorted(p.name[:-5] for p in files("forecast_cli.conf").joinpath("hparams_search").iterdir() if p.name.endswith(".yaml"))


@pytest.mark.parametrize("search", _search_options())
def test_every_search_space_names_keys_of_the_runs_it_searches(search):
    """Each parameter of a search overlay is a key of the composed job (ltsf_<model> with that model's
    ETTh1 experiment), so no trial fails on a misspelled key."""
    overrides = [f"hparams_search={search}", "data.path=data.csv"]
    if search.startswith("ltsf_"):
        overrides.append(f"experiment=ltsf/etth1/{search[len('ltsf_'):]}")
    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        cfg = compose("train", overrides=overrides, return_hydra_config=True)
    params = cfg.hydra.sweeper.params
    assert cfg.hydra.sweeper.objective.startswith("val/") and len(params) >= 3
    for key in params:
        if key == "model":  # a group choice
            continue
        assert OmegaConf.select(cfg, key, default="<absent>") != "<absent>", (search, key)
