"""Fixtures shared by every test folder; the functions they use are in helpers.py."""

import sys
from pathlib import Path

import pytest

from helpers import make_frame


@pytest.fixture
def csv_file(tmp_path) -> Path:
    path = tmp_path / "series.csv"
    make_frame().to_csv(path, index=False)
    return path



@pytest.fixture(autouse=True)
def absl_writes_to_the_real_stderr():
    """absl's log handler keeps the sys.stderr of the moment absl was imported (TensorFlow imports it), which in
    a test is pytest's capture. Hydra's logging config later closes every handler, and absl's handler closes a
    stream that is not the sys.stderr of that moment: under capsys, it closes pytest's own capture, and every
    later test of that worker fails with "I/O operation on closed file". Pointing it at the process's stderr,
    which it never closes, keeps one test's imports from breaking the next."""
    yield
    absl_logging = sys.modules.get("absl.logging")
    if absl_logging is not None:
        # not setStream: it flushes the old stream, which capsys may have closed already
        absl_logging.get_absl_handler().python_handler.stream = sys.__stderr__
