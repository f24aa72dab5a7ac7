"""Pin the metric figures `forecast train` produces today, so that a refactor can prove no figure moves.

Regenerate the fixture (from the repository root, at the commit whose figures are to be pinned):

    python benchmarks/pin_figures.py --tier all --data ../shared/data tests/fixtures/pinned_figures.json

Every cell of CELLS is one `forecast train <overrides> trainer.verbose=silent trainer.deterministic=true
hydra.run.dir=<tmp>/<cell>` in a fresh process; the JSON gets, per cell, its tier, the overrides it ran
with (the shared data directory written as the placeholder `{data}`) and every key of its metrics.json.
Tiers: "shipped" cells need no shared data and run in the default test suite (tests/evaluation/test_pinned_figures.py);
"shared" cells are the published experiments, one epoch each, most of them on the files of ../shared/data
(--data DIR), and run only under `pytest -m slow`. `--only NAME` (repeatable) runs those cells alone and
merges them into an existing JSON; `--tier shipped|shared` rewrites that tier's cells only. Checking a
commit against the pins is tests/evaluation/test_pinned_figures.py (`pytest -m slow` for the shared tier).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "tests" / "fixtures" / "pinned_figures.json"
FORECAST = str(Path(sys.executable).parent / "forecast")
PLACEHOLDER = "{data}"
# appended to every cell's overrides: no progress output, op determinism (seeded runs repeat bit for bit)
FIXED = ("trainer.verbose=silent", "trainer.deterministic=true")
JENA = "data.path={data}/jena_climate_2009_2016_hourly.csv"

CELLS = {
    # shipped: no shared data, seconds each
    "default": ("shipped", ["trainer.epochs=1"]),
    "airline/linear": ("shipped", ["data=airline", "model=linear", "trainer.epochs=2"]),
    "airline/seasonal_naive": ("shipped", ["data=airline", "model=seasonal_naive"]),
    # shared: the published experiments at one epoch (sincos and homl generate their data, but at ~10-20 s
    # each they would slow the default suite)
    "sincos": ("shared", ["experiment=sincos", "trainer.epochs=1"]),
    **{
        f"tutorial/{name}": ("shared", [f"experiment=tutorial/{name}", JENA, "trainer.epochs=1"])
        for name in ("baseline", "linear", "dense", "multi_step_dense", "conv", "lstm")
    },
    **{
        f"tutorial_multi/{name}": ("shared", [f"experiment=tutorial_multi/{name}", JENA, "trainer.epochs=1"])
        for name in ("last", "repeat", "linear", "dense", "conv", "lstm", "ar_lstm")
    },
    **{
        f"homl/{name}": ("shared", [f"experiment=homl/{name}", "trainer.epochs=1"])  # data=sine: generated
        for name in ("naive", "linear", "deep_rnn", "seq2seq_simple_rnn", "seq2seq_lstm", "seq2seq_gru", "seq2seq_layernorm_rnn")
    },
    "ltsf/etth1/dlinear": ("shared", ["experiment=ltsf/etth1/dlinear", "data.path={data}/ETTh1.csv", "trainer.epochs=1"]),
    # docs/benchmark.md's seasonal naive rows (benchmarks/monash.py's snaive='model=seasonal_naive'): nothing trains
    "monash/tourism/seasonal_naive": ("shared", ["data=tsf", "data.path={data}/tourism_quarterly_dataset.tsf", "model=seasonal_naive"]),
    "monash/m3/seasonal_naive": ("shared", ["data=tsf", "data.path={data}/m3_monthly_dataset.tsf", "model=seasonal_naive"]),
}


def cell_overrides(name: str) -> list:
    """The overrides a cell is pinned with: its own, then FIXED (`{data}` left in)."""
    return [*CELLS[name][1], *FIXED]


def uses_data(overrides) -> bool:
    return any(PLACEHOLDER in o for o in overrides)


def train_args(overrides, data_dir: Path, run_dir: Path) -> list:
    """The `forecast` arguments of one cell: `{data}` replaced by data_dir, the run written to run_dir."""
    return ["train", *(o.replace(PLACEHOLDER, str(data_dir)) for o in overrides), f"hydra.run.dir={run_dir}"]


def run_subprocess(args, cwd, timeout=1800, env=None):
    """The installed `forecast` in a fresh process (tests pass helpers.run_forecast instead)."""
    return subprocess.run([FORECAST, *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


def run_cell(overrides, data_dir: Path, workdir: Path, name: str, runner=run_subprocess) -> dict:
    """Train one cell under workdir/name and return its metrics.json; a failed run raises RuntimeError."""
    run_dir = Path(workdir) / name
    result = runner(train_args(overrides, Path(data_dir).resolve(), run_dir), cwd=workdir)
    if result.returncode != 0:
        raise RuntimeError(f"{name}: forecast train exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return json.loads((run_dir / "metrics.json").read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help=f"the JSON (default {DEFAULT_OUT.relative_to(ROOT)})")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data directory (default ../shared/data)")
    parser.add_argument("--tier", choices=("shipped", "shared", "all"), default="all")
    parser.add_argument("--only", action="append", choices=list(CELLS), metavar="NAME", help="this cell only (repeatable)")
    args = parser.parse_args(argv)
    names = args.only or [n for n, (tier, _) in CELLS.items() if args.tier in ("all", tier)]
    pinned = json.loads(args.out.read_text()) if args.out.is_file() else {}
    # a full tier rewrites the JSON's cells of that tier (cells dropped from CELLS go); --only merges
    results = dict(pinned) if (args.only or args.tier != "all") else {}
    if not args.only and args.tier != "all":
        results = {n: c for n, c in results.items() if c.get("tier") != args.tier}
    failed = 0
    with tempfile.TemporaryDirectory(prefix="pin_figures_") as workdir:
        for name in names:
            overrides = cell_overrides(name)
            started = time.perf_counter()
            try:
                metrics = run_cell(overrides, args.data, Path(workdir), name)
            except RuntimeError as exc:
                print(f"FAILED {exc}", file=sys.stderr, flush=True)
                failed += 1
                continue
            seconds = time.perf_counter() - started
            results[name] = {"tier": CELLS[name][0], "overrides": overrides, "metrics": metrics}
            args.out.parent.mkdir(parents=True, exist_ok=True)
            ordered = {n: results[n] for n in [*CELLS, *results] if n in results}
            args.out.write_text(json.dumps(ordered, indent=1) + "\n")
            print(f"{name}: {seconds:.1f} s, {len(metrics)} keys", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
