"""What the tests share: the `forecast` script in a subprocess, composed configs, small data, paths.
Fixtures live in conftest.py; test files import these with `from helpers import ...`."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from forecast_cli.run.layout import STOPPED

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent  # the repository: conf/, benchmarks/, pyproject.toml
FIXTURES = TESTS / "fixtures"
OLD_RUNS = FIXTURES / "old_runs"
FORECAST = str(Path(sys.executable).parent / "forecast")


def compose_train(overrides=()):
    """The `train` config composed from the package's conf with these command-line overrides."""
    from hydra import compose, initialize_config_module

    with initialize_config_module("forecast_cli.conf", version_base="1.3"):
        return compose("train", overrides=list(overrides))


def window_config(*args, **values):
    """WindowConfig(*args, **values), every key not given from the default window's YAML (conf/window/single_step.yaml)."""
    import dataclasses

    from forecast_cli.config.store import option_object
    from forecast_cli.data.window import WindowConfig

    given = dict(zip([f.name for f in dataclasses.fields(WindowConfig)], args))
    return option_object("window", "single_step", **given, **values)


def data_config(name: str, **values):
    """The loader config of `data=name` (its schema's object): conf/data/<name>.yaml with `values`."""
    from forecast_cli.config.store import option_object

    return option_object("data", name, **values)


def split_config(**values):
    """A SplitConfig: the split every dataset starts from (conf/_base/data.yaml) with `values`."""
    from omegaconf import OmegaConf

    from forecast_cli.config.store import option_config

    return OmegaConf.to_object(OmegaConf.merge(option_config("data", "sine").split, values))


def model_node(name: str, **values):
    """The typed `model` node of `model=name`: conf/model/<name>.yaml with `values` (unresolved, as composed)."""
    from forecast_cli.config.store import option_config

    return option_config("model", name, **values)


def make_frame(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    """A small hourly table: a noisy daily sine target plus two related features."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    target = np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(rows)
    return pd.DataFrame(
        {
            "date": pd.date_range("2020-01-01", periods=rows, freq="h").strftime("%Y-%m-%d %H:%M:%S"),
            "load": np.cos(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(rows),
            "temp": 0.01 * t + rng.standard_normal(rows),
            "target": target,
        }
    )


def run_forecast(args, cwd, timeout=600, env=None):
    """Run the installed `forecast` console script in a subprocess."""
    full_env = dict(os.environ)
    full_env.pop("HYDRA_FULL_ERROR", None)
    full_env.update(env or {})
    return subprocess.run(
        [FORECAST, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=full_env
    )


def tiny_train_overrides(csv_path: Path):
    """A CSV run that trains in a few seconds."""
    return [
        "data=csv",
        f"data.path={csv_path}",
        "data.date_column=date",
        "data.target=target",
        "window.input_width=12",
        "trainer.epochs=2",
        "trainer.batch_size=16",
        "trainer.verbose=silent",
        "model.units=8",
    ]


def only_run(cwd: Path) -> Path:
    """The one run directory that commands run in `cwd` wrote under outputs/train."""
    (run,) = [p.parent for p in Path(cwd).glob("outputs/train/*/*/run.json")]
    return run


def train_target_only_run(root: Path, rows: int, *window) -> Path:
    """A 2-epoch linear run on an hourly CSV of `rows` rows whose only column is its target (every
    input of a future step is then known: recursive forecasts are possible), with a RELATIVE data.path."""
    make_frame(rows).to_csv(root / "series.csv", index=False)
    args = [
        "train", "data=csv", "data.path=series.csv", "data.date_column=date", "data.target=target",
        "data.features=[]", "model=linear", "window.input_width=12", *window, "trainer.epochs=2",
        "trainer.batch_size=32", "trainer.verbose=silent",
    ]
    result = run_forecast(args, cwd=root)
    assert result.returncode == 0, result.stderr
    return only_run(root)


def snapshot(root: Path, skip: Path):
    """Every file under `root` but under `skip`, with its content hash (links are not followed)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink() and skip not in p.parents
    }


def finished_outputs(root: Path, pattern: str) -> list:
    """The run.json files under `root` matching `pattern` that mark a finished predict/backtest output:
    any but the failed or interrupted record such a command leaves when it stops early."""
    return [p for p in root.glob(pattern) if json.loads(p.read_text()).get("status") not in STOPPED]


def assert_refused(result, *fragments):
    """The command failed as a user mistake: exit 2, one `forecast: error:` line holding every fragment."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("forecast: error:"), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


JENA_COLUMNS = [
    "p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)", "VPact (mbar)", "VPdef (mbar)",
    "sh (g/kg)", "H2OC (mmol/mol)", "rho (g/m**3)", "wv (m/s)", "max. wv (m/s)", "wd (deg)",
]


def jena_raw_frame(rows=60):
    """A 10-minute Jena-like table from 01.01.2009 00:10, with one -9999 wind speed at an hourly row."""
    rng = np.random.default_rng(0)
    dates = pd.date_range("2009-01-01 00:10", periods=rows, freq="10min")
    frame = pd.DataFrame(rng.uniform(1, 10, (rows, len(JENA_COLUMNS))).round(2), columns=JENA_COLUMNS)
    frame["wd (deg)"] = rng.uniform(0, 360, rows).round(1)
    frame.loc[11, "wv (m/s)"] = -9999.0
    frame.insert(0, "Date Time", dates.strftime("%d.%m.%Y %H:%M:%S"))
    return frame
