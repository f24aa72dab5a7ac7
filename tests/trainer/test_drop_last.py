"""trainer.drop_last: the loaders of PyTorch code with drop_last=True (PatchTST's) — training and validation
shuffled every epoch, only whole batches — while the final metrics and the test split score every window."""

import json

import pytest

import forecast_cli.commands.train  # noqa: F401  (stores the schemas of the train config)

from helpers import compose_train, make_frame, only_run, run_forecast, tiny_train_overrides


@pytest.fixture
def prepared(csv_file):
    from forecast_cli.data.prepare import prepare_data

    cfg = compose_train(tiny_train_overrides(csv_file))
    return prepare_data(cfg.data, cfg.window)


def windows_of(dataset):
    """Each window's inputs as bytes, batch by batch."""
    return [[window.tobytes() for window in inputs.numpy()] for inputs, _ in dataset]


def test_train_and_val_keep_whole_batches_of_other_windows_each_epoch(prepared):
    from forecast_cli.data.pipeline import epoch_variable, make_dataset, split_datasets

    counts = prepared.window_counts()
    assert (counts["train"], counts["val"], counts["test"]) == (268, 68, 28)
    epoch = epoch_variable()
    datasets = split_datasets(prepared, 16, seed=3, shuffle_epoch=epoch, eval_batch_size=1024, drop_last=True)
    splits = prepared.splits.items()
    in_order = {name: make_dataset(s.values, s.starts, prepared.spec, 1024, False, 0) for name, s in splits}
    every = {name: {w for batch in windows_of(dataset) for w in batch} for name, dataset in in_order.items()}
    for name, whole in (("train", 268 // 16), ("val", 68 // 16)):
        kept = []
        for e in range(3):
            epoch.assign(e)
            batches = windows_of(datasets[name])
            assert [len(b) for b in batches] == [16] * whole, name
            flat = [w for b in batches for w in b]
            assert len(set(flat)) == len(flat) and set(flat) <= every[name]
            kept.append(set(flat))
        assert kept[0] != kept[1] != kept[2], f"{name} leaves out the same windows every epoch"
    (test_batch,) = windows_of(datasets["test"])
    assert len(test_batch) == 28 and set(test_batch) == every["test"]


def test_without_drop_last_every_window_is_batched(prepared):
    from forecast_cli.data.pipeline import epoch_variable, split_datasets

    datasets = split_datasets(prepared, 16, seed=3, shuffle_epoch=epoch_variable(), eval_batch_size=1024)
    assert [len(b) for b in windows_of(datasets["train"])] == [16] * 16 + [268 - 256]
    assert [len(b) for b in windows_of(datasets["val"])] == [68]


@pytest.mark.slow  # 45 s for both loops
@pytest.mark.parametrize("trainer", ["fit", "custom"])
def test_a_drop_last_run_reports_metrics_on_every_validation_window(tmp_path, csv_file, trainer):
    args = ["train", f"trainer={trainer}", "model=linear", "trainer.drop_last=true"]
    args += [a for a in tiny_train_overrides(csv_file) if not a.startswith("model.")]
    result = run_forecast(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run(tmp_path)
    assert "drop_last: true" in (run / "config.yaml").read_text()
    trained = json.loads((run / "metrics.json").read_text())
    result = run_forecast(["evaluate", f"run={run}", "split=val"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert evaluation["windows"] == 68
    for key in ("val/mse", "val/mae"):
        assert evaluation["metrics"][key] == pytest.approx(trained[key], abs=1e-6), key


def test_a_split_smaller_than_one_batch_is_one_line_and_exit_2(tmp_path):
    path = tmp_path / "series.csv"
    make_frame(rows=200).to_csv(path, index=False)  # 40 validation rows: 28 windows
    args = ["train", "model=linear", "trainer.drop_last=true", "trainer.batch_size=32"]
    args += [a for a in tiny_train_overrides(path) if not a.startswith(("model.", "trainer.batch_size"))]
    result = run_forecast(args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("forecast:")] == [
        "forecast: error: trainer.drop_last=true leaves the val split no batch: it has 28 windows, fewer than "
        "the batch of 32; lower trainer.batch_size or set trainer.drop_last=false"
    ]
    record = json.loads((only_run(tmp_path) / "run.json").read_text())
    assert record["status"] == "failed" and record["windows"]["val"] == 28
