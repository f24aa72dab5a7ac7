"""Fixtures shared by every test folder; the functions they use are in helpers.py."""

from pathlib import Path

import pytest

from helpers import make_frame


@pytest.fixture
def csv_file(tmp_path) -> Path:
    path = tmp_path / "series.csv"
    make_frame().to_csv(path, index=False)
    return path

