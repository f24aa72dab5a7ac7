"""The rows of docs/benchmark.md's long-horizon tables from finished sweeps of conf/experiment/ltsf/:
per job its horizon, test MSE/MAE, the published figures and our gap, epochs, median seconds per epoch
(first epoch, with graph tracing, left out) and the run's wall seconds. Reads run directories only.

    python benchmarks/ltsf_table.py SWEEP_DIR [SWEEP_DIR ...]
"""

import csv
import json
import statistics
import sys
from pathlib import Path

from omegaconf import OmegaConf

from forecast_cli.report.published import figure_for


def job_row(run: Path) -> dict:
    config = OmegaConf.to_container(OmegaConf.load(run / "config.yaml"))
    metrics = json.loads((run / "metrics.json").read_text())
    record = json.loads((run / "run.json").read_text())
    history = list(csv.DictReader((run / "history.csv").open()))
    seconds = [float(row["epoch_seconds"]) for row in history]
    horizon = int(config["window"]["label_width"])
    row = {
        "experiment": config["run_name"],
        "input": int(config["window"]["input_width"]),
        "horizon": horizon,
        "mse": metrics["test/mse"],
        "mae": metrics["test/mae"],
        "epochs": len(history),
        "best_epoch": 1 + min(range(len(history)), key=lambda i: float(history[i]["val_loss"])),
        "s_per_epoch": statistics.median(seconds[1:] or seconds),
        "wall_s": record.get("duration_s"),
    }
    for metric in ("mse", "mae"):
        published = figure_for(config, f"test/{metric}")
        row[f"published_{metric}"] = published
        row[f"gap_{metric}"] = None if not published else 100 * (row[metric] / published - 1)
    return row


def markdown(rows) -> str:
    lines = [
        "| model | input | horizon | MSE (published) | MAE (published) | MSE vs published | epochs (best) | s/epoch | wall s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        pub_mse = "" if r["published_mse"] is None else f" ({r['published_mse']:.3f})"
        pub_mae = "" if r["published_mae"] is None else f" ({r['published_mae']:.3f})"
        gap = "" if r["gap_mse"] is None else f"{r['gap_mse']:+.1f}%"
        lines.append(
            f"| {r['experiment']} | {r['input']} | {r['horizon']} | {r['mse']:.3f}{pub_mse} | {r['mae']:.3f}{pub_mae} | "
            f"{gap} | {r['epochs']} ({r['best_epoch']}) | {r['s_per_epoch']:.1f} | {r['wall_s']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    rows = []
    for sweep in sys.argv[1:]:
        for run in sorted(Path(sweep).glob("*/metrics.json")):
            rows.append(job_row(run.parent))
    rows.sort(key=lambda r: (r["experiment"], r["input"], r["horizon"]))
    print(markdown(rows))


if __name__ == "__main__":
    main()
