"""The Monash archive benchmark of docs/benchmark.md: `forecast train` runs on a .tsf file, each recorded with
its validation and test averages over series and its wall time.

    python benchmarks/monash.py TSF_FILE OUT.json NAME='OVERRIDES' [NAME='OVERRIDES' ...]

e.g.  python benchmarks/monash.py ../shared/data/tourism_quarterly_dataset.tsf tourism.json \
          snaive='model=seasonal_naive' nbeats='model=nbeats trainer.loss=mae'

Every variant is one `forecast train data=tsf data.path=TSF_FILE <OVERRIDES>` in a fresh process (run
directories under ./outputs); OUT.json gets, per variant, the command, its val/ and test/ real_smape, mase
and owa, epochs and wall seconds (appended: a variant already in OUT.json is not run again). Choose a
configuration on the val/ figures only; the test/ figures are the ones to report.
"""

import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

SHOWN = ("real_smape", "mase", "owa")


def run_variant(tsf: str, overrides: str) -> dict:
    command = [str(Path(sys.executable).parent / "forecast"), "train", "data=tsf", f"data.path={tsf}", "trainer.verbose=silent", *shlex.split(overrides)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    run_dir = next((line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("run directory: ")), None)
    if result.returncode != 0 or run_dir is None:
        return {"command": " ".join(command), "error": result.stderr.strip().splitlines()[-1:], "seconds": seconds}
    metrics = json.loads((Path(run_dir) / "metrics.json").read_text())
    record = json.loads((Path(run_dir) / "run.json").read_text())
    return {
        "command": "forecast " + " ".join(shlex.quote(a) for a in command[1:] if a != "trainer.verbose=silent"),
        "run": run_dir,
        "epochs": record.get("epochs_completed"),
        "seconds": round(seconds, 1),
        "window": record.get("window"),
        **{f"{split}/{name}": metrics.get(f"{split}/{name}") for split in ("val", "test") for name in SHOWN},
    }


def main() -> None:
    tsf, out = sys.argv[1], Path(sys.argv[2])
    results = json.loads(out.read_text()) if out.is_file() else {}
    for spec in sys.argv[3:]:
        name, overrides = spec.split("=", 1)
        if name in results and "error" not in results[name]:
            continue
        results[name] = run_variant(tsf, overrides)
        out.write_text(json.dumps(results, indent=1))
        row = results[name]
        figures = " ".join(f"{k}={row[k]:.4f}" for k in row if k.startswith(("val/", "test/")) and row[k] is not None)
        print(f"{name}: {row.get('epochs')} epochs, {row['seconds']} s, {figures or row.get('error')}", flush=True)


if __name__ == "__main__":
    main()
