"""Audit a published figure that was chosen on its test split: train one run that also scores its test windows
after every epoch, then show what validation chose (our protocol) next to the epoch of lowest test loss (the rule
of code that keeps that checkpoint, such as TimeMixer's as first published: kwuking/TimeMixer d6acc20,
exp/exp_long_term_forecasting.py, `early_stopping(test_loss, ...)`).

The run still keeps the epoch of lowest validation loss and writes what any run writes; the per-epoch test
scores go to a CSV of their own, for explaining a gap, never for choosing a model.

    python benchmarks/selection_audit.py train AUDIT.csv experiment=ltsf/etth1/timemixer window.horizon=720 \
        data.path=ETTh1.csv
    python benchmarks/selection_audit.py report AUDIT.csv [AUDIT2.csv ...]

`train` runs `forecast train` in this process with one more callback, EpochTestScores below. A run's
`_target_`s must come from forecast_cli.config.guard's allow-list, which this script widens by that one name, for
its own process only: `forecast train resume=DIR` refuses an audited run's saved config.

The callback scores every test window. TimeMixer's d6acc20 chose its epoch on full test batches only
(`drop_last=True`, 128 windows a batch), up to 127 fewer windows; the epoch it picks can differ.
"""

import argparse
import csv
import functools
import sys
from pathlib import Path


@functools.cache
def epoch_test_scores_class():
    """The callback, built on first use so that `report` runs without TensorFlow."""
    import keras

    class EpochTestScores(keras.callbacks.Callback):
        def __init__(self, data: dict, window: dict, out: str, batch_size: int = 256):
            super().__init__()
            self.data, self.window = data, window
            self.out = Path(out)
            self.batch_size = int(batch_size)
            self.test = self.forward = None

        def on_train_begin(self, logs=None):
            from omegaconf import OmegaConf

            from forecast_cli.data.loaders import DATA
            from forecast_cli.data.pipeline import make_dataset
            from forecast_cli.data.prepare import prepare_data
            from forecast_cli.forecaster.engine import inference_function

            data = OmegaConf.merge(OmegaConf.structured(DATA.get(self.data["name"]).schema), self.data)
            prepared = prepare_data(data, OmegaConf.create(self.window))
            test = prepared.splits["test"]
            self.prepared = prepared
            self.test = make_dataset(test.values, test.starts, prepared.spec, self.batch_size, False, 0)
            self.forward = inference_function(self.model)  # traced once; it reads the weights of each epoch
            if not self.out.exists():
                self.out.write_text("epoch,val_loss,test_mse,test_mae\n")

        def on_epoch_end(self, epoch, logs=None):
            from forecast_cli.evaluation.score import score_split

            scores, _ = score_split(lambda x: self.forward(x).numpy(), self.test, self.prepared, "test", "mse")
            with self.out.open("a", newline="") as handle:
                csv.writer(handle).writerow(
                    [epoch + 1, (logs or {}).get("val_loss", ""), f"{scores['mse']:.6f}", f"{scores['mae']:.6f}"]
                )

    return EpochTestScores


def __getattr__(name):  # hydra.utils.instantiate looks the `_target_` up as a module attribute
    if name == "EpochTestScores":
        return epoch_test_scores_class()
    raise AttributeError(name)


def read_rows(path: Path) -> list:
    with path.open(newline="") as handle:
        return [
            {"epoch": int(r["epoch"]), "val_loss": float(r["val_loss"]), "test_mse": float(r["test_mse"]),
             "test_mae": float(r["test_mae"])}
            for r in csv.DictReader(handle)
        ]


def kept_epochs(rows: list) -> dict:
    """The epoch each rule keeps (the first of equal losses, as an early stopper that needs a strict gain)."""
    return {
        "validation (ours)": min(rows, key=lambda r: (r["val_loss"], r["epoch"])),
        "test (TimeMixer's d6acc20)": min(rows, key=lambda r: (r["test_mse"], r["epoch"])),
    }


TARGET = f"{Path(__file__).stem}.EpochTestScores"


def train(out: Path, overrides: list) -> int:
    from forecast_cli.config import guard as config_guard
    from forecast_cli.cli import entry_point

    if out.exists():
        print(f"{out} exists: give each audited run a new file", file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(__file__).parent))
    config_guard.ALLOWED_TARGETS = config_guard.ALLOWED_TARGETS | {TARGET}
    callback = f"{{_target_: {TARGET}, data: ${{data}}, window: ${{window}}, out: '{out.resolve()}'}}"
    sys.argv = ["forecast", "train", *overrides, f"+trainer.callbacks.test_scores={callback}"]
    return entry_point()


def report(paths: list) -> int:
    print("| file | epochs | rule | epoch kept | val loss | test MSE | test MAE |")
    print("|---|---|---|---|---|---|---|")
    for path in paths:
        rows = read_rows(path)
        if not rows:
            print(f"{path}: no epochs recorded", file=sys.stderr)
            return 2
        for rule, row in kept_epochs(rows).items():
            print(
                f"| {path.name} | {len(rows)} | {rule} | {row['epoch']} | {row['val_loss']:.4f} | "
                f"{row['test_mse']:.3f} | {row['test_mae']:.3f} |"
            )
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train_parser = commands.add_parser("train", help="train one run and write its per-epoch test scores")
    train_parser.add_argument("csv", type=Path, help="a new file for the per-epoch scores")
    train_parser.add_argument("overrides", nargs="+", help="forecast train's overrides (no -m: one run)")
    report_parser = commands.add_parser("report", help="the epoch each rule keeps, and its test MSE")
    report_parser.add_argument("csv", nargs="+", type=Path, help="files written by `train`, one per run")
    args = parser.parse_args(argv)
    if args.command == "train":
        return train(args.csv, args.overrides)
    return report(args.csv)


if __name__ == "__main__":
    sys.exit(main())
