"""Compressed data files are read with caps on what they expand to, and only regular files are read: a
gzip bomb given to train, or planted as the data.path of a saved run read by evaluate and predict, is one
line and exit 2 within seconds and with bounded memory; a FIFO is refused without blocking."""

import bz2
import gzip
import lzma
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from helpers import FORECAST, data_config, finished_outputs, make_frame, train_target_only_run
from omegaconf import OmegaConf

from forecast_cli.data.loaders import _data_file
from forecast_cli.data.loaders.csv_file import load_csv
from forecast_cli.data.loaders.tsf import load_tsf
from forecast_cli.errors import ForecastError

BOMB_BYTES = 200 * 1024**2
MEASURE = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "sys.stderr.write(f'maxrss_kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n'); sys.exit(code)"
)


def write_bomb(path: Path) -> Path:
    """A CSV header, then 200 MB of zeros, gzipped a megabyte at a time (about 200 kB on disk)."""
    block = b"0" * 1024**2
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(b"date,target\n")
        for _ in range(BOMB_BYTES // len(block)):
            handle.write(block)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return write_bomb(tmp_path_factory.mktemp("bomb") / "series.csv.gz")


def measured(args, cwd):
    """(exit status, stderr without the measurement, seconds, peak RSS in bytes of the forecast process)."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, FORECAST, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )
    seconds = time.monotonic() - start
    lines = result.stderr.strip().splitlines()
    peak = int(lines[-1].split("=")[1]) * 1024
    return result.returncode, "\n".join(lines[:-1]), seconds, peak


def assert_refused_bomb(code, stderr, seconds, peak, bomb):
    (line,) = stderr.splitlines()
    assert code == 2, stderr
    assert line.startswith(f"forecast: error: data file {bomb} (")
    compressed = bomb.stat().st_size
    assert f"({compressed / 1e3:.1f} kB on disk) expands to more than {200 * compressed / 1e6:.1f} MB, over 200 times" in line
    assert "decompress it yourself and set data.path=" in line
    assert seconds < 30, seconds
    assert peak < 1.5 * 1024**3, peak


def test_the_legitimate_datasets_expand_far_below_the_ratio():
    """Measured on the public CSV and .tsf files of ../shared/data: at most 11.8x (ETTh1 under bzip2 -9),
    6.6x for the ETTm1.csv.gz as published; the cap leaves a margin of 17x over the worst."""
    assert _data_file.EXPANSION_RATIO >= 200


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".zip"])
def test_every_compression_stops_at_the_ratio_in_process(tmp_path, suffix, monkeypatch):
    monkeypatch.setattr(_data_file, "EXPANSION_FLOOR", 0)
    text = b"# a header line for both formats\n" + b"0" * (8 * 1024**2)
    path = tmp_path / f"series.csv{suffix}"
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("series.csv", text)
    else:
        path.write_bytes({".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}[suffix](text))

    with pytest.raises(ForecastError, match=r"expands to more than .* over 200 times its compressed size") as caught:
        load_csv(data_config("csv", path=str(path), target="target"), window_rows=2)
    assert str(path) in str(caught.value)
    with pytest.raises(ForecastError, match="over 200 times"):
        load_tsf(data_config("tsf", path=str(path)), window_rows=2)


def test_the_memory_cap_applies_when_it_is_lower(tmp_path, monkeypatch):
    monkeypatch.setattr(_data_file, "machine_memory", lambda: 4 * 1024**2 * _data_file.MEMORY_SHARE)
    path = tmp_path / "series.csv.gz"
    path.write_bytes(gzip.compress(make_frame(120000).to_csv(index=False).encode()))  # ~9 MB of text, ~3x

    with pytest.raises(ForecastError, match=r"expands to more than 4.2 MB, 1/4 of this machine's memory \(16.8 MB\)"):
        load_csv(data_config("csv", path=str(path), target="target"), window_rows=2)


def test_a_compressed_file_within_the_caps_reads_as_its_text(tmp_path):
    frame = make_frame(300)
    path = tmp_path / "series.csv.xz"
    path.write_bytes(lzma.compress(frame.to_csv(index=False).encode()))

    series = load_csv(data_config("csv", path=str(path), target="target", date_column="date"), window_rows=13)

    assert series.segments[0][:, 0].tolist() == frame["target"].tolist()


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "series.csv"
    os.mkfifo(fifo)
    for loader, cfg in ((load_csv, data_config("csv", path=str(fifo), target="target")), (load_tsf, data_config("tsf", path=str(fifo)))):
        with pytest.raises(ForecastError, match=r"series\.csv is not a regular file \(a FIFO\): set data.path= to"):
            loader(cfg, window_rows=2)


def test_a_bomb_given_to_train_is_one_line_exit_2_in_seconds_with_bounded_memory(tmp_path, bomb):
    args = ["train", "data=csv", f"data.path={bomb}", "data.target=target", "trainer.epochs=1", "trainer.verbose=silent"]

    code, stderr, seconds, peak = measured(args, tmp_path)

    assert_refused_bomb(code, stderr, seconds, peak, bomb)


@pytest.fixture(scope="module")
def run_reading_the_bomb(tmp_path_factory, bomb):
    """A completed run whose saved config.yaml's data.path was changed to the bomb."""
    run = train_target_only_run(tmp_path_factory.mktemp("run"), 200)
    config = OmegaConf.load(run / "config.yaml")
    config.data.path = str(bomb)
    OmegaConf.save(config, run / "config.yaml")
    return run


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_a_bomb_planted_in_a_run_is_one_line_exit_2_for_its_readers(tmp_path, run_reading_the_bomb, bomb, command):
    out = tmp_path / "out"
    args = [command, f"run={run_reading_the_bomb}", *([f"output={out}"] if command == "predict" else [])]

    code, stderr, seconds, peak = measured(args, tmp_path)

    assert_refused_bomb(code, stderr, seconds, peak, bomb)
    assert not (run_reading_the_bomb / "evaluation.json").exists()
    assert not finished_outputs(out, "run.json")
