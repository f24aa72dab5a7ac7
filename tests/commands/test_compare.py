"""`forecast compare`: table, CSV and PNG from run directories written through RunDir."""

import csv

from omegaconf import OmegaConf

from forecast_cli.run.layout import COMPLETED, FAILED, RunDir

from helpers import run_forecast


def make_run(root, name, val_mae, test_mae, status=COMPLETED, overrides=None):
    run = RunDir(root / name)
    run.start(task="train")
    (run.config_yaml).write_text(OmegaConf.to_yaml({"run_name": name.split("_", 1)[1]}))
    if overrides is not None:
        run.hydra_dir.mkdir()
        (run.hydra_dir / "overrides.yaml").write_text(OmegaConf.to_yaml(overrides))
    if status == COMPLETED:
        metrics = {"val/mae": val_mae, "test/mae": test_mae, "test/mse": test_mae**2}
        metrics.update({"val/real_mae": 100 * val_mae, "test/real_mae": 100 * test_mae})
        run.write_metrics(metrics)
    run.finish(status)
    return run


def test_compare_a_sweep_writes_csv_png_and_prints_a_table(tmp_path):
    sweep = tmp_path / "sweep"
    make_run(sweep, "0_baseline", 0.09, 0.085)
    make_run(sweep, "1_lstm", 0.06, 0.053)
    make_run(sweep, "2_broken", None, None, status=FAILED)
    result = run_forecast(["compare", str(sweep)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "baseline" in result.stdout and "0.053000" in result.stdout
    rows = list(csv.DictReader((sweep / "comparison.csv").open()))
    assert [r["run"] for r in rows] == ["baseline", "lstm", "broken"]
    assert float(rows[1]["test/mae"]) == 0.053 and rows[2]["status"] == FAILED
    png = (sweep / "comparison.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 1000


def test_compare_run_dirs_into_an_output_dir_and_errors(tmp_path):
    a = make_run(tmp_path / "runs", "0_a", 0.2, 0.3)
    b = make_run(tmp_path / "runs", "1_b", 0.1, 0.2)
    result = run_forecast(["compare", str(a.root), str(b.root), "--output", "out", "--metric", "mse"], cwd=tmp_path)
    assert result.returncode == 0 and "test_mse" in result.stdout and "0.090000" in result.stdout  # 0.3 ** 2
    result = run_forecast(["compare", str(a.root), str(b.root), "--output", "out"], cwd=tmp_path)
    assert result.returncode == 0 and (tmp_path / "out" / "comparison.png").is_file()
    result = run_forecast(["compare", str(tmp_path / "nowhere")], cwd=tmp_path)
    assert result.returncode == 2 and "not found" in result.stderr and "Traceback" not in result.stderr
    result = run_forecast(["compare", str(a.root), "--metric", "bogus"], cwd=tmp_path)
    assert result.returncode == 2 and "is not a metric" in result.stderr


def test_compare_tells_the_jobs_of_one_model_apart_by_their_overrides(tmp_path):
    sweep = tmp_path / "sweep"
    shared = ["data=airline", "model=lstm"]
    make_run(sweep, "0_lstm", 0.09, 0.08, overrides=[*shared, "optimizer.learning_rate=0.001", "model.units=8"])
    make_run(sweep, "1_lstm", 0.07, 0.06, overrides=[*shared, "optimizer.learning_rate=0.01", "model.units=8"])
    make_run(sweep, "2_lstm", 0.05, 0.04, overrides=[*shared, "optimizer.learning_rate=0.01", "model.units=16"])
    result = run_forecast(["compare", str(sweep), "--metric", "real_mae"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((sweep / "comparison.csv").open()))
    assert [r["run"] for r in rows] == [
        "lstm (optimizer.learning_rate=0.001 model.units=8)",
        "lstm (optimizer.learning_rate=0.01 model.units=8)",
        "lstm (optimizer.learning_rate=0.01 model.units=16)",
    ]
    assert rows[0]["overrides"] == "data=airline model=lstm optimizer.learning_rate=0.001 model.units=8"
    assert float(rows[2]["test/real_mae"]) == 4.0
    assert "test_real_mae" in result.stdout and "4.000000" in result.stdout


def test_compare_shows_the_published_figure_of_each_runs_horizon_and_our_gap_to_it(tmp_path):
    sweep = tmp_path / "sweep"
    published = {"source": "a paper", "figures": {"test/mse": {96: 0.4, 192: 0.5}, "test/mae": {96: 0.41}}}
    for name, horizon, test_mae in (("0_dlinear", 96, 0.6), ("1_dlinear", 192, 0.7), ("2_dlinear", 336, 0.8)):
        run = make_run(sweep, name, 0.5, test_mae, overrides=[f"window.horizon={horizon}"])
        config = {"run_name": "dlinear", "window": {"label_width": horizon}, "published": published}
        run.config_yaml.write_text(OmegaConf.to_yaml(config))
    result = run_forecast(["compare", str(sweep), "--metric", "mse"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "published_test_mse" in result.stdout and "vs_published" in result.stdout
    rows = {r["run"]: r for r in csv.DictReader((sweep / "comparison.csv").open())}
    first, second, third = (rows[f"dlinear (window.horizon={h})"] for h in (96, 192, 336))
    assert float(first["published/test/mse"]) == 0.4 and first["vs_published/test/mse"] == "-10.0%"  # 0.36 / 0.4
    assert float(second["published/test/mse"]) == 0.5 and second["vs_published/test/mse"] == "-2.0%"  # 0.49 / 0.5
    assert float(first["published/test/mae"]) == 0.41 and first["vs_published/test/mae"] == "+46.3%"
    assert third["published/test/mse"] == "" and second["published/test/mae"] == ""  # nothing published there


def test_compare_shows_no_published_figure_for_a_run_at_another_input_than_the_papers(tmp_path):
    sweep = tmp_path / "sweep"
    published = {"source": "a paper", "input_width": 104, "figures": {"test/mse": {24: 2.0}}}
    for name, input_width in (("0_dlinear", 104), ("1_dlinear", 36)):
        run = make_run(sweep, name, 0.5, 0.6, overrides=[f"window.input_width={input_width}"])
        config = {"run_name": "dlinear", "window": {"input_width": input_width, "label_width": 24}, "published": published}
        run.config_yaml.write_text(OmegaConf.to_yaml(config))
    result = run_forecast(["compare", str(sweep), "--metric", "mse"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {r["run"]: r for r in csv.DictReader((sweep / "comparison.csv").open())}
    paper_input, other_input = rows["dlinear (window.input_width=104)"], rows["dlinear (window.input_width=36)"]
    assert float(paper_input["published/test/mse"]) == 2.0 and paper_input["vs_published/test/mse"] == "-82.0%"  # 0.36 / 2
    assert other_input["published/test/mse"] == "" and other_input["vs_published/test/mse"] == ""
