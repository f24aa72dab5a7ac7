"""benchmarks/selection_audit.py: a run that also scores its test windows each epoch, to audit published
figures chosen on test loss; the run itself still keeps the epoch of lowest validation loss."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, only_run, tiny_train_overrides

AUDIT = ROOT / "benchmarks" / "selection_audit.py"


def audit(*args, cwd):
    return subprocess.run([sys.executable, str(AUDIT), *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def write_rows(path: Path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", "val_loss", "test_mse", "test_mae"])
        writer.writerows(rows)


def test_the_report_names_the_epoch_each_rule_keeps(tmp_path):
    write_rows(tmp_path / "a.csv", [[1, 0.70, 0.41, 0.42], [2, 0.68, 0.45, 0.44], [3, 0.69, 0.39, 0.40]])
    result = audit("report", "a.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line.split("|")[3:7] for line in result.stdout.splitlines()[2:]]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["validation (ours)", "2", "0.6800", "0.450"],
        ["test (TimeMixer's d6acc20)", "3", "0.6900", "0.390"],
    ]


def test_an_audited_run_records_every_epochs_test_scores_and_keeps_the_validation_choice(tmp_path, csv_file):
    overrides = [o for o in tiny_train_overrides(csv_file) if not o.startswith("model.")]
    overrides += ["trainer.epochs=3", "model=linear"]
    result = audit("train", "scores.csv", *overrides, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with (tmp_path / "scores.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    run = only_run(tmp_path)
    history = list(csv.DictReader((run / "history.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert [float(r["val_loss"]) for r in rows] == pytest.approx([float(r["val_loss"]) for r in history])
    kept = min(rows, key=lambda r: float(r["val_loss"]))
    metrics = json.loads((run / "metrics.json").read_text())
    # the run's final test score is the score the callback took at the epoch validation kept
    assert float(kept["test_mse"]) == pytest.approx(metrics["test/mse"], rel=1e-4)
    assert audit("train", "scores.csv", *overrides, cwd=tmp_path).returncode == 2  # never appends to an old file

